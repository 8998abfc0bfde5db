import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { Agent, request } from 'undici';
import type { Scenario } from '../../src/simulator/scenario.js';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator/server.js';
import { probe } from '../../src/sources/x-space.js';
import { harness, target } from '../sources/helpers.js';

const T0 = Date.parse('2024-08-13T00:00:00.000Z');
const agent = new Agent();
const h = harness();
after(() => Promise.all([agent.close(), h.close()]));

const scenario: Scenario = {
  name: 'Simulated Space',
  spaceId: 'abc123',
  speed: 60,
  schedule: { startAtSec: 60 },
  keyframes: [
    { atSec: 0, listeners: 0, state: 'scheduled' },
    { atSec: 120, listeners: 100, state: 'live' },
    { atSec: 180, listeners: 700 },
    { atSec: 300, listeners: 0, state: 'ended' },
  ],
};
const FIELDS = 'space.fields=state,participant_count,scheduled_start,started_at,ended_at,title';

/** A simulator on a fake clock; `advance(ms)` moves real time forward without sleeping. */
async function sim(over: Partial<SimulatorOptions> & { scenario?: Scenario } = {}, t: { after(fn: () => unknown): void }) {
  let clock = T0;
  const s = await startSimulator({ scenario, now: () => clock, ...over });
  t.after(() => s.close());
  return { s, advance: (ms: number) => void (clock += ms) };
}

async function get(s: Simulator, path: string) {
  const res = await request(`${s.url}${path}`, { dispatcher: agent, signal: AbortSignal.timeout(2_000) });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text, json: () => JSON.parse(text) as Record<string, any> };
}

