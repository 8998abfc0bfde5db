// The join storm's figures, from what both sides recorded: the world's counts (simulator and crowd),
// spacewatch's own observations and alerts, and its poller's histograms. One rendering for the
// terminal, one for BENCHMARKS.md (between its join-storm markers; the rest of the file is left alone).
import { effectiveRules, type RulesConfig } from '../src/detect/rules.js';
import type { RuleName } from '../src/detect/types.js';
import type { SimulatorStats } from '../src/simulator/server.js';
import type { Observation } from '../src/types.js';
import type { CrowdStats } from '../test/helpers/crowd.js';
import { observed } from './lib/metrics.js';
import { alignedTable, formatValue, markdownTable } from './lib/report.js';
import { bucketDelta, fractionAtOrBelow, histogramQuantile, median, type Bucket } from './lib/stats.js';

/** Both sides of the world at one instant (join-storm-world.ts runs each in its own process). */
export interface WorldStats {
  at: number;
  sim: SimulatorStats;
  crowd: CrowdStats;
  simulatorCpuSeconds: number;
  crowdCpuSeconds: number;
}

export interface Second {
  /** Seconds since the storm began (negative: the calm before it). */
  t: number;
  phase: 'calm' | 'storm';
  connected: number;
  admittedPerSec: number;
  refusedPerSec: number;
  /** The simulator's refused share of listen attempts over its window (what its API fails at). */
  refusedShare: number;
  /** spacewatch's newest listener reading, if one of the last 5 s had a count. */
  listeners: number | undefined;
  /** spacewatch's probes in the last 5 s, and how many failed. */
  probes: number;
  failed: number;
  firing: string[];
}

export interface StormRun {
  capacity: number;
  listeners: number;
  calmListeners: number;
  intervalMs: number;
  /** The target's rule overrides, as given to the config (the rest are the defaults). */
  rules: RulesConfig;
  rampMs: number;
  refusalWindowMs: number;
  crowd: { holdMeanMs: number; retryMs: readonly [number, number]; pauseMs: readonly [number, number] };
  stormAt: number;
  stormEnd: number;
  seconds: Second[];
  /** spacewatch's observations of the target, from the calm through the storm. */
  observations: Observation[];
  /** First firing instant of each rule that fired. */
  fired: Map<string, number>;
  worldBefore: WorldStats;
  worldAfter: WorldStats;
  final: WorldStats;
  lag: { before: Bucket[]; after: Bucket[] };
  probeDuration: { before: Bucket[]; after: Bucket[] };
  /** CPU seconds of this process (spacewatch) over the storm. */
  spacewatchCpuSeconds: number;
  machine: string;
  startedAt: Date;
}

export interface StormReport {
  capacityFired: boolean;
  text: string;
  markdown: string;
}

/** This run's section of BENCHMARKS.md lies between these (lib/report.ts writeSection). */
export const STORM_START = '<!-- join-storm:start -->';
export const STORM_END = '<!-- join-storm:end -->';

