import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { after, describe, test } from 'node:test';
import { probe, type XSpaceConfig } from '../../src/sources/x-space.js';
import { captureLog, closedPort, harness, sendJson, serve, target, type Harness } from './helpers.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/x-spaces/${name}`, import.meta.url), 'utf8');
const SPACE = '1YqKDqWqdPLsV';
const TOKEN = 's3cr3t-T0KEN-value-never-logged';

const hs: Harness[] = [];
after(() => Promise.all(hs.map((h) => h.close())));
function newHarness(...args: Parameters<typeof harness>): Harness {
  const h = harness(...args);
  hs.push(h);
  return h;
}

/** A stand-in X API whose answer the test sets per request. */
async function api(answer: (res: ServerResponse, path: string) => void) {
  return serve((req, res) => answer(res, req.url ?? ''));
}

function space(url: string, over: Partial<XSpaceConfig> = {}) {
  return target<XSpaceConfig>({ kind: 'x-space', spaceId: SPACE, url, ...over });
}

describe('x-space probe', () => {
  test('live: state, participant_count, schedule and start time', async (t) => {
    const s = await api((res) => sendJson(res, 200, fixture('live.json')));
    t.after(() => s.close());
    const h = newHarness();
    const r = await probe(space(s.url), h.context());
    assert.equal(r.state, 'live');
    assert.equal(r.listeners, 1184233);
    assert.equal(r.join.ok, true);
    assert.ok(r.join.bytes! > 0);
    assert.equal(r.schedule?.start, Date.parse('2024-08-13T00:00:00.000Z'));
    assert.equal(r.startedAt, Date.parse('2024-08-12T23:59:12.000Z'));
    assert.equal(r.endedAt, undefined);
    const path = s.requests[0]!.url!;
    assert.match(path, new RegExp(`^/2/spaces/${SPACE}\\?`));
    assert.deepEqual(new URL(path, s.url).searchParams.get('space.fields')!.split(','), ['state', 'participant_count', 'scheduled_start', 'started_at', 'ended_at', 'title']);
  });

  test('scheduled: no participants yet, the scheduled start', async (t) => {
    const s = await api((res) => sendJson(res, 200, fixture('scheduled.json')));
    t.after(() => s.close());
    const r = await probe(space(s.url), newHarness().context());
    assert.equal(r.state, 'scheduled');
    assert.equal(r.listeners, undefined);
    assert.equal(r.join.ok, true);
    assert.equal(r.schedule?.start, Date.parse('2024-08-13T00:00:00.000Z'));
  });

  test('ended: the API still answers, so the join succeeded; start and end times', async (t) => {
    const s = await api((res) => sendJson(res, 200, fixture('ended.json')));
    t.after(() => s.close());
    const r = await probe(space(s.url), newHarness().context());
    assert.equal(r.state, 'ended');
    assert.equal(r.join.ok, true);
    assert.equal(r.startedAt, Date.parse('2024-08-12T23:59:12.000Z'));
    assert.equal(r.endedAt, Date.parse('2024-08-13T02:49:30.000Z'));
  });

  test('an unknown state is unknown, and the raw value is kept', async (t) => {
    const s = await api((res) => sendJson(res, 200, { data: { id: SPACE, state: 'canceled' } }));
    t.after(() => s.close());
    const r = await probe(space(s.url), newHarness().context());
    assert.equal(r.state, 'unknown');
    assert.deepEqual(r.extra, { xState: 'canceled' });
  });

  for (const [how, answer] of [
    ['200 with errors[] only', (res: ServerResponse) => sendJson(res, 200, fixture('not-found.json'))],
    ['HTTP 404', (res: ServerResponse) => sendJson(res, 404, fixture('not-found.json'))],
  ] as const) {
    test(`resource-not-found (${how}) before the Space was seen live → not_found`, async (t) => {
      const s = await api(answer);
      t.after(() => s.close());
      const r = await probe(space(s.url), newHarness().context());
      assert.equal(r.state, 'unknown');
      assert.deepEqual({ ok: r.join.ok, error: r.join.error }, { ok: false, error: 'not_found' });
    });

    test(`resource-not-found (${how}) after the Space was seen live → ended`, async (t) => {
      let live = true;
      const s = await api((res) => (live ? sendJson(res, 200, fixture('live.json')) : answer(res)));
      t.after(() => s.close());
      const h = newHarness();
      assert.equal((await probe(space(s.url), h.context())).state, 'live');
      live = false;
      const r = await probe(space(s.url), h.context());
      assert.equal(r.state, 'ended');
      assert.deepEqual({ ok: r.join.ok, error: r.join.error }, { ok: false, error: 'ended' });
    });
  }

  test('errors[] beside data (batch answer): the Space is read from data, problems about other IDs ignored', async (t) => {
    const s = await api((res) => sendJson(res, 200, fixture('batch-partial.json')));
    t.after(() => s.close());
    const r = await probe(space(s.url), newHarness().context());
    assert.equal(r.state, 'live');
    assert.equal(r.listeners, 1184233);
    const other = await probe(space(s.url, { spaceId: '1OdKrXXXXXXXX' }), newHarness().context());
    assert.equal(other.join.error, 'not_found');
  });

  test('429 → rate_limited, notBefore from x-rate-limit-reset', async (t) => {
    const reset = Math.floor(Date.now() / 1000) + 600;
    const s = await api((res) =>
      sendJson(res, 429, fixture('rate-limited.json'), { 'x-rate-limit-limit': '300', 'x-rate-limit-remaining': '0', 'x-rate-limit-reset': String(reset) }),
    );
    t.after(() => s.close());
    const r = await probe(space(s.url), newHarness().context());
    assert.equal(r.join.error, 'rate_limited');
    assert.equal(r.notBefore, reset * 1000);
  });

  test('503 → http_5xx with the status kept', async (t) => {
    const s = await api((res) => sendJson(res, 503, { title: 'Service Unavailable', type: 'about:blank', status: 503 }));
    t.after(() => s.close());
    const r = await probe(space(s.url), newHarness().context());
    assert.equal(r.join.error, 'http_5xx');
    assert.deepEqual(r.extra, { status: 503 });
  });

  test('401 → http_4xx', async (t) => {
    const s = await api((res) => sendJson(res, 401, { title: 'Unauthorized', type: 'about:blank', status: 401 }));
    t.after(() => s.close());
    assert.equal((await probe(space(s.url), newHarness().context())).join.error, 'http_4xx');
  });

  for (const [name, body] of [
    ['truncated JSON', fixture('live.json').slice(0, 100)],
    ['neither data nor errors', '{}'],
    ['a JSON array', '[]'],
    ['state not a string', JSON.stringify({ data: { id: SPACE, state: 3 } })],
    ['participant_count not a number', JSON.stringify({ data: { id: SPACE, state: 'live', participant_count: '12' } })],
    ['negative participant_count', JSON.stringify({ data: { id: SPACE, state: 'live', participant_count: -1 } })],
    ['started_at not a time', JSON.stringify({ data: { id: SPACE, state: 'live', started_at: 'yesterday' } })],
  ] as const) {
    test(`${name} → invalid_payload`, async (t) => {
      const s = await api((res) => sendJson(res, 200, body));
      t.after(() => s.close());
      const r = await probe(space(s.url), newHarness().context());
      assert.equal(r.join.ok, false);
      assert.equal(r.join.error, 'invalid_payload');
      assert.equal(r.state, 'unknown');
    });
  }

  test('connection refused → connect_refused, as a result (never a throw)', async () => {
    const port = await closedPort();
    const r = await probe(space(`http://127.0.0.1:${port}`), newHarness().context());
    assert.equal(r.join.error, 'connect_refused');
  });

  test('headers that never come → timeout within the budget', async (t) => {
    const s = await serve(() => undefined);
    t.after(() => s.close());
    const started = performance.now();
    const r = await probe(space(s.url), newHarness().context({ timeoutMs: 250 }));
    assert.equal(r.join.error, 'timeout');
    assert.ok(r.join.ms >= 200 && r.join.ms < 1_000, `ms ${r.join.ms}`);
    assert.ok(performance.now() - started < 1_000);
  });

  test('a body over maxBytes → body_too_large', async (t) => {
    const s = await api((res) => sendJson(res, 200, { data: { id: SPACE, state: 'live', title: 'x'.repeat(50_000) } }));
    t.after(() => s.close());
    const r = await probe(space(s.url), newHarness().context({ maxBytes: 10_000 }));
    assert.equal(r.join.error, 'body_too_large');
  });

  test('sends the token as a bearer and never logs it, whatever happens', async (t) => {
    const answers = [
      (res: ServerResponse) => sendJson(res, 200, fixture('live.json')),
      (res: ServerResponse) => sendJson(res, 401, { title: 'Unauthorized', status: 401 }),
      (res: ServerResponse) => sendJson(res, 200, '{"data":'),
      (res: ServerResponse) => sendJson(res, 404, fixture('not-found.json')),
    ];
    let n = 0;
    const s = await api((res) => answers[n++ % answers.length]!(res));
    t.after(() => s.close());
    const captured = captureLog();
    const h = newHarness({ env: { X_BEARER_TOKEN: TOKEN }, log: captured.log });
    for (let i = 0; i < answers.length; i++) await probe(space(s.url), h.context());
    assert.equal(s.requests[0]!.headers.authorization, `Bearer ${TOKEN}`);
    assert.ok(captured.entries().length > 0, 'something was logged');
    assert.ok(!captured.text().includes(TOKEN), 'the token appears in the logs');
  });

  test('reads the token from tokenEnv when set', async (t) => {
    const s = await api((res) => sendJson(res, 200, fixture('live.json')));
    t.after(() => s.close());
    await probe(space(s.url, { tokenEnv: 'MY_X_TOKEN' }), newHarness({ env: { MY_X_TOKEN: 'other', X_BEARER_TOKEN: TOKEN } }).context());
    assert.equal(s.requests[0]!.headers.authorization, 'Bearer other');
  });

  test('without a token it probes a local simulator anyway, without a warning', async (t) => {
    const s = await api((res) => sendJson(res, 200, fixture('live.json')));
    t.after(() => s.close());
    const captured = captureLog();
    const h = newHarness({ log: captured.log });
    const r1 = await probe(space(s.url), h.context());
    const r2 = await probe(space(s.url), h.context());
    assert.equal(r1.join.ok && r2.join.ok, true);
    assert.equal(s.requests[0]!.headers.authorization, undefined);
    assert.equal(captured.entries().filter((e) => e.level === 40).length, 0);
  });

  test('without a token, a remote API gets one warning per target naming the variable', async () => {
    const captured = captureLog();
    const h = newHarness({ log: captured.log });
    // .invalid never resolves (RFC 2606): the probe fails fast, after deciding whether to warn.
    const remote = space('http://x-api.invalid');
    const r1 = await probe(remote, h.context());
    await probe(remote, h.context());
    assert.equal(r1.join.ok, false);
    const warnings = captured.entries().filter((e) => e.level === 40);
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]!.tokenEnv, 'X_BEARER_TOKEN');
  });

  test('a base URL with a trailing slash', async (t) => {
    const s = await api((res) => sendJson(res, 200, fixture('live.json')));
    t.after(() => s.close());
    await probe(space(`${s.url}/`), newHarness().context());
    assert.match(s.requests[0]!.url!, /^\/2\/spaces\//);
  });
});

