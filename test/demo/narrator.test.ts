import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import type { Alert, Transition } from '../../src/alerts/types.js';
import { createNarrator, formatClock } from '../../src/demo/narrator.js';
import { scenarioClock } from '../../src/demo/play.js';
import { parseScenario } from '../../src/simulator/scenario.js';

const scenario = parseScenario({
  name: 'Narrated',
  spaceId: 'n1',
  durationSec: 600,
  schedule: { startAtSec: 60 },
  keyframes: [
    { atSec: 0, listeners: 0, state: 'scheduled' },
    { atSec: 120, listeners: 500, state: 'live' },
    { atSec: 300, listeners: 900, state: 'live' },
    { atSec: 540, listeners: 0, state: 'ended' },
  ],
});

function lines(): { stream: Writable; got: () => string[] } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _e, done) {
      text += chunk.toString('utf8');
      done();
    },
  });
  return { stream, got: () => text.split('\n').filter(Boolean) };
}

/** A terminal as cli-progress sees one (isTTY, columns); what it was sent, escape codes and all. */
function terminal(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _e, done) {
      text += chunk.toString('utf8');
      done();
    },
  });
  return { stream: Object.assign(stream, { isTTY: true, columns: 120 }), text: () => text };
}

const alertOf = (state: Alert['state'], extra: Partial<Alert>): Alert => ({
  targetId: 'demo',
  rule: 'delay',
  state,
  activeAt: 1_002_000,
  condition: { rule: 'delay', active: true, value: 1, threshold: 1, summary: 'not on air' },
  ...extra,
});
const tr = (from: Transition['from'], to: Transition['to'], a: Alert): Transition => ({ from, to, alert: a });

describe('narrator', () => {
  test('formatClock: scenario time as a clock', () => {
    assert.deepEqual([0, 61_000, 599_999, 3_600_000, 3_723_000, -5].map(formatClock), ['0:00', '1:01', '9:59', '1:00:00', '1:02:03', '0:00']);
  });

  test('state changes are stamped when the keyframe set them, however late the tick; progress in tenths', () => {
    const out = lines();
    // Ten real seconds at 60×: 10 scenario minutes in; the narrator starts 5 minutes in.
    const clock = scenarioClock(0, 60, 600_000, false);
    const n = createNarrator({ scenario, clock, out: out.stream, now: () => 5_000, tickMs: 60_000 });
    n.stop();
    assert.deepEqual(out.got(), ['[2:00] scenario: start → live (500 listeners)', '[5:00] 50 % of the scenario played (live, 900 listeners)']);
  });

  test('alert transitions, claims and marks: one line each at their scenario instant; re-announcements skipped', () => {
    const out = lines();
    const clock = scenarioClock(1_000_000, 60, 600_000, false);
    const n = createNarrator({ scenario, clock, out: out.stream, now: () => 1_000_000, tickMs: 60_000 });
    const alert = alertOf;
    n.alert(tr('inactive', 'pending', alert('pending', {})));
    n.alert(tr('pending', 'firing', alert('firing', { firedAt: 1_003_000 })));
    n.alert(tr('firing', 'firing', alert('firing', { firedAt: 1_003_000 })));
    n.alert(tr('firing', 'resolved', alert('resolved', { resolvedAt: 1_004_000 })));
    n.alert(tr('pending', 'resolved', alert('resolved', { resolvedAt: 1_005_000 })));
    n.script({ atSec: 330, kind: 'mark', label: 'mark note: hi', event: (at) => ({ at, type: 'mark' }) }, 1_005_500);
    n.stop();
    assert.deepEqual(out.got(), [
      '[2:00] pending  delay: not on air',
      '[3:00] FIRING   delay: not on air',
      '[4:00] resolved delay: not on air',
      '[5:00] cleared  delay: not on air',
      '[5:30] mark note: hi',
    ]);
  });

  test('a scenario that does not loop ends: the end lines, once, and onEnd', () => {
    const out = lines();
    let ended = 0;
    const clock = scenarioClock(0, 60, 600_000, false);
    const n = createNarrator({ scenario, clock, out: out.stream, now: () => 11_000, tickMs: 60_000, endLines: ['over', 'report here'], onEnd: () => ended++ });
    n.stop();
    assert.equal(ended, 1);
    assert.deepEqual(out.got().slice(-2), ['over', 'report here']);
    assert.ok(out.got().includes('[9:00] scenario: start → ended'), out.got().join('\n'));
  });

  test("another target's alerts (a --config file's) name their target; the demo's do not", () => {
    const out = lines();
    const clock = scenarioClock(1_000_000, 60, 600_000, false);
    const n = createNarrator({ scenario, clock, out: out.stream, now: () => 1_000_000, tickMs: 60_000, targetId: 'demo' });
    n.alert(tr('pending', 'firing', alertOf('firing', { firedAt: 1_003_000 })));
    n.alert(tr('pending', 'firing', alertOf('firing', { targetId: 'radio-1', rule: 'outage', firedAt: 1_004_000 })));
    n.stop();
    assert.deepEqual(out.got(), ['[3:00] FIRING   delay: not on air', '[4:00] FIRING   outage on radio-1: not on air']);
  });

  test('with a progress bar, lines told just before stop still reach the terminal (cli-progress writes them on a redraw)', () => {
    const out = lines();
    const tty = terminal();
    const clock = scenarioClock(1_000_000, 60, 600_000, false);
    const n = createNarrator({ scenario, clock, out: out.stream, bar: tty.stream, now: () => 1_000_000, tickMs: 60_000 });
    n.script({ atSec: 330, kind: 'mark', label: 'mark note: hi', event: (at) => ({ at, type: 'mark' }) }, 1_005_500);
    n.stop();
    assert.ok(tty.text().includes('[5:30] mark note: hi\n'), JSON.stringify(tty.text()));
    assert.deepEqual(out.got(), [], 'the bar and the lines share the terminal');
  });

  test('with a progress bar, a scenario that ends flushes what it told, and later lines go to out', () => {
    const out = lines();
    const tty = terminal();
    const clock = scenarioClock(0, 60, 600_000, false);
    const n = createNarrator({ scenario, clock, out: out.stream, bar: tty.stream, now: () => 11_000, tickMs: 60_000, endLines: ['over'] });
    // The service keeps serving after the end: an alert resolving then must still be told.
    n.alert(tr('firing', 'resolved', alertOf('resolved', { resolvedAt: 10_500 })));
    n.stop();
    assert.ok(tty.text().includes('[9:00] scenario: start → ended\n'), JSON.stringify(tty.text()));
    assert.deepEqual(out.got(), ['over', '[10:30] resolved delay: not on air']);
  });
});
