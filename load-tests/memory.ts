// Benchmark 3, memory: bytes per observation at rest — MEMORY USAGE of a target's observation stream
// holding a day at 1 s (86,400 entries), divided by 86,400. Target: ≤ 40 B. Baselines: the same rows
// in a sorted set (measured here) and the figure DESIGN.md quotes (~36 B).
import type { Redis } from 'ioredis';
import { encodeLateMember } from '../src/storage/codec.js';
import { createKeys } from '../src/storage/keys.js';
import type { DayDataset } from './day-dataset.js';
import type { BenchContext } from './lib/context.js';
import type { BenchResult, Figure } from './lib/report.js';

const TARGET_BYTES = 40;
const DESIGN_BYTES = 36;
const CHUNK = 5_000;

export async function benchMemory(ctx: BenchContext, redis: Redis, day: DayDataset): Promise<BenchResult> {
  const started = performance.now();
  const keys = createKeys();
  const n = day.observations.length;
  const zsetWhole = 'bench:zset:observations';
  const zsetListeners = 'bench:zset:listeners';
  try {
    ctx.progress.phase('memory: MEMORY USAGE of the day stream; writing the sorted-set alternatives');
    // SAMPLES 0 measures every node instead of estimating from the first five.
    const usage = async (key: string) => {
      const bytes = await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0');
      if (typeof bytes !== 'number') throw new Error(`MEMORY USAGE ${key} answered ${String(bytes)}`);
      return bytes;
    };
    const streamLen = await redis.xlen(keys.obs(day.targetId));
    if (streamLen !== n) throw new Error(`the day stream holds ${streamLen} entries, expected ${n}`);
    const stream = await usage(keys.obs(day.targetId));
    const rollups = await usage(keys.rollups(day.targetId));
    const rollupCount = await redis.zcard(keys.rollups(day.targetId));

    // The alternative: the same observations as sorted-set members (score = time). The whole-row
    // member is spacewatch's own sorted-set encoding (the late set's); the listeners-only one is the
    // classic one-metric time series.
    await redis.del(zsetWhole, zsetListeners);
    for (let i = 0; i < n; i += CHUNK) {
      const p = redis.pipeline();
      for (const o of day.observations.slice(i, i + CHUNK)) {
        p.zadd(zsetWhole, o.at, encodeLateMember(o));
        p.zadd(zsetListeners, o.at, `${o.at}:${o.listeners ?? ''}`);
      }
      await p.exec();
    }
    if ((await redis.zcard(zsetWhole)) !== n) throw new Error('sorted set did not get every observation');
    const whole = await usage(zsetWhole);
    const listenersOnly = await usage(zsetListeners);
    const config = await redis.config('GET', 'stream-node-max-*');

    const perObs = stream / n;
    const figures: Figure[] = [
      {
        bench: 'memory',
        label: 'bytes per observation at rest (observation stream, 86,400 entries)',
        value: perObs,
        unit: 'B/obs',
        baselines: [
          { short: 'sorted set', label: 'same rows in a sorted set', value: whole / n, measured: true },
          { short: 'DESIGN', label: 'DESIGN.md', value: DESIGN_BYTES, measured: false },
        ],
        target: { on: 'value', op: '<=', limit: TARGET_BYTES },
        note: 'listpack-encoded stream nodes: field names stored once per node, small integers as integers, IDs as deltas',
      },
    ];
    const details = [
      `Stream: ${stream.toLocaleString('en-US')} bytes for ${n.toLocaleString('en-US')} entries (${pairs(config)}). Observations: state, listeners (~50,000), join ok/ms/bytes; 1 % failed probes with an error code instead of a count.`,
      `Rollups: ${rollups.toLocaleString('en-US')} bytes for ${rollupCount.toLocaleString('en-US')} minutes = ${(rollups / n).toFixed(1)} B per observation on top; stream + rollups = ${((stream + rollups) / n).toFixed(1)} B per observation.`,
      `Sorted set of the whole rows (score = ms, member = the late-set JSON): ${whole.toLocaleString('en-US')} bytes = ${(whole / n).toFixed(1)} B per observation. Listeners only (\`<ms>:<count>\` members): ${(listenersOnly / n).toFixed(1)} B per sample.`,
    ];
    return { name: 'memory', figures, details, seconds: (performance.now() - started) / 1000 };
  } finally {
    await redis.del(zsetWhole, zsetListeners);
  }
}

function pairs(config: unknown): string {
  const flat = Array.isArray(config) ? (config as string[]) : [];
  const out: string[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push(`${flat[i]} ${flat[i + 1]}`);
  return out.join(', ');
}