const n = (x: number) => Math.round(x).toLocaleString('en-US');
const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(1)} %` : 'n/a');
const secs = (x: number | undefined) => (x === undefined ? 'never' : `${(x / 1000).toFixed(1)} s`);

export function stormReport(run: StormRun): StormReport {
  const stormSeconds = (run.stormEnd - run.stormAt) / 1000;
  const before = run.worldBefore.sim.audience!;
  const after = run.worldAfter.sim.audience!;
  const admitted = after.admitted - before.admitted;
  const refused = after.refused - before.refused;
  const crowd = run.final.crowd;
  const apiRequests = run.worldAfter.sim.requests - run.worldBefore.sim.requests;
  const apiFailed = run.worldAfter.sim.overCapacity - run.worldBefore.sim.overCapacity;

  // The plateau: from the first reading at the capacity (the room full) to the storm's end.
  const storm = run.observations.filter((o) => o.at >= run.stormAt && o.at <= run.stormEnd);
  const fullAt = storm.find((o) => (o.listeners ?? 0) >= run.capacity)?.at;
  const plateau = fullAt === undefined ? [] : storm.filter((o) => o.at >= fullAt && typeof o.listeners === 'number').map((o) => o.listeners!);
  const failedIn = (rows: Observation[]) => rows.filter((o) => o.join?.ok === false).length;
  const onPlateau = fullAt === undefined ? [] : storm.filter((o) => o.at >= fullAt);
  const codes = new Map<string, number>();
  for (const o of storm) if (o.join?.ok === false) codes.set(o.join.error ?? '?', (codes.get(o.join.error ?? '?') ?? 0) + 1);
  const calm = run.observations.filter((o) => o.at < run.stormAt);
  const fullSeconds = fullAt === undefined ? [] : run.seconds.filter((x) => x.phase === 'storm' && x.t * 1000 >= fullAt - run.stormAt);
  const fullShare = fullSeconds.reduce((sum, x) => sum + x.refusedShare, 0) / fullSeconds.length;

  const lag = bucketDelta(run.lag.before, run.lag.after);
  const lagCount = observed(lag);
  const duration = bucketDelta(run.probeDuration.before, run.probeDuration.after);
  const firedAfter = (rule: string) => (run.fired.has(rule) ? run.fired.get(rule)! - run.stormAt : undefined);
  const others = [...run.fired.keys()].filter((r) => r !== 'capacity' && r !== 'join_failures');

  const figures: [string, string][] = [
    ['peak concurrent listener connections held (simulator)', `${n(after.peak)} (capacity ${n(run.capacity)})`],
    ['peak sockets open at once (crowd: held + awaiting an answer)', n(crowd.peakOpen)],
    ['listen attempts during the storm', `${n(admitted + refused)}: ${n(admitted)} admitted, ${n(refused)} refused (${pct(refused / (admitted + refused))}); ${n((admitted + refused) / stormSeconds)}/s`],
    ['listener plateau measured by spacewatch', plateau.length ? `median ${n(median(plateau))} (${pct(median(plateau) / run.capacity)} of capacity), range ${n(Math.min(...plateau))}–${n(Math.max(...plateau))} over ${plateau.length} readings` : 'no reading reached the capacity'],
    ['join failure share measured by spacewatch, whole storm', `${pct(failedIn(storm) / storm.length)} (${failedIn(storm)}/${storm.length} probes; ${[...codes].map(([c, k]) => `${c} ${k}`).join(', ') || 'none'})`],
    ['join failure share measured by spacewatch, room full', `${pct(failedIn(onPlateau) / onPlateau.length)} (${failedIn(onPlateau)}/${onPlateau.length}) vs the simulator's refused share of listen attempts (the rate its API fails at) averaged over the same seconds: ${pct(fullShare)}`],
    ['API requests the simulator failed for capacity, storm', `${pct(apiFailed / apiRequests)} (${apiFailed}/${apiRequests}): spacewatch's probes were the only API requests; each failed when its seeded draw fell below the refused share of the moment`],
    ['join failure share before the storm', `${pct(failedIn(calm) / calm.length)} (${failedIn(calm)}/${calm.length})`],
    ['storm start → capacity alert firing', secs(firedAfter('capacity'))],
    ['storm start → join_failures alert firing', secs(firedAfter('join_failures'))],
    ...(others.length ? ([['other alerts fired (storm start →)', others.map((r) => `${r} ${secs(firedAfter(r))}`).join(', ')]] as [string, string][]) : []),
    ['storm start → room full (first reading at capacity)', secs(fullAt === undefined ? undefined : fullAt - run.stormAt)],
    ['poll lag p99 during the storm', lagCount ? `${formatValue(histogramQuantile(lag, 0.99) * 1000, 'ms')} (histogram estimate; ${pct(fractionAtOrBelow(lag, 0.1))} of ${n(lagCount)} probes started within 100 ms of their slot)` : 'no probes'],
    ['x-space probe duration p99 during the storm', formatValue(histogramQuantile(duration, 0.99) * 1000, 'ms')],
    ['CPU during the storm', `spacewatch ${(run.spacewatchCpuSeconds / stormSeconds).toFixed(2)} core; simulator ${((run.worldAfter.simulatorCpuSeconds - run.worldBefore.simulatorCpuSeconds) / stormSeconds).toFixed(2)} core; crowd ${((run.worldAfter.crowdCpuSeconds - run.worldBefore.crowdCpuSeconds) / stormSeconds).toFixed(2)} core`],
    ['crowd failures', `${Object.entries(crowd.errors).map(([k, v]) => `${k} ${v}`).join(', ') || 'none'}; held connections the server ended ${n(crowd.cutOff)}; ${n(crowd.bytes)} bytes trickled`],
  ];
  const capacityFired = run.fired.has('capacity');
  const setup =
    `Setup: the simulator in 'connections' mode (capacity ${n(run.capacity)}; its API fails at the refused share of listen attempts over ${run.refusalWindowMs / 1000} s) and a crowd of raw sockets, each in a child process; ` +
    `spacewatch via run() (Redis store, poller, detectors, alerts) in this one, one x-space target at ${run.intervalMs} ms with ${rulesText(run.rules)}. ` +
    `${n(run.calmListeners)} listeners for ${((run.seconds.filter((s) => s.phase === 'calm').length))} s of calm, then ${n(run.listeners - run.calmListeners)} more arriving over ${run.rampMs / 1000} s; ` +
    `an admitted listener stays ${run.crowd.holdMeanMs / 1000} s on average (exponential), pauses ${run.crowd.pauseMs.map((x) => x / 1000).join('–')} s and joins again; a refused one retries after ${run.crowd.retryMs.map((x) => x / 1000).join('–')} s. Storm: ${stormSeconds.toFixed(0)} s.`;

  const text = [...alignedTable(['figure', 'value'], figures), '', setup, '', `capacity alert: ${capacityFired ? 'FIRED' : 'NEVER FIRED'}`].join('\n');

  const markdown = [
    STORM_START,
    '',
    '## Join storm (`npm run load:join-storm`)',
    '',
    `- **When:** ${run.startedAt.toISOString().replace(/\.\d+Z$/, 'Z')}`,
    `- **Machine:** ${run.machine}`,
    `- ${setup}`,
    '',
    ...markdownTable(['figure', 'value'], figures),
    '',
    '<details><summary>Timeline, one line a second (t = seconds since the storm began)</summary>',
    '',
    '```',
    timelineHeader(),
    ...run.seconds.map(timelineLine),
    '```',
    '',
    '</details>',
    '',
    STORM_END,
  ].join('\n');
  return { capacityFired, text, markdown };
}

