import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
    assert.deepEqual(evaluate(plain, 0), { state: 'live', since: 0, listeners: 40, demand: 40, startedAt: 0 });
    assert.equal(evaluate(plain, s(15)).listeners, 50);
  });

  test('since: when the state playing began — the keyframe that set it, not a later one repeating it; laps counted', () => {
    assert.deepEqual([0, 119, 120, 200, 299, 300, 10_000].map((sec) => evaluate(base, s(sec)).since), [0, 0, s(120), s(120), s(120), s(300), s(300)]);
    const looped = { ...base, loop: true, durationSec: 400 };
    assert.deepEqual([400 + 10, 400 + 200, 800 + 350].map((sec) => evaluate(looped, s(sec)).since), [s(400), s(520), s(1100)]);
  });

  test('capacity caps listeners but not demand', () => {
    const capped = { ...base, capacity: 500 };
    assert.deepEqual([evaluate(capped, s(180)).listeners, evaluate(capped, s(180)).demand], [500, 700]);
    assert.equal(evaluate(capped, s(140)).listeners, 300);
  });

  test('loop: each lap plays again, with times offset by the laps before it', () => {
    const looped = { ...base, loop: true, durationSec: 400 };
    assert.deepEqual(evaluate(looped, s(400 + 140)), { ...evaluate(base, s(140)), since: s(520), scheduledStart: s(460), startedAt: s(520) });
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

  // Claims and marks: the fields and limits of POST /claims and POST /marks, at scenario seconds.
  const head = 'name: x\nspaceId: a1\nkeyframes: [{ atSec: 0, listeners: 1 }, { atSec: 10, listeners: 2 }]\n';
  const invalidScript: [string, string, string][] = [
    ['unknown claim metric', 'claims: [{ atSec: 1, metric: likes, value: 5, claimant: me }]', 'claims[0].metric: must be one of listeners, views, capacity, state'],
    ['claim without a value', 'claims: [{ atSec: 1, metric: listeners, claimant: me }]', 'claims[0].value: is required when metric is listeners'],
    ['state claim without a state', 'claims: [{ atSec: 1, metric: state, claimant: me }]', 'claims[0].stateValue: is required when metric is state'],
    ['state claim with a value', 'claims: [{ atSec: 1, metric: state, stateValue: ended, value: 3, claimant: me }]', 'claims[0].value: must be absent when metric is state (use stateValue)'],
    ['stateValue on a count', 'claims: [{ atSec: 1, metric: views, value: 3, stateValue: live, claimant: me }]', 'claims[0].stateValue: only applies when metric is state'],
    ['unknown claimed state', 'claims: [{ atSec: 1, metric: state, stateValue: paused, claimant: me }]', 'claims[0].stateValue: must be one of live, scheduled, ended, offline'],
    ['claim without a claimant', 'claims: [{ atSec: 1, metric: listeners, value: 5 }]', 'claims[0].claimant: is required'],
    ['empty claimant', 'claims: [{ atSec: 1, metric: listeners, value: 5, claimant: "" }]', 'claims[0].claimant: must be a string of 1–200 characters'],
    ['negative claimed value', 'claims: [{ atSec: 1, metric: listeners, value: -5, claimant: me }]', 'claims[0].value: must be an integer between 0 and 1000000000000000'],
    ['claim source that is not a URL', 'claims: [{ atSec: 1, metric: listeners, value: 5, claimant: me, sourceUrl: "x.com/post" }]', 'claims[0].sourceUrl: must be an http(s) URL'],
    ['claim with an absolute instant', 'claims: [{ at: 5, metric: listeners, value: 5, claimant: me }]', 'claims[0].atSec: is required'],
    ['claim carrying its own verdict', 'claims: [{ atSec: 5, metric: listeners, value: 5, claimant: me, verdict: consistent }]', 'claims[0].verdict: is not a known field'],
    ['claim after the scenario', 'claims: [{ atSec: 1, metric: listeners, value: 5, claimant: me }, { atSec: 11, metric: views, value: 5, claimant: me }]', 'claims[1].atSec: must be within the scenario (at most 10)'],
    ['negative claim time', 'claims: [{ atSec: -1, metric: listeners, value: 5, claimant: me }]', 'claims[0].atSec: must be a number of scenario seconds ≥ 0'],
    ['unknown mark kind', 'marks: [{ atSec: 1, kind: start }]', 'marks[0].kind: must be one of program-start, program-end, note, incident'],
    ['mark text too long', `marks: [{ atSec: 1, kind: note, text: "${'x'.repeat(501)}" }]`, 'marks[0].text: must be a string of at most 500 characters'],
    ['mark after the scenario', 'marks: [{ atSec: 1, kind: note }, { atSec: 12, kind: note }]', 'marks[1].atSec: must be within the scenario (at most 10)'],
    ['claims not a list', 'claims: { atSec: 1 }', 'claims: must be array'],
  ];
  for (const [name, text, message] of invalidScript) {
    test(`${name}: the error names the file, the field and the rule`, () => {
      const path = file(`${name.replace(/\W+/g, '-')}.yaml`, `${head}${text}\n`);
      assert.throws(() => loadScenario(path), { message: `${path}: ${message}` });
    });
  }

  test('claims and marks that follow the rules load as written; durationSec bounds them', () => {
    const path = file(
      'script.yaml',
      `${head}durationSec: 20\nclaims:\n  - { atSec: 20, metric: state, stateValue: ended, claimant: "@host", quote: "that's a wrap", sourceUrl: "https://x.com/host/status/1" }\n` +
        '  - { atSec: 3, metric: capacity, value: 10000, claimant: ops }\nmarks:\n  - { atSec: 0, kind: program-start }\n  - { atSec: 15, kind: incident, text: mic dead }\n',
    );
    const sc = loadScenario(path);
    assert.deepEqual(sc.claims, [
      { atSec: 20, metric: 'state', stateValue: 'ended', claimant: '@host', quote: "that's a wrap", sourceUrl: 'https://x.com/host/status/1' },
      { atSec: 3, metric: 'capacity', value: 10000, claimant: 'ops' },
    ]);
    assert.deepEqual(sc.marks, [{ atSec: 0, kind: 'program-start' }, { atSec: 15, kind: 'incident', text: 'mic dead' }]);
    // The simulator plays the same broadcast with or without them.
    assert.deepEqual(evaluate(sc, s(5)), evaluate({ ...sc, claims: [], marks: [] }, s(5)));
  });

  test('every shipped scenario loads and opens with a comment telling its story', () => {
    const dir = new URL('../../scenarios/', import.meta.url);
    const shipped = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
    assert.ok(shipped.length >= 4, shipped.join(', '));
    for (const f of shipped) {
      const path = new URL(f, dir).pathname;
      const sc = loadScenario(path);
      const header = readFileSync(path, 'utf8').split('\n').filter((l, i, all) => all.slice(0, i + 1).every((x) => x.startsWith('#')));
      assert.ok(header.length >= 3, `${f}: a header comment of a few lines`);
      assert.ok(sc.speed !== undefined && sc.schedule !== undefined, `${f}: a speed and a schedule`);
    }
  });

  test('YAML that does not parse, and a missing file', () => {
    const path = file('broken.yaml', 'name: [unclosed\n');
    assert.throws(() => loadScenario(path), (err: Error) => err.message.startsWith(`${path}: not valid YAML: `));
    assert.throws(() => loadScenario(join(dir, 'nope.yaml')), { message: `${join(dir, 'nope.yaml')}: cannot read: ENOENT` });
  });

  test('parseScenario takes an origin for messages', () => {
    assert.throws(() => parseScenario({}, 'inline'), { message: 'inline: name: is required' });
  });
});
