// What the figures were measured on. Ratios against a same-run baseline travel between machines far
// better than absolute figures, but neither means much without the machine (and its load) beside it.
import { execFileSync } from 'node:child_process';
import { cpus, loadavg, release, totalmem, type } from 'node:os';
import type { Redis } from 'ioredis';

export interface Machine {
  cpu: string;
  cores: number;
  memoryBytes: number;
  os: string;
  node: string;
  redis: string;
  redisBenchmark: string;
  /** 1-minute load average when the run started: other work on the machine skews every figure. */
  loadAtStart: number;
  commit: string;
}

export async function describeMachine(redis: Redis): Promise<Machine> {
  const info = await redis.info('server');
  const cpuList = cpus();
  return {
    cpu: cpuList[0]?.model.trim() ?? 'unknown',
    cores: cpuList.length,
    memoryBytes: totalmem(),
    os: `${type()} ${release()} ${process.arch}`,
    node: process.version,
    redis: /^redis_version:(.+)$/m.exec(info)?.[1]?.trim() ?? 'unknown',
    redisBenchmark: run('redis-benchmark', ['--version']).replace(/^redis-benchmark\s*/, '') || 'unknown',
    loadAtStart: loadavg()[0] ?? 0,
    commit: commitOf(),
  };
}

export function describe(m: Machine): string {
  const gib = (m.memoryBytes / 2 ** 30).toFixed(1);
  return `${m.cpu}, ${m.cores} cores, ${gib} GiB RAM, ${m.os}; Node ${m.node}; Redis ${m.redis} (redis-benchmark ${m.redisBenchmark})`;
}

function commitOf(): string {
  const head = run('git', ['rev-parse', '--short', 'HEAD']);
  if (!head) return 'unknown';
  const dirty = run('git', ['status', '--porcelain', '--untracked-files=no']) !== '';
  return dirty ? `${head} + uncommitted changes` : head;
}

function run(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}
