// A known broadcast for the report tests (pure, HTTP on both stores, browser): scheduled 20:00 UTC,
// live at once but joins failing (4 of every 6 probes) for ten minutes, on air 20:10:10, a peak of
// 19,000 at 20:30, a three-minute outage at 20:40, a program-end mark at 21:00, two claims (one 3,158×
// the count, with a hostile quote), two alerts that fired and resolved. Every expected figure below
// is worked out by hand in the comments, not by running the code under test.
import assert from 'node:assert/strict';
import type { Store } from '../../src/storage/store.js';
import type { Observation, TargetEvent } from '../../src/types.js';

export const ID = 'town-hall';
export const NAME = 'Town hall | Q&A';
export const INTERVAL_MS = 10_000;
export const T = Date.parse('2025-11-21T20:00:00.000Z');
export const at = (min: number, sec = 0) => T + min * 60_000 + sec * 1000;
export const iso = (ms: number) => new Date(ms).toISOString();

export const HOSTILE_QUOTE = '<script>window.__xss=1</script> | [click](http://evil.example) `rm -rf` *wow*\n# not a heading';
export const ODD_SOURCE = 'screenshot "A", cropped';

/** Listener count at an instant of the broadcast (piecewise linear, so trapezoids are exact). */
function listenersAt(ms: number): number {
  const s = (ms - T) / 1000;
  if (s <= 600) return 1000 + 10 * s; // 1,000 → 7,000 over 20:00–20:10
  if (s <= 1800) return 7000 + 10 * (s - 600); // → 19,000 at 20:30
  if (s <= 3000) return 19_000; // flat to 20:50
  return 19_000 - 10 * (s - 3000); // → 13,000 at 21:00
}

export function observations(): (Observation & { source: string })[] {
  const rows: (Observation & { source: string })[] = [];
  const src = 'probe-export';
  // 19:55–19:59:50: the platform says scheduled; its failed joins are not attempts (nothing to join yet).
  for (let ms = at(-5); ms < T; ms += INTERVAL_MS) rows.push({ at: ms, state: 'scheduled', join: { ok: false, ms: 40, error: 'not_found' }, source: src });
  for (let ms = T; ms <= at(60); ms += INTERVAL_MS) {
    const k = ((ms - T) / INTERVAL_MS) % 6; // probe index within its minute
    if (ms < at(10)) {
      // The storm: live with a count, but probes 0, 1, 3, 4 of each minute fail (0, 1, 3: http_5xx; 4: timeout).
      const ok = k === 2 || k === 5;
      rows.push({ at: ms, state: 'live', listeners: listenersAt(ms), join: ok ? { ok: true, ms: 300 } : { ok: false, ms: 5000, error: k === 4 ? 'timeout' : 'http_5xx' }, source: src });
    } else if (ms >= at(40) && ms < at(43)) {
      // The outage: 18 failed probes, no count (a gap, not zero listeners).
      rows.push({ at: ms, state: 'unknown', join: { ok: false, ms: 5000, error: 'connect_timeout' }, source: src });
    } else {
      rows.push({ at: ms, state: 'live', listeners: listenersAt(ms), join: { ok: true, ms: 150 }, source: src });
    }
  }
  // The source says ended from 21:00:10 (after the operator's mark at 21:00).
  for (let ms = at(60, 10); ms <= at(61); ms += INTERVAL_MS) rows.push({ at: ms, state: 'ended', join: { ok: false, ms: 30, error: 'ended' }, source: src });
  // A count read off a screenshot, no join attempt; on the plateau, so it changes no figure.
  rows.push({ at: at(30, 5), state: 'live', listeners: 19_000, source: ODD_SOURCE });
  return rows.sort((a, b) => a.at - b.at);
}

/** Alert transitions, as the engine writes them (no API posts them). */
export const ALERT_EVENTS: TargetEvent[] = [
  { at: at(0, 50), type: 'alert-pending', data: { rule: 'join_failures', from: 'inactive', value: 0.6667, threshold: 0.2, summary: 'join failures 66.7 %' } },
  { at: at(1, 20), type: 'alert-firing', data: { rule: 'join_failures', from: 'pending', value: 0.6667, threshold: 0.2, summary: 'join failures 66.7 % over 2 m (8/12 attempts; http_5xx 6, timeout 2)' } },
  { at: at(25), type: 'alert-pending', data: { rule: 'drop', from: 'inactive', value: 31, threshold: 30, summary: 'drop 31 %' } },
  { at: at(25, 30), type: 'alert-resolved', data: { rule: 'drop', from: 'pending', value: 2, threshold: 30, summary: 'drop 2 %' } },
  { at: at(12), type: 'alert-resolved', data: { rule: 'join_failures', from: 'firing', value: 0, threshold: 0.2, summary: 'join failures 0 %' } },
  { at: at(40, 20), type: 'alert-firing', data: { rule: 'outage', from: 'pending', value: 3, threshold: 3, summary: 'outage: 3 failed probes in a row' } },
  { at: at(43, 10), type: 'alert-resolved', data: { rule: 'outage', from: 'firing', value: 0, threshold: 3, summary: 'outage: probes succeed' } },
].sort((a, b) => a.at - b.at);

