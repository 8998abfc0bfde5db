import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, describe, test } from 'node:test';
import { Agent, request } from 'undici';
import type { Scenario } from '../../src/simulator/scenario.js';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../src/simulator/server.js';
import { createCrowd } from '../helpers/crowd.js';
import { waitFor } from '../helpers/wait.js';

// The simulator's 'connections' mode: listeners are real held connections to /listen/:spaceId,
// admitted up to the capacity and refused beyond it, and the API fails at the refused share.

const T0 = Date.parse('2024-08-13T00:00:00.000Z');
const agent = new Agent();
after(() => agent.close());

/** No state keyframes: live from the start. */
const LIVE: Scenario = { name: 'Audience', spaceId: 'Aud1', seed: 5, keyframes: [{ atSec: 0, listeners: 0 }] };

async function sim(t: { after(fn: () => unknown): void }, over: Partial<SimulatorOptions> = {}) {
  let clock = T0;
  const s = await startSimulator({ scenario: LIVE, audience: 'connections', now: () => clock, ...over });
  t.after(() => s.close());
  return { s, advance: (ms: number) => void (clock += ms) };
}

/** One listener on a raw socket: resolves with the status once the status line arrives; the socket stays open. */
function listen(s: Simulator, spaceId = LIVE.spaceId, method = 'GET'): Promise<{ status: number; socket: Socket; closed: Promise<void>; bytes: () => number }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: s.port });
    let head = '';
    let bytes = 0;
    let answered = false;
    const closed = new Promise<void>((r) => socket.once('close', () => r()));
    socket.on('connect', () => socket.write(`${method} /listen/${spaceId} HTTP/1.1\r\nHost: sim\r\n\r\n`));
    socket.on('error', (err) => !answered && reject(err));
    socket.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (answered) return;
      head += chunk.toString('latin1');
      const m = /^HTTP\/1\.1 (\d{3})/.exec(head);
      if (!m) return;
      answered = true;
      resolve({ status: Number(m[1]), socket, closed, bytes: () => bytes });
    });
  });
}

async function api(s: Simulator) {
  const res = await request(`${s.url}/2/spaces/${LIVE.spaceId}?space.fields=state,participant_count`, { dispatcher: agent, signal: AbortSignal.timeout(2_000) });
  const text = await res.body.text();
  return { status: res.statusCode, json: () => JSON.parse(text) as Record<string, any> };
}

