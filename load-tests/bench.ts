// `npm run bench`: runs every benchmark against a redis-server of its own, prints each figure beside a
// baseline measured in the same run, and rewrites the generated section of BENCHMARKS.md.
// `npm run bench -- query memory` runs a subset and leaves BENCHMARKS.md alone (its figures would
// then come from different runs). Benchmarks report, they do not gate: a missed target still exits 0;
// a benchmark that crashes exits 1.
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { startRedis, type TestRedis } from '../test/helpers/redis.js';
import { benchAlerts } from './alert-latency.js';
import { writeDay } from './day-dataset.js';
import { benchIngest } from './ingest.js';
import { connectRedis, type BenchContext } from './lib/context.js';
import { cpuSnapshot, otherCores } from './lib/cpu.js';
import { describe, describeMachine } from './lib/machine.js';
import { createProgress } from './lib/progress.js';
import { BEGIN_MARK, consoleTable, END_MARK, formatDuration, markdownSection, writeSection, type BenchResult } from './lib/report.js';
import { benchMemory } from './memory.js';
import { benchPolling } from './polling.js';
import { benchQuery } from './query.js';

const BENCHMARKS = ['ingest', 'query', 'memory', 'polling', 'alerts'] as const;
type Name = (typeof BENCHMARKS)[number];
const OUTPUT = fileURLToPath(new URL('../BENCHMARKS.md', import.meta.url));

async function main(argv: string[]): Promise<number> {
  const unknown = argv.filter((a) => !(BENCHMARKS as readonly string[]).includes(a));
  if (unknown.length > 0) {
    console.error(`unknown benchmark(s): ${unknown.join(', ')}; choose from ${BENCHMARKS.join(', ')} (none = all)`);
    return 2;
  }
  const selected = new Set<Name>(argv.length > 0 ? (argv as Name[]) : BENCHMARKS);
  const progress = createProgress();
  const startedAt = new Date();
  progress.phase(`starting a redis-server for this run (benchmarks: ${[...selected].join(', ')})`);
  let redis: TestRedis | undefined;
  try {
    redis = await startRedis();
    const ctx: BenchContext = { redis: { url: redis.url, port: redis.port }, progress };
    const admin = await connectRedis(redis.url, 'bench-main');
    const results: BenchResult[] = [];
    try {
      const machine = await describeMachine(admin);
      progress.phase(`machine: ${describe(machine)}; load ${machine.loadAtStart.toFixed(2)}`);
      const runCpu = cpuSnapshot();
      // Each benchmark is billed for the other work the machine did while it ran.
      const measured = async (bench: () => Promise<BenchResult>) => {
        const before = cpuSnapshot();
        const result = await bench();
        result.otherCores = otherCores(before, cpuSnapshot());
        progress.phase(`${result.name}: done in ${formatDuration(result.seconds)}; other processes kept ${result.otherCores.toFixed(2)} cores busy meanwhile`);
        results.push(result);
      };
      if (selected.has('ingest')) await measured(() => benchIngest(ctx));
      if (selected.has('query') || selected.has('memory')) {
        await admin.flushall();
        const day = await writeDay(ctx, admin);
        if (selected.has('query')) await measured(() => benchQuery(ctx, admin, day));
        if (selected.has('memory')) await measured(() => benchMemory(ctx, admin, day));
      }
      if (selected.has('polling')) await measured(() => benchPolling(ctx));
      if (selected.has('alerts')) await measured(() => benchAlerts(ctx));

      const seconds = progress.elapsed();
      progress.phase(`done in ${formatDuration(seconds)}`);
      console.log(`\n${consoleTable(results)}\n`);
      if (selected.size === BENCHMARKS.length) {
        writeSection(OUTPUT, markdownSection(results, { machine, startedAt, seconds, loadAtEnd: loadavg()[0] ?? 0, otherCores: otherCores(runCpu, cpuSnapshot()) }), BEGIN_MARK, END_MARK);
        progress.phase(`wrote ${OUTPUT}`);
      } else {
        progress.phase('a subset ran: BENCHMARKS.md left as it was');
      }
    } finally {
      admin.disconnect();
    }
    return 0;
  } catch (err) {
    console.error('\nbenchmark crashed:', err);
    return 1;
  } finally {
    await redis?.destroy();
  }
}

process.exitCode = await main(process.argv.slice(2));
