import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { evaluate, failureAt, loadScenario, parseScenario, type Scenario } from '../../src/simulator/scenario.js';

const base: Scenario = {
  name: 'Table',
  spaceId: 'abc123',
  schedule: { startAtSec: 60 },
  keyframes: [
    { atSec: 0, listeners: 0, state: 'scheduled' },
    { atSec: 120, listeners: 100, state: 'live' },
    { atSec: 180, listeners: 700 },
    { atSec: 240, listeners: 400 },
    { atSec: 300, listeners: 0, state: 'ended' },
  ],
};
const s = (sec: number) => sec * 1000;

describe('evaluate', () => {
  const cases: [string, number, Partial<ReturnType<typeof evaluate>>][] = [
    ['at the start: scheduled, schedule reported', 0, { state: 'scheduled', listeners: 0, scheduledStart: s(60) }],
    ['past the scheduled start but not live yet: still scheduled', 90, { state: 'scheduled', listeners: 75, startedAt: undefined }],
    ['the live keyframe: live from then on', 120, { state: 'live', listeners: 100, startedAt: s(120) }],
    ['a third of the way between keyframes', 140, { state: 'live', listeners: 300 }],
    ['state held through keyframes that do not set it', 200, { state: 'live', listeners: 600, startedAt: s(120) }],
    ['halfway down', 270, { state: 'live', listeners: 200 }],
    ['ended', 300, { state: 'ended', listeners: 0, startedAt: s(120), endedAt: s(300) }],
    ['the last keyframe holds after it', 10_000, { state: 'ended', listeners: 0, endedAt: s(300) }],
  ];
  for (const [name, sec, want] of cases) {
    test(`${name} (t=${sec}s)`, () => {
      const got = evaluate(base, s(sec));
      for (const [k, v] of Object.entries(want)) assert.equal(got[k as keyof typeof got], v, k);
    });
  }

  test('before the first keyframe its value holds; a scenario naming no state is live throughout', () => {
    const plain: Scenario = { name: 'p', spaceId: 'p1', keyframes: [{ atSec: 10, listeners: 40 }, { atSec: 20, listeners: 60 }] };
    assert.deepEqual(evaluate(plain, 0), { state: 'live', listeners: 40, demand: 40, startedAt: 0 });
    assert.equal(evaluate(plain, s(15)).listeners, 50);
  });

  test('capacity caps listeners but not demand', () => {
    const capped = { ...base, capacity: 500 };
    assert.deepEqual([evaluate(capped, s(180)).listeners, evaluate(capped, s(180)).demand], [500, 700]);
    assert.equal(evaluate(capped, s(140)).listeners, 300);
  });

  test('loop: each lap plays again, with times offset by the laps before it', () => {
    const looped = { ...base, loop: true, durationSec: 400 };
    assert.deepEqual(evaluate(looped, s(400 + 140)), { ...evaluate(base, s(140)), scheduledStart: s(460), startedAt: s(520) });
    assert.equal(evaluate(looped, s(800 + 10)).state, 'scheduled');
    // Without loop the end holds.
    assert.equal(evaluate(base, s(400 + 140)).state, 'ended');
  });
});

describe('failureAt', () => {
  const windowed: Scenario = {
    ...base,
    seed: 7,
    errorWindows: [
      { fromSec: 100, toSec: 200, rate: 0.3, kind: 'http_503' },
      { fromSec: 150, toSec: 160, rate: 1, kind: 'timeout' },
    ],
  };
  const share = (sc: Scenario, sec: number, n = 4000) => {
    let failed = 0;
    for (let i = 1; i <= n; i++) if (failureAt(sc, s(sec), i)) failed++;
    return failed / n;
  };

  test('no failures outside the windows', () => {
    assert.equal(share(windowed, 50), 0);
    assert.equal(share(windowed, 200), 0, 'toSec is exclusive');
  });

  test('a window fails roughly its rate of requests', () => {
    const got = share(windowed, 120);
    assert.ok(Math.abs(got - 0.3) < 0.03, `share ${got}`);
  });

  test('the same seed and request number always decide alike; another seed decides differently', () => {
    const run = (sc: Scenario) => Array.from({ length: 200 }, (_, i) => failureAt(sc, s(120), i)?.kind ?? '-').join('');
    assert.equal(run(windowed), run(windowed));
    assert.notEqual(run(windowed), run({ ...windowed, seed: 8 }));
  });

  test('overlapping windows: the first that fires decides, and reports when it closes', () => {
    const f = failureAt({ ...windowed, errorWindows: [windowed.errorWindows![1]!] }, s(155), 1);
    assert.deepEqual(f, { kind: 'timeout', untilMs: s(160), cause: 'window' });
    assert.equal(share(windowed, 155), 1);
  });

  test('demand above capacity turns away the share that does not fit, with 503s', () => {
    const capped: Scenario = { ...base, capacity: 350 };
    const got = share(capped, 180);
    assert.ok(Math.abs(got - 0.5) < 0.03, `share ${got}`);
    assert.equal(failureAt(capped, s(180), 3)?.cause ?? 'capacity', 'capacity');
    assert.equal(share(capped, 130), 0);
  });
});