describe('simulator audience (connections mode)', () => {
  test('admits up to the capacity and refuses the rest with a 503, closed at once', async (t) => {
    const { s } = await sim(t, { capacity: 5 });
    // Listeners that stay and, once refused, do not come back within the test.
    const crowd = createCrowd({ url: s.url, spaceId: LIVE.spaceId, holdMeanMs: Number.POSITIVE_INFINITY, retryMs: [60_000, 60_000], pauseMs: [60_000, 60_000] });
    t.after(() => crowd.close());
    crowd.add(8, 0);
    await waitFor(() => crowd.stats().admitted + crowd.stats().refused === 8, 5_000, 'every listener to be answered');
    const c = crowd.stats();
    assert.deepEqual([c.admitted, c.refused, c.held, c.connecting], [5, 3, 5, 0]);
    assert.deepEqual(c.errors, {});
    const a = s.stats().audience!;
    assert.deepEqual([a.capacity, a.connected, a.peak, a.admitted, a.refused, a.left, a.dropped], [5, 5, 5, 5, 3, 0, 0]);
    assert.equal(a.refusedShare, 3 / 8);

    // A refused listener's connection is closed by the server, not left open.
    const refused = await listen(s);
    assert.equal(refused.status, 503);
    await refused.closed;
    assert.equal(s.stats().audience!.connected, 5);
  });

  test('participant_count is the connected listeners; a hang-up frees a seat for the next', async (t) => {
    const { s } = await sim(t, { capacity: 2 });
    const first = await listen(s);
    const second = await listen(s);
    assert.deepEqual([first.status, second.status], [200, 200]);
    assert.equal((await api(s)).json().data.participant_count, 2);
    assert.equal((await listen(s)).status, 503);

    first.socket.destroy();
    await waitFor(() => s.stats().audience!.connected === 1, 2_000, 'the hang-up to be seen');
    assert.equal(s.stats().audience!.left, 1);
    assert.equal((await api(s)).json().data.participant_count, 1);
    const third = await listen(s);
    assert.equal(third.status, 200);
    assert.equal(s.stats().audience!.peak, 2);
    third.socket.destroy();
    second.socket.destroy();
  });

  test('held listeners get a trickle of bytes', async (t) => {
    const { s } = await sim(t, { capacity: 10, trickleMs: 20 });
    const l = await listen(s);
    const start = l.bytes();
    await waitFor(() => l.bytes() >= start + 5 * 64, 5_000, 'five more chunks');
    assert.ok(s.stats().audience!.bytes >= 6 * 64);
    l.socket.destroy();
  });

  test('close() ends every held connection', async (t) => {
    const { s } = await sim(t, { capacity: 50 });
    const crowd = createCrowd({ url: s.url, spaceId: LIVE.spaceId, holdMeanMs: Number.POSITIVE_INFINITY, retryMs: [60_000, 60_000], pauseMs: [60_000, 60_000] });
    t.after(() => crowd.close());
    crowd.add(30, 0);
    await waitFor(() => crowd.stats().held === 30, 5_000, '30 listeners held');
    await s.close();
    await waitFor(() => crowd.stats().held === 0, 2_000, 'every connection to end');
    assert.equal(crowd.stats().cutOff, 30);
    const a = s.stats().audience!;
    assert.deepEqual([a.connected, a.dropped, a.left], [0, 30, 0]);
  });

  test('the API fails at the share of listen attempts refused over the last few seconds', async (t) => {
    const { s, advance } = await sim(t, { capacity: 1, refusalWindowMs: 5_000 });
    const held = await listen(s);
    assert.equal(held.status, 200);
    // With nobody refused yet the API answers every request.
    for (let i = 0; i < 20; i++) assert.equal((await api(s)).status, 200);
    for (let i = 0; i < 9; i++) assert.equal((await listen(s)).status, 503);
    assert.equal(s.stats().audience!.refusedShare, 0.9);

    const before = s.stats();
    const statuses: number[] = [];
    for (let i = 0; i < 300; i++) statuses.push((await api(s)).status);
    const failed = statuses.filter((x) => x === 503).length;
    assert.equal(failed + statuses.filter((x) => x === 200).length, 300, 'only 200s and 503s');
    assert.ok(Math.abs(failed / 300 - 0.9) < 0.06, `failed share ${failed / 300}`);
    assert.equal(s.stats().overCapacity - before.overCapacity, failed);
    assert.equal(s.stats().failures.http_503 - before.failures.http_503, failed);

    // The refusals age out of the window: the API recovers though the listener is still there.
    advance(5_500);
    assert.equal(s.stats().audience!.refusedShare, 0);
    for (let i = 0; i < 20; i++) assert.equal((await api(s)).status, 200);
    assert.equal((await api(s)).json().data.participant_count, 1);
    held.socket.destroy();
  });

  test('listeners get in only while the Space is live, and are cut off when it ends', async (t) => {
    const story: Scenario = {
      ...LIVE,
      keyframes: [
        { atSec: 0, listeners: 0, state: 'scheduled' },
        { atSec: 10, listeners: 0, state: 'live' },
        { atSec: 20, listeners: 0, state: 'ended' },
      ],
    };
    const { s, advance } = await sim(t, { scenario: story, capacity: 10, trickleMs: 20 });
    const early = await listen(s);
    assert.equal(early.status, 404);
    await early.closed;
    assert.equal(s.stats().audience!.notLive, 1);

    advance(10_000);
    const l = await listen(s);
    assert.equal(l.status, 200);
    advance(10_000);
    await l.closed;
    const a = s.stats().audience!;
    assert.deepEqual([a.connected, a.dropped, a.admitted, a.refused], [0, 1, 1, 0]);
    assert.equal((await listen(s)).status, 404);
  });

  test('unknown Space, HEAD, and no listen endpoint outside connections mode', async (t) => {
    const { s } = await sim(t, { capacity: 10 });
    assert.equal((await listen(s, 'Other1')).status, 404);
    assert.equal((await listen(s, LIVE.spaceId, 'HEAD')).status, 405);
    assert.equal(s.stats().audience!.admitted, 0);

    const plain = await sim(t, { audience: 'scenario' });
    assert.equal((await listen(plain.s)).status, 404);
    assert.equal(plain.s.stats().audience, undefined);
  });

  test("in scenario mode the capacity option overrides the scenario's: counts capped, the rest of demand failed", async (t) => {
    const crowded: Scenario = { ...LIVE, capacity: 900, keyframes: [{ atSec: 0, listeners: 1_000 }] };
    const { s } = await sim(t, { scenario: crowded, audience: 'scenario', capacity: 400 });
    const statuses: number[] = [];
    for (let i = 0; i < 200; i++) {
      const res = await api(s);
      statuses.push(res.status);
      if (res.status === 200) assert.equal(res.json().data.participant_count, 400);
    }
    // 1 − 400/1000 of requests turned away (900 would have been 10 %).
    const share = statuses.filter((x) => x === 503).length / statuses.length;
    assert.ok(Math.abs(share - 0.6) < 0.1, `failed share ${share}`);
    assert.equal(s.stats().overCapacity, statuses.filter((x) => x === 503).length);
  });

  test('without a capacity everyone is admitted and the API never fails for it', async (t) => {
    const { s } = await sim(t);
    const crowd = createCrowd({ url: s.url, spaceId: LIVE.spaceId, holdMeanMs: Number.POSITIVE_INFINITY, retryMs: [60_000, 60_000], pauseMs: [60_000, 60_000] });
    t.after(() => crowd.close());
    crowd.add(40, 0);
    await waitFor(() => crowd.stats().held === 40, 5_000, '40 listeners held');
    assert.equal(s.stats().audience!.refused, 0);
    assert.equal((await api(s)).json().data.participant_count, 40);
  });
});
