// What bench.ts hands every benchmark: the run's own redis-server and the progress reporter.
import { Redis } from 'ioredis';
import { pino } from 'pino';
import type { Progress } from './progress.js';

export interface BenchContext {
  /** The redis-server this run started (never the one on 6379). */
  redis: { url: string; port: number };
  progress: Progress;
}

/** spacewatch's code under test logs nothing during a run; its log lines would be noise and cost. */
export const silentLog = pino({ level: 'silent' });

/** A client configured as main.ts configures the store's. The caller closes it. */
export async function connectRedis(url: string, name = 'spacewatch-bench'): Promise<Redis> {
  const redis = new Redis(url, { maxRetriesPerRequest: 3, connectionName: name, lazyConnect: true });
  await redis.connect();
  return redis;
}

/** Calls per command since the last CONFIG RESETSTAT (INFO commandstats). */
export async function commandCalls(redis: Redis): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const m of (await redis.info('commandstats')).matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) out.set(m[1] as string, Number(m[2]));
  return out;
}

/** redis-server CPU seconds so far (user + sys, all its threads). */
export async function redisCpuSeconds(redis: Redis): Promise<number> {
  const info = await redis.info('cpu');
  const read = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? Number.NaN);
  return read('used_cpu_user') + read('used_cpu_sys');
}

/** This process's CPU seconds so far. */
export function ownCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}