describe('loadScenario', () => {
  const dir = mkdtempSync(join(tmpdir(), 'spacewatch-scenario-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  test('the built-in example loads', () => {
    const ex = loadScenario(new URL('../../scenarios/example.yaml', import.meta.url).pathname);
    assert.equal(ex.spaceId, '1DemoSpace', 'deploy/spacewatch.compose.yaml watches this ID');
    const live = ex.keyframes.find((k) => k.state === 'live')!;
    // It must start late and show an active chart within the first real minute.
    assert.ok(live.atSec > ex.schedule!.startAtSec);
    assert.ok(live.atSec / ex.speed! < 60);
  });

  const invalid: [string, string, string][] = [
    ['missing field', 'name: x\nkeyframes: [{ atSec: 0, listeners: 1 }]\n', 'spaceId: is required'],
    ['bad Space ID', 'name: x\nspaceId: "no spaces"\nkeyframes: [{ atSec: 0, listeners: 1 }]\n', 'spaceId: must be an X Space ID (letters and digits)'],
    ['unknown field', 'name: x\nspaceId: a1\nkeyframes: [{ atSec: 0, listeners: 1 }]\nlisteners: 5\n', 'listeners: is not a known field'],
    ['no keyframes', 'name: x\nspaceId: a1\nkeyframes: []\n', 'keyframes: must list at least one keyframe'],
    ['negative listeners', 'name: x\nspaceId: a1\nkeyframes: [{ atSec: 0, listeners: -1 }]\n', 'keyframes[0].listeners: must be a whole number ≥ 0'],
    ['bad state', 'name: x\nspaceId: a1\nkeyframes: [{ atSec: 0, listeners: 1, state: paused }]\n', 'keyframes[0].state: must be one of live, scheduled, ended'],
    ['keyframes out of order', 'name: x\nspaceId: a1\nkeyframes: [{ atSec: 10, listeners: 1 }, { atSec: 5, listeners: 2 }]\n', 'keyframes[1].atSec: must be greater than keyframes[0].atSec (10)'],
    ['rate over 1', 'name: x\nspaceId: a1\nkeyframes: [{ atSec: 0, listeners: 1 }]\nerrorWindows: [{ fromSec: 0, toSec: 5, rate: 2, kind: http_503 }]\n', 'errorWindows[0].rate: must be a share between 0 and 1'],
    ['unknown error kind', 'name: x\nspaceId: a1\nkeyframes: [{ atSec: 0, listeners: 1 }]\nerrorWindows: [{ fromSec: 0, toSec: 5, rate: 1, kind: http_502 }]\n', 'errorWindows[0].kind: must be one of http_503, http_500, rate_limited, not_found, timeout, reset, invalid_json'],
    ['window closing before it opens', 'name: x\nspaceId: a1\nkeyframes: [{ atSec: 0, listeners: 1 }]\nerrorWindows: [{ fromSec: 5, toSec: 5, rate: 1, kind: reset }]\n', 'errorWindows[0].toSec: must be greater than fromSec (5)'],
    ['zero speed', 'name: x\nspaceId: a1\nspeed: 0\nkeyframes: [{ atSec: 0, listeners: 1 }]\n', 'speed: must be a number > 0 and ≤ 3600'],
  ];
  for (const [name, text, message] of invalid) {
    test(`${name}: the error names the file, the field and the rule`, () => {
      const path = file(`${name.replace(/\W+/g, '-')}.yaml`, text);
      assert.throws(() => loadScenario(path), { message: `${path}: ${message}` });
    });
  }

  test('YAML that does not parse, and a missing file', () => {
    const path = file('broken.yaml', 'name: [unclosed\n');
    assert.throws(() => loadScenario(path), (err: Error) => err.message.startsWith(`${path}: not valid YAML: `));
    assert.throws(() => loadScenario(join(dir, 'nope.yaml')), { message: `${join(dir, 'nope.yaml')}: cannot read: ENOENT` });
  });

  test('parseScenario takes an origin for messages', () => {
    assert.throws(() => parseScenario({}, 'inline'), { message: 'inline: name: is required' });
  });
});
