import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { runDemo } from '../../src/demo/run-demo.js';
import { RULES, type RuleName } from '../../src/detect/types.js';

// One shipped scenario, played by `spacewatch demo` (the programmatic entry) at 300× — an hour of
// scenario in 12 s — through the real pipeline: simulator → poller → store → detectors → alert
// lifecycle, and the scenario's claims and marks written when their time comes. It must raise the
// alerts its header comment promises and no other, and the API must tell its story afterwards.
// One scenario per test file, so each plays in its own process as it would for a user: another
// demo starting beside it (building its app) would stall its event loop for scenario minutes.

const SPEED = 300;
/** One probe, in scenario seconds: 250 ms real at 300×. */
const POLL_SEC = (250 * SPEED) / 1000;

export interface Case {
  file: string;
  fired: RuleName[];
  /** Of those fired, the ones resolved by the end. */
  resolved: RuleName[];
  claims: string[];
  marks: string[];
  /** On-air time − scheduled start, scenario seconds, as the keyframes (or a program-start mark) say. */
  delaySec: number;
  /** What the narration must have said (besides the end). */
  said: RegExp[];
  /** Further checks on what the API answered (claims with verdicts, timeline events, alerts). */
  also?: (got: { claims: any[]; events: any[]; alerts: any[] }) => void;
}

function collector(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

/** Registers the test for one scenario. */
export function playScenario(c: Case): void {
  describe(`${c.file} played by the demo at ${SPEED}×`, () => {
    test('raises the alerts it is about and no other; the claims ledger, the marks and the delay tell its story', async (t) => {
      const out = collector();
      const demo = await runDemo({
        scenarioFile: fileURLToPath(new URL(`../../scenarios/${c.file}`, import.meta.url)),
        speed: SPEED,
        loop: false,
        port: 0,
        env: {},
        log: pino({ level: 'silent' }),
        out: out.stream,
        bar: null,
      });
      t.after(() => demo.close());
      const api = async (path: string) => {
        const res = await fetch(`${demo.url}/api/v1${path}`);
        assert.equal(res.status, 200, path);
        return res.json() as Promise<any>;
      };

      assert.equal(demo.play.clock.endsAt! - demo.play.clock.t0, 3_600_000 / SPEED, 'an hour of scenario');
      await demo.ended;
      // The scenario's last five minutes are after the end of the broadcast; a second more for the last writes.
      await sleep(1_000);

      const { events } = await api('/targets/demo/timeline');
      const firedRules = new Set(events.filter((e: any) => e.type === 'alert-firing').map((e: any) => e.data.rule));
      const context = `narration:\n${out.text()}`;
      for (const rule of c.fired) assert.ok(firedRules.has(rule), `${rule} fired\n${context}`);
      for (const rule of RULES.filter((r) => !c.fired.includes(r))) assert.ok(!firedRules.has(rule), `${rule} did not fire\n${context}`);

      const alerts: any[] = await api('/alerts?target=demo');
      const state = new Map(alerts.map((a) => [a.rule, a.state]));
      for (const rule of c.resolved) assert.equal(state.get(rule), 'resolved', `${rule} resolved by the end\n${context}`);
      for (const rule of c.fired.filter((r) => !c.resolved.includes(r))) assert.equal(state.get(rule), 'firing', `${rule} still firing`);
      for (const rule of RULES.filter((r) => !c.fired.includes(r))) assert.notEqual(state.get(rule), 'firing', `${rule} not firing`);

      const claims = await api('/targets/demo/claims');
      assert.deepEqual(claims.claims.map((x: any) => x.verdict.label), c.claims);
      assert.deepEqual(events.filter((e: any) => e.type === 'mark').map((e: any) => e.data.kind), c.marks);

      const { status } = await api('/targets/demo');
      assert.equal(status.status, 'ended');
      const delaySec = (status.delayMs * SPEED) / 1000;
      // On air is judged from probes: never before the scripted moment, within a few probes after.
      assert.ok(delaySec >= c.delaySec - 5 && delaySec <= c.delaySec + 4 * POLL_SEC, `delay ${delaySec} s, scripted ${c.delaySec} s`);

      for (const re of c.said) assert.match(out.text(), re);
      assert.match(out.text(), /Scenario over: 1:00:00 of scenario time played[^\n]*\n {2}report +http:\/\/127\.0\.0\.1:\d+\/targets\/demo\/report\n {2}timeline +http:\/\/127\.0\.0\.1:\d+\/targets\/demo\/timeline/);
      c.also?.({ claims: claims.claims, events, alerts });
    });
  });
}