describe('simulator server', () => {
  test('answers follow the scenario as time passes (speed 60: a real second is a scenario minute)', async (t) => {
    const { s, advance } = await sim({}, t);
    const at = (realMs: number) => new Date(T0 + realMs).toISOString();

    assert.deepEqual((await get(s, `/2/spaces/abc123?${FIELDS}`)).json(), {
      data: { id: 'abc123', state: 'scheduled', title: 'Simulated Space', scheduled_start: at(1_000) },
    });

    advance(2_500);
    assert.equal(s.elapsedMs(), 150_000);
    assert.deepEqual((await get(s, `/2/spaces/abc123?${FIELDS}`)).json(), {
      data: { id: 'abc123', state: 'live', title: 'Simulated Space', participant_count: 400, scheduled_start: at(1_000), started_at: at(2_000) },
    });

    advance(3_000);
    const ended = (await get(s, `/2/spaces/abc123?${FIELDS}`)).json().data;
    assert.deepEqual([ended.state, ended.participant_count, ended.ended_at], ['ended', 0, at(5_000)]);
  });

  test('without space.fields X answers id and state only', async (t) => {
    const { s } = await sim({}, t);
    assert.deepEqual((await get(s, '/2/spaces/abc123')).json(), { data: { id: 'abc123', state: 'scheduled' } });
  });

  test('the speed option overrides the scenario', async (t) => {
    const { s, advance } = await sim({ speed: 120 }, t);
    advance(1_000);
    assert.equal(s.elapsedMs(), 120_000);
    assert.equal((await get(s, '/2/spaces/abc123')).json().data.state, 'live');
  });

  test('an unknown ID: 200 with the resource-not-found problem in errors[], as X answers lookups', async (t) => {
    const { s } = await sim({}, t);
    const res = await get(s, '/2/spaces/1YqKDqWqdPLsV');
    assert.equal(res.status, 200);
    const fixture = JSON.parse(readFileSync(new URL('../fixtures/x-spaces/not-found.json', import.meta.url), 'utf8'));
    assert.deepEqual(res.json(), fixture);
    assert.equal(s.stats().unknownIds, 1);
  });

  test('GET /2/spaces?ids=: data array for known IDs beside errors for unknown ones', async (t) => {
    const { s } = await sim({}, t);
    const both = (await get(s, '/2/spaces?ids=abc123,zzz999&space.fields=state,participant_count')).json();
    assert.deepEqual(both.data, [{ id: 'abc123', state: 'scheduled' }]);
    assert.equal(both.errors.length, 1);
    assert.deepEqual([both.errors[0].resource_id, both.errors[0].parameter, both.errors[0].type], ['zzz999', 'ids', 'https://api.twitter.com/2/problems/resource-not-found']);
    const none = (await get(s, '/2/spaces?ids=zzz999')).json();
    assert.equal(none.data, undefined);
    assert.equal(none.errors.length, 1);
  });

  test('invalid requests: no ids, an unknown field, a malformed ID', async (t) => {
    const { s } = await sim({}, t);
    for (const path of ['/2/spaces', '/2/spaces?ids=', '/2/spaces/abc123?space.fields=state,mood', '/2/spaces?ids=a-b']) {
      const res = await get(s, path);
      assert.equal(res.status, 400, path);
      assert.equal(res.json().type, 'https://api.twitter.com/2/problems/invalid-request', path);
    }
    assert.equal(s.stats().badRequests, 4);
  });

  test('healthz, unknown paths and methods', async (t) => {
    const { s } = await sim({}, t);
    assert.deepEqual((await get(s, '/healthz')).json(), { status: 'ok', scenario: 'Simulated Space', elapsedSec: 0 });
    assert.equal((await get(s, '/nope')).status, 404);
    const post = await request(`${s.url}/2/spaces/abc123`, { method: 'POST', dispatcher: agent });
    await post.body.dump();
    assert.equal(post.statusCode, 405);
    assert.equal(s.stats().healthz, 1);
    assert.equal(s.stats().requests, 0, 'only /2/spaces requests are numbered');
  });

  test('an error window fails about its rate of requests, the same ones for the same seed', async (t) => {
    const windowed: Scenario = { ...scenario, seed: 3, errorWindows: [{ fromSec: 0, toSec: 1000, rate: 0.25, kind: 'http_503' }] };
    const statuses = async () => {
      const { s } = await sim({ scenario: windowed }, t);
      const out: number[] = [];
      for (let i = 0; i < 400; i++) out.push((await get(s, '/2/spaces/abc123')).status);
      const failed = out.filter((x) => x === 503).length;
      assert.equal(s.stats().failures.http_503, failed);
      assert.equal(s.stats().ok, 400 - failed);
      return out;
    };
    const first = await statuses();
    const share = first.filter((x) => x === 503).length / first.length;
    assert.ok(Math.abs(share - 0.25) < 0.07, `share ${share}`);
    assert.deepEqual(await statuses(), first);
  });

  test('rate_limited: 429, the fixture problem, and x-rate-limit-reset when the window closes', async (t) => {
    const { s, advance } = await sim({ scenario: { ...scenario, errorWindows: [{ fromSec: 60, toSec: 600, rate: 1, kind: 'rate_limited' }] } }, t);
    advance(2_000);
    const res = await get(s, '/2/spaces/abc123');
    assert.equal(res.status, 429);
    assert.deepEqual(res.json(), JSON.parse(readFileSync(new URL('../fixtures/x-spaces/rate-limited.json', import.meta.url), 'utf8')));
    assert.equal(res.headers['x-rate-limit-limit'], '300');
    assert.equal(res.headers['x-rate-limit-remaining'], '0');
    // Window closes at scenario 600 s = real 10 s after start.
    assert.equal(res.headers['x-rate-limit-reset'], String((T0 + 10_000) / 1000));
  });

  test('http_500, not_found (a 404 carrying the problem), invalid_json, reset', async (t) => {
    const only = (kind: NonNullable<Scenario['errorWindows']>[number]['kind']): Scenario => ({ ...scenario, errorWindows: [{ fromSec: 0, toSec: 1000, rate: 1, kind }] });
    const e500 = await sim({ scenario: only('http_500') }, t);
    assert.deepEqual((await get(e500.s, '/2/spaces/abc123')).json(), { title: 'Internal Server Error', detail: 'Internal Server Error', type: 'about:blank', status: 500 });

    const gone = await sim({ scenario: only('not_found') }, t);
    const nf = await get(gone.s, '/2/spaces/abc123');
    assert.equal(nf.status, 404);
    assert.equal(nf.json().errors[0].type, 'https://api.twitter.com/2/problems/resource-not-found');

    const bad = await sim({ scenario: only('invalid_json') }, t);
    const res = await get(bad.s, '/2/spaces/abc123');
    assert.equal(res.status, 200);
    assert.throws(() => res.json(), SyntaxError);

    const reset = await sim({ scenario: only('reset') }, t);
    await assert.rejects(get(reset.s, '/2/spaces/abc123'), { code: 'UND_ERR_SOCKET' });
    assert.equal(reset.s.stats().failures.reset, 1);
  });

  test('timeout: the request is held until the client gives up or the simulator closes', async (t) => {
    const { s } = await sim({ scenario: { ...scenario, errorWindows: [{ fromSec: 0, toSec: 1000, rate: 1, kind: 'timeout' }] } }, t);
    const pending = request(`${s.url}/2/spaces/abc123`, { dispatcher: agent });
    const outcome = pending.then(
      () => 'answered',
      () => 'dropped',
    );
    for (let i = 0; i < 50 && s.stats().held === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(s.stats().held, 1);
    const started = performance.now();
    await s.close();
    assert.ok(performance.now() - started < 1_000);
    assert.equal(await outcome, 'dropped');
  });
});

describe('x-space probe against the simulator', () => {
  test('scheduled → live → (Space vanishes) ended, as the probe reports it', async (t) => {
    const { s, advance } = await sim({ scenario: { ...scenario, errorWindows: [{ fromSec: 240, toSec: 300, rate: 1, kind: 'not_found' }] } }, t);
    const space = target({ kind: 'x-space' as const, spaceId: 'abc123', url: s.url });
    const first = await probe(space, h.context());
    assert.deepEqual([first.state, first.listeners, first.schedule?.start], ['scheduled', undefined, T0 + 1_000]);
    advance(2_500);
    const live = await probe(space, h.context());
    assert.deepEqual([live.state, live.listeners, live.join.ok, live.startedAt], ['live', 400, true, T0 + 2_000]);
    advance(1_500);
    const gone = await probe(space, h.context());
    assert.deepEqual([gone.state, gone.join.ok, gone.join.error], ['ended', false, 'ended']);
    advance(2_000);
    const ended = await probe(space, h.context());
    assert.deepEqual([ended.state, ended.endedAt], ['ended', T0 + 5_000]);
  });

  test('the built-in example plays through its story at its own speed', async (t) => {
    const { loadScenario } = await import('../../src/simulator/scenario.js');
    const example = loadScenario(new URL('../../scenarios/example.yaml', import.meta.url).pathname);
    const { s, advance } = await sim({ scenario: example }, t);
    const space = target({ kind: 'x-space' as const, spaceId: example.spaceId, url: s.url });
    const seen = new Set<string>();
    let peak = 0;
    let failed = 0;
    for (let sec = 0; sec < 120; sec++) {
      const r = await probe(space, h.context());
      seen.add(r.state);
      peak = Math.max(peak, r.listeners ?? 0);
      if (!r.join.ok) failed++;
      advance(1_000);
    }
    assert.deepEqual([...seen].filter((x) => x !== 'unknown').sort(), ['ended', 'live', 'scheduled']);
    assert.ok(peak >= 2_000 && peak <= example.capacity!, `peak ${peak}`);
    assert.ok(failed > 0, 'some joins failed');
  });
});