describe('x-space probe with playlistUrl: API read and HLS join together', () => {
  const hlsFixture = (name: string) => readFileSync(new URL(`../fixtures/hls/${name}`, import.meta.url), 'utf8');
  const SEGMENT = Buffer.alloc(20_000, 0x47);

  /** One local server for both: the X API under /2/ and an HLS origin under /hls/ (playlists: text, or a status). */
  async function both(apiAnswer: (res: ServerResponse) => void, overrides: Record<string, string | number> = {}, segmentDelayMs = 0) {
    const playlists: Record<string, string | number> = {
      '/hls/master.m3u8': hlsFixture('master.m3u8'),
      '/hls/playlist_16701.m3u8': hlsFixture('media-live.m3u8'),
      ...overrides,
    };
    const s = await serve((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (path.startsWith('/2/')) return apiAnswer(res);
      if (path.endsWith('.aac')) {
        setTimeout(() => res.writeHead(206, { 'content-type': 'audio/aac' }).end(SEGMENT.subarray(0, 16 * 1024)), segmentDelayMs);
        return;
      }
      const answer = playlists[path];
      if (answer === undefined || typeof answer === 'number') return res.writeHead(answer ?? 404).end();
      res.writeHead(200, { 'content-type': 'application/vnd.apple.mpegurl' }).end(answer);
    });
    return Object.assign(s, { playlists });
  }
  const withPlaylist = (url: string, over: Partial<XSpaceConfig> = {}) => space(url, { playlistUrl: `${url}/hls/master.m3u8`, ...over });

  test('live: state and listeners from the API, join from HLS (time to the first segment byte)', async (t) => {
    const s = await both((res) => sendJson(res, 200, fixture('live.json')));
    t.after(() => s.close());
    const r = await probe(withPlaylist(s.url), newHarness().context());
    assert.equal(r.state, 'live');
    assert.equal(r.listeners, 1184233);
    assert.equal(r.startedAt, Date.parse('2024-08-12T23:59:12.000Z'));
    assert.deepEqual({ ok: r.join.ok, bytes: r.join.bytes }, { ok: true, bytes: 16 * 1024 });
    assert.deepEqual(r.extra, { targetDuration: 3, mediaSequence: 1742, segments: 4 });
    assert.deepEqual(s.requests.map((q) => new URL(q.url!, s.url).pathname).sort(), ['/2/spaces/1YqKDqWqdPLsV', '/hls/chunk_1743_a.aac', '/hls/master.m3u8', '/hls/playlist_16701.m3u8']);
  });

  test('the API fails, the join succeeds: state unknown, no count, join ok, the API failure in extra', async (t) => {
    const s = await both((res) => sendJson(res, 503, { title: 'Service Unavailable', status: 503 }));
    t.after(() => s.close());
    const r = await probe(withPlaylist(s.url), newHarness().context());
    assert.equal(r.state, 'unknown');
    assert.equal(r.listeners, undefined);
    assert.equal(r.join.ok, true);
    assert.deepEqual(r.extra, { targetDuration: 3, mediaSequence: 1742, segments: 4, apiError: 'http_5xx', apiStatus: 503 });
  });

  test('the API says live, the playlist is gone: state live, join not_found', async (t) => {
    const s = await both((res) => sendJson(res, 200, fixture('live.json')), { '/hls/master.m3u8': 404 });
    t.after(() => s.close());
    const r = await probe(withPlaylist(s.url), newHarness().context());
    assert.equal(r.state, 'live');
    assert.equal(r.listeners, 1184233);
    assert.deepEqual({ ok: r.join.ok, error: r.join.error }, { ok: false, error: 'not_found' });
    assert.deepEqual(r.extra, { status: 404, step: 'playlist' });
  });

  test('the API says live, the playlist has ENDLIST: the join says ended while the API still says live', async (t) => {
    const s = await both((res) => sendJson(res, 200, fixture('live.json')), { '/hls/playlist_16701.m3u8': hlsFixture('media-ended.m3u8') });
    t.after(() => s.close());
    const r = await probe(withPlaylist(s.url), newHarness().context());
    assert.equal(r.state, 'live');
    assert.equal(r.join.error, 'ended');
  });

  test('stalled playlist under a live API: join stalled (the freshness memory lives in the target\'s memory)', async (t) => {
    const s = await both((res) => sendJson(res, 200, fixture('live.json')));
    t.after(() => s.close());
    let now = 0;
    const h = newHarness({ now: () => now });
    assert.equal((await probe(withPlaylist(s.url), h.context())).join.ok, true);
    now = 9_000; // 3 × TARGETDURATION (3 s) without a new segment
    const r = await probe(withPlaylist(s.url), h.context());
    assert.equal(r.state, 'live');
    assert.equal(r.join.error, 'stalled');
  });

  test('not-found after live is the API\'s answer (ended), not an API failure', async (t) => {
    let live = true;
    const s = await both((res) => (live ? sendJson(res, 200, fixture('live.json')) : sendJson(res, 404, fixture('not-found.json'))), {
      '/hls/playlist_16701.m3u8': hlsFixture('media-ended.m3u8'),
    });
    t.after(() => s.close());
    const h = newHarness();
    await probe(withPlaylist(s.url), h.context());
    live = false;
    const r = await probe(withPlaylist(s.url), h.context());
    assert.equal(r.state, 'ended');
    assert.deepEqual({ ok: r.join.ok, error: r.join.error }, { ok: false, error: 'ended' });
    assert.equal(r.extra?.apiError, undefined);
  });

  test('429 from the API: notBefore kept, the HLS join still recorded', async (t) => {
    const reset = Math.floor(Date.now() / 1000) + 600;
    const s = await both((res) => sendJson(res, 429, fixture('rate-limited.json'), { 'x-rate-limit-reset': String(reset) }));
    t.after(() => s.close());
    const r = await probe(withPlaylist(s.url), newHarness().context());
    assert.equal(r.notBefore, reset * 1000);
    assert.equal(r.join.ok, true);
    assert.equal(r.extra?.apiError, 'rate_limited');
  });

  test('a restarted stream\'s event comes through', async (t) => {
    const s = await both((res) => sendJson(res, 200, fixture('live.json')));
    t.after(() => s.close());
    const h = newHarness();
    await probe(withPlaylist(s.url), h.context());
    s.playlists['/hls/playlist_16701.m3u8'] = '#EXTM3U\n#EXT-X-TARGETDURATION:3\n#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:3,\nchunk_0_a.aac\n';
    const r = await probe(withPlaylist(s.url), h.context());
    assert.deepEqual(r.events, [{ type: 'stream-restart', data: { from: 1745, to: 0 } }]);
    assert.equal(r.state, 'live');
  });

  test('the API read and the join run at once', async (t) => {
    // Each side takes ≥ 200 ms: one after the other they would take ≥ 400 ms.
    const s = await both((res) => setTimeout(() => sendJson(res, 200, fixture('live.json')), 200), {}, 200);
    t.after(() => s.close());
    const started = performance.now();
    const r = await probe(withPlaylist(s.url), newHarness().context());
    const took = performance.now() - started;
    assert.deepEqual([r.state, r.join.ok], ['live', true]);
    assert.ok(r.join.ms >= 200, `join ms ${r.join.ms}`);
    assert.ok(took < 380, `took ${took} ms`);
  });
});
