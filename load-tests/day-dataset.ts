// The data the query and memory benchmarks share: one target polled every second for 24 hours
// (86,400 observations), written through RedisStore.append in the writer's batches of 1,000, so the
// stream and its 1-minute rollups are exactly what a day of polling leaves in Redis.
import type { Redis } from 'ioredis';
import { RedisStore } from '../src/storage/redis-store.js';
import type { Observation } from '../src/types.js';
import { silentLog, type BenchContext } from './lib/context.js';
import { audience, observation, seeded } from './lib/observations.js';

export const DAY_MS = 86_400_000;
const BATCH = 1_000;

export interface DayDataset {
  targetId: string;
  /** Inclusive bounds of the day: [from, from + 24 h). */
  from: number;
  to: number;
  observations: Observation[];
  /** Seconds spent writing, for the record. */
  writeSeconds: number;
}

export async function writeDay(ctx: BenchContext, redis: Redis): Promise<DayDataset> {
  const targetId = 'bench-day';
  // The day ends at a minute boundary in the past, so the last minute is the open one, as on a live chart.
  const from = Math.floor((Date.now() - DAY_MS) / 60_000) * 60_000 - 60_000;
  const random = seeded(86_400, 1);
  const listeners = audience(random, 50_000);
  const observations: Observation[] = [];
  // Each probe lands within ±100 ms of its slot (the poller's default 10 % jitter of a 1 s interval).
  for (let i = 0; i < DAY_MS / 1_000; i++) observations.push(observation(from + 100 + i * 1_000 + Math.round((random() - 0.5) * 200), listeners(), random));

  const store = new RedisStore({ redis, log: silentLog });
  await store.deleteTarget(targetId);
  await store.putTarget({ id: targetId, name: 'Benchmark: a day at 1 s', source: { kind: 'json', url: 'http://127.0.0.1:9/status' }, intervalMs: 1_000, origin: 'api' });
  const bar = ctx.progress.bar(`writing ${observations.length.toLocaleString('en-US')} observations (24 h at 1 s) for query and memory`, observations.length);
  const t0 = performance.now();
  for (let i = 0; i < observations.length; i += BATCH) {
    const res = await store.append(observations.slice(i, i + BATCH).map((obs) => ({ targetId, obs })));
    if (res.duplicates > 0) throw new Error(`day dataset: ${res.duplicates} duplicates`);
    bar.update(i + BATCH);
  }
  const writeSeconds = (performance.now() - t0) / 1000;
  bar.done(`${writeSeconds.toFixed(1)} s`);
  await store.close();
  return { targetId, from, to: from + DAY_MS - 1, observations, writeSeconds };
}