/** The rules the run overrode, each with every setting it ran with (defaults included): `capacity { windowMs 10 s, … }`. */
export function rulesText(overrides: RulesConfig): string {
  const effective = effectiveRules(overrides);
  const value = (k: string, v: unknown) => (k.endsWith('Ms') && typeof v === 'number' ? `${v / 1000} s` : String(v));
  return (Object.keys(overrides) as RuleName[])
    .map((rule) => `${rule} { ${Object.entries(effective[rule]).filter(([k]) => k !== 'enabled').map(([k, v]) => `${k} ${value(k, v)}`).join(', ')} }`)
    .join(' and ');
}

export function timelineHeader(): string {
  return `${'t (s)'.padStart(6)}  ${'connected'.padStart(9)}  ${'admitted/s'.padStart(10)}  ${'refused/s'.padStart(9)}  ${'refused'.padStart(7)}  │  ${'listeners'.padStart(9)}  ${'joins failed (5 s)'.padStart(18)}  alerts firing`;
}

export function timelineLine(s: Second): string {
  const share = (x: number) => `${(x * 100).toFixed(0)} %`;
  const failed = `${s.failed}/${s.probes} ${s.probes ? share(s.failed / s.probes) : ''}`;
  return `${s.t.toFixed(0).padStart(6)}  ${n(s.connected).padStart(9)}  ${s.admittedPerSec.toFixed(0).padStart(10)}  ${s.refusedPerSec.toFixed(0).padStart(9)}  ${share(s.refusedShare).padStart(7)}  │  ${(s.listeners === undefined ? '—' : n(s.listeners)).padStart(9)}  ${failed.padStart(18)}  ${s.firing.join(', ') || '—'}`;
}