export const MARKS = [
  { at: at(20), kind: 'note', text: 'Q&A | part 2 [link](http://x.example)' },
  { at: at(60), kind: 'program-end', text: 'Host said goodbye' },
];

export const CLAIMS = [
  // 19,000 measured at 20:30:00 → 60,000,000 / 19,000 = 3,157.9× → overstated.
  { at: at(30), metric: 'listeners', value: 60_000_000, claimant: 'Host <b>', quote: HOSTILE_QUOTE },
  // 19,000 measured at 20:50:00 → 20,000 / 19,000 = 1.05× → consistent.
  { at: at(50), metric: 'listeners', value: 20_000, claimant: 'Producer' },
];

/** The figures worked out by hand. */
export const EXPECTED = {
  // 30 scheduled + 361 from 20:00:00 to 21:00:00 + 6 ended + 1 screenshot.
  observations: 398,
  liveAt: T,
  // All joins succeed from 20:10:00; at 20:10:10 the minute back to 20:09:10 holds failures at
  // 20:09:10, :30, :40 and successes at 20:09:20, :50, 20:10:00, :10 → 4/7 ≥ 50 %. At 20:10:00 it was 3/7.
  onAirAt: at(10, 10),
  delayMs: 610_000,
  endedAt: at(60),
  durationMs: at(60) - at(10, 10),
  peak: 19_000,
  peakAt: at(30),
  // Area (listener-seconds): 20:00–20:10 avg 4,000 × 600 = 2,400,000; 20:10–20:30 avg 13,000 × 1,200
  // = 15,600,000; 20:30–20:39:50 19,000 × 590 = 11,210,000; gap 20:39:50–20:43:00 (190 s > 60 s) not
  // bridged; 20:43–20:50 19,000 × 420 = 7,980,000; 20:50–21:00 avg 16,000 × 600 = 9,600,000.
  // Total 46,790,000 l·s = 779,833.3 listener-minutes.
  listenerMinutes: 779_833,
  // On air 20:10:10–21:00: 20:10:10–20:30 avg (7,100 + 19,000)/2 × 1,190 = 15,529,500, then as above:
  // 44,319,500 l·s over 1,190 + 590 + 420 + 600 = 2,800 s covered → 15,828.4.
  mean: 15_828,
  // Attempts: 60 in the storm (40 failed) + 301 probes 20:10:00–21:00:00 (18 failed in the outage).
  joins: { attempts: 361, failed: 58 },
  joinFailures: [
    { from: T, to: at(10), durationMs: 600_000, failed: 40, attempts: 60, share: 0.6667, codes: { http_5xx: 30, timeout: 10 } },
    { from: at(40), to: at(43), durationMs: 180_000, failed: 18, attempts: 18, share: 1, codes: { connect_timeout: 18 } },
  ],
  alerts: [
    { rule: 'join_failures', firedAt: at(1, 20), resolvedAt: at(12) },
    { rule: 'outage', firedAt: at(40, 20), resolvedAt: at(43, 10) },
  ],
  // Durations exact to the second, as the page writes them: 610 s late, 3,590 s on air.
  summary:
    'Scheduled 2025-11-21 20:00 UTC; on air 20:10 (10 min 10 s late). The source reported live at 20:00, 10 min 10 s before it was on air. ' +
    'Peak 19,000 listeners at 20:30. Join failures 20:00–20:10 (10 min): 66.7 % of 60 attempts failed (http_5xx 30, timeout 10). ' +
    'Join failures 20:40–20:43 (3 min): 100 % of 18 attempts failed (connect_timeout 18). Ended 21:00 after 49 min 50 s on air. ' +
    '2 alerts fired (join_failures, outage). 2 claims: 1 consistent, 1 overstated.',
};

export interface Caller {
  (method: string, path: string, body?: unknown): Promise<{ status: number; body: string }>;
}

/** Seeds the scenario through the public API (target, observations, marks, claims) and the store (alerts). */
export async function seedReportScenario(call: Caller, store: Store): Promise<void> {
  const ok = async (method: string, path: string, body?: unknown) => {
    const res = await call(method, path, body);
    assert.ok(res.status >= 200 && res.status < 300, `${method} ${path}: ${res.status} ${res.body}`);
    return res;
  };
  await ok('POST', '/api/v1/targets', { id: ID, name: NAME, source: { kind: 'x-space', spaceId: '1TownHall' }, intervalMs: INTERVAL_MS, schedule: { start: iso(T) } });
  const imported = await ok('POST', `/api/v1/targets/${ID}/observations`, observations());
  assert.deepEqual(JSON.parse(imported.body), { written: EXPECTED.observations, duplicates: 0 });
  for (const e of ALERT_EVENTS) await store.appendEvent(ID, e);
  for (const m of MARKS) await ok('POST', `/api/v1/targets/${ID}/marks`, { ...m, at: iso(m.at) });
  for (const c of CLAIMS) await ok('POST', `/api/v1/targets/${ID}/claims`, { ...c, at: iso(c.at) });
}
