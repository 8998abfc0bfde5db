import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { getPath } from '../../src/sources/dot-path.js';
import { probe, type JsonConfig } from '../../src/sources/json.js';
import { closedPort, harness, sendJson, serve, target } from './helpers.js';

const fixture = (path: string) => readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'utf8');
const h = harness();
after(() => h.close());

describe('getPath', () => {
  const doc = { data: { participant_count: 12, state: 'live' }, items: [{ viewers: 3 }, { viewers: '4' }], nil: null };
  const cases: [string, unknown][] = [
    ['data.participant_count', 12],
    ['data.state', 'live'],
    ['items.0.viewers', 3],
    ['items.1.viewers', '4'],
    ['items.2.viewers', undefined],
    ['items.first', undefined],
    ['data.missing.deeper', undefined],
    ['nil.x', undefined],
    ['__proto__.polluted', undefined],
    ['constructor.name', undefined],
    ['data.participant_count.toFixed', undefined],
  ];
  for (const [path, want] of cases) test(`${path} → ${String(want)}`, () => assert.equal(getPath(doc, path), want));
});

/** Probes `cfg` against a server answering `body`. */
async function probeWith(body: string | object, cfg: Partial<JsonConfig> = {}, status = 200) {
  const s = await serve((_req, res) => sendJson(res, status, body));
  try {
    const result = await probe(target<JsonConfig>({ kind: 'json', url: `${s.url}/status`, ...cfg }), h.context());
    return { result, requests: s.requests };
  } finally {
    await s.close();
  }
}

describe('json probe', () => {
  test('listeners and state by dot path', async () => {
    const { result } = await probeWith({ data: { participant_count: 812, state: 'live' } }, { listenersPath: 'data.participant_count', statePath: 'data.state' });
    assert.equal(result.listeners, 812);
    assert.equal(result.state, 'live');
    assert.equal(result.join.ok, true);
  });

  test('YouTube videos.list: array index and a count sent as a string', async () => {
    const { result } = await probeWith(fixture('youtube/video-live.json'), {
      listenersPath: 'items.0.liveStreamingDetails.concurrentViewers',
      statePath: 'items.0.snippet.liveBroadcastContent',
      stateMap: { none: 'ended' },
    });
    assert.equal(result.listeners, 118423);
    assert.equal(result.state, 'live');
  });

  test('YouTube after the end: the count is gone (absent, not an error) and the configured map applies', async () => {
    const { result } = await probeWith(fixture('youtube/video-ended.json'), {
      listenersPath: 'items.0.liveStreamingDetails.concurrentViewers',
      statePath: 'items.0.snippet.liveBroadcastContent',
      stateMap: { none: 'ended' },
    });
    assert.equal(result.listeners, undefined);
    assert.equal(result.state, 'ended');
    assert.equal(result.join.ok, true);
  });

  test('Twitch Helix: an offline channel is absent from data, so both paths are missing', async () => {
    const cfg = { listenersPath: 'data.0.viewer_count', statePath: 'data.0.type' };
    const live = await probeWith(fixture('twitch/streams-live.json'), cfg);
    assert.deepEqual([live.result.state, live.result.listeners], ['live', 1490]);
    const offline = await probeWith(fixture('twitch/streams-offline.json'), cfg);
    assert.deepEqual([offline.result.state, offline.result.listeners, offline.result.join.ok], ['unknown', undefined, true]);
  });

  for (const [value, want] of [
    ['live', 'live'],
    ['ONLINE', 'live'],
    ['on_air', 'live'],
    [true, 'live'],
    ['scheduled', 'scheduled'],
    ['upcoming', 'scheduled'],
    ['ended', 'ended'],
    ['finished', 'ended'],
    ['over', 'ended'],
    ['offline', 'offline'],
    [false, 'offline'],
    ['paused', 'unknown'],
    [7, 'unknown'],
    [null, 'unknown'],
    [{ nested: 1 }, 'unknown'],
  ] as const) {
    test(`default state map: ${JSON.stringify(value)} → ${want}`, async () => {
      const { result } = await probeWith({ s: value }, { statePath: 's' });
      assert.equal(result.state, want);
    });
  }

  test('a configured stateMap adds values and overrides the defaults, case-insensitively', async () => {
    const stateMap = { '1': 'live', OVER: 'live', Paused: 'offline' } as const;
    assert.equal((await probeWith({ s: 1 }, { statePath: 's', stateMap })).result.state, 'live');
    assert.equal((await probeWith({ s: 'over' }, { statePath: 's', stateMap })).result.state, 'live');
    assert.equal((await probeWith({ s: 'paused' }, { statePath: 's', stateMap })).result.state, 'offline');
    assert.equal((await probeWith({ s: 'ended' }, { statePath: 's', stateMap })).result.state, 'ended');
  });

  test('no statePath: a good answer reads as live', async () => {
    const { result } = await probeWith({ n: 5 }, { listenersPath: 'n' });
    assert.equal(result.state, 'live');
    assert.equal(result.listeners, 5);
  });

  for (const [name, value] of [
    ['a word', 'many'],
    ['a negative number', -3],
    ['a boolean', true],
    ['an object', { n: 1 }],
    ['an empty string', ''],
  ] as const) {
    test(`listeners present but ${name} → invalid_payload`, async () => {
      const { result } = await probeWith({ n: value }, { listenersPath: 'n' });
      assert.equal(result.join.ok, false);
      assert.equal(result.join.error, 'invalid_payload');
      assert.equal(result.listeners, undefined);
    });
  }

  test('sends the configured headers and asks for JSON', async () => {
    const { requests } = await probeWith({ n: 1 }, { listenersPath: 'n', headers: { 'Client-Id': 'abc' } });
    assert.equal(requests[0]!.headers['client-id'], 'abc');
    assert.equal(requests[0]!.headers.accept, 'application/json');
  });

  test('HTTP errors, bad JSON and network failures are results', async () => {
    assert.equal((await probeWith({}, {}, 500)).result.join.error, 'http_5xx');
    assert.equal((await probeWith({}, {}, 404)).result.join.error, 'not_found');
    assert.equal((await probeWith('<html>', {})).result.join.error, 'invalid_payload');
    const port = await closedPort();
    const r = await probe(target<JsonConfig>({ kind: 'json', url: `http://127.0.0.1:${port}/` }), h.context());
    assert.deepEqual([r.state, r.join.ok, r.join.error], ['unknown', false, 'connect_refused']);
  });

  test('429 with Retry-After → rate_limited with notBefore', async (t) => {
    const s = await serve((_req, res) => sendJson(res, 429, {}, { 'retry-after': '120' }));
    t.after(() => s.close());
    const before = Date.now();
    const r = await probe(target<JsonConfig>({ kind: 'json', url: s.url }), h.context());
    assert.equal(r.join.error, 'rate_limited');
    assert.ok(r.notBefore! >= before + 120_000 && r.notBefore! <= Date.now() + 120_000);
  });
});
