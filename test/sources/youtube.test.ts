import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { after, describe, test } from 'node:test';
import { nextPacificMidnight, probe, youtube, type YouTubeConfig } from '../../src/sources/youtube.js';
import { captureLog, closedPort, harness, sendJson, serve, target, type Harness } from './helpers.js';

// The YouTube Data API cannot be reached from here: a local server answers with its documented
// shapes (test/fixtures/youtube/), errors in Google's `{ error: { code, message, errors[] } }` form.

const fixture = (name: string) => readFileSync(new URL(`../fixtures/youtube/${name}`, import.meta.url), 'utf8');
const VIDEO = 'dQw4w9WgXcQ';
// Shaped like a Google API key, with characters that change under URL encoding.
const KEY = 'AIzaSy-k3y/VALUE+never_logged=0123456';
const ENV = { YOUTUBE_API_KEY: KEY };

const hs: Harness[] = [];
after(() => Promise.all(hs.map((h) => h.close())));
function newHarness(...args: Parameters<typeof harness>): Harness {
  const h = harness(...args);
  hs.push(h);
  return h;
}

async function api(answer: (res: ServerResponse, req: IncomingMessage) => void) {
  return serve((req, res) => answer(res, req));
}

function video(url: string, over: Partial<YouTubeConfig> = {}) {
  return target<YouTubeConfig>({ kind: 'youtube', videoId: VIDEO, url, ...over });
}

type Item = { snippet?: Record<string, unknown>; liveStreamingDetails?: Record<string, unknown> } & Record<string, unknown>;
/** A fixture with its one item changed. */
function edit(name: string, change: (item: Item) => void): string {
  const body = JSON.parse(fixture(name)) as { items: Item[] };
  change(body.items[0]!);
  return JSON.stringify(body);
}

function query(s: { requests: IncomingMessage[]; url: string }, i = 0): URLSearchParams {
  return new URL(s.requests[i]!.url!, s.url).searchParams;
}

describe('youtube probe', () => {
  test('the definition the registry takes', () => {
    assert.equal(youtube.kind, 'youtube');
    assert.equal(youtube.probe, probe);
  });

  test('live: concurrentViewers (a string) as listeners, schedule and start time; part, id and key sent', async (t) => {
    const s = await api((res) => sendJson(res, 200, fixture('video-live.json')));
    t.after(() => s.close());
    const r = await probe(video(s.url), newHarness({ env: ENV }).context());
    assert.equal(r.state, 'live');
    assert.equal(r.listeners, 118423);
    assert.equal(r.join.ok, true);
    assert.ok(r.join.bytes! > 0);
    assert.deepEqual(r.schedule, { start: Date.parse('2024-08-13T00:00:00Z') });
    assert.equal(r.startedAt, Date.parse('2024-08-13T00:43:10Z'));
    assert.equal(r.endedAt, undefined);
    assert.equal(r.extra, undefined);
    assert.match(s.requests[0]!.url!, /^\/youtube\/v3\/videos\?/);
    const q = query(s);
    assert.equal(q.get('part'), 'snippet,liveStreamingDetails');
    assert.equal(q.get('id'), VIDEO);
    assert.equal(q.get('key'), KEY);
  });

  test('upcoming: scheduled, the scheduled start, no listeners and no start yet', async (t) => {
    const s = await api((res) => sendJson(res, 200, fixture('video-upcoming.json')));
    t.after(() => s.close());
    const r = await probe(video(s.url), newHarness({ env: ENV }).context());
    assert.equal(r.state, 'scheduled');
    assert.equal(r.join.ok, true);
    assert.equal(r.listeners, undefined);
    assert.deepEqual(r.schedule, { start: Date.parse('2024-08-13T00:00:00Z') });
    assert.equal(r.startedAt, undefined);
  });

  test('ended: liveBroadcastContent none with actualEndTime; start and end times, no viewer count', async (t) => {
    const s = await api((res) => sendJson(res, 200, fixture('video-ended.json')));
    t.after(() => s.close());
    const r = await probe(video(s.url), newHarness({ env: ENV }).context());
    assert.equal(r.state, 'ended');
    assert.equal(r.join.ok, true);
    assert.equal(r.listeners, undefined);
    assert.equal(r.startedAt, Date.parse('2024-08-13T00:43:10Z'));
    assert.equal(r.endedAt, Date.parse('2024-08-13T02:49:30Z'));
  });

  test('live with the viewer count hidden: no listeners (not zero)', async (t) => {
    const s = await api((res) => sendJson(res, 200, edit('video-live.json', (i) => delete i.liveStreamingDetails!.concurrentViewers)));
    t.after(() => s.close());
    const r = await probe(video(s.url), newHarness().context());
    assert.equal(r.state, 'live');
    assert.equal(r.join.ok, true);
    assert.equal(r.listeners, undefined);
    assert.ok(!('listeners' in r));
  });

  for (const [given, expected] of [
    ['0', 0],
    ['7', 7],
    ['9007199254740991', Number.MAX_SAFE_INTEGER],
    [42, 42],
  ] as const) {
    test(`concurrentViewers ${JSON.stringify(given)} → ${expected}`, async (t) => {
      const s = await api((res) => sendJson(res, 200, edit('video-live.json', (i) => (i.liveStreamingDetails!.concurrentViewers = given))));
      t.after(() => s.close());
      assert.equal((await probe(video(s.url), newHarness().context())).listeners, expected);
    });
  }

  test('live with actualEndTime is ended: YouTube sets the end only once the broadcast is over', async (t) => {
    const s = await api((res) => sendJson(res, 200, edit('video-live.json', (i) => (i.liveStreamingDetails!.actualEndTime = '2024-08-13T02:49:30Z'))));
    t.after(() => s.close());
    const r = await probe(video(s.url), newHarness().context());
    assert.equal(r.state, 'ended');
    assert.equal(r.endedAt, Date.parse('2024-08-13T02:49:30Z'));
  });

  test('scheduledEndTime becomes schedule.end', async (t) => {
    const s = await api((res) => sendJson(res, 200, edit('video-upcoming.json', (i) => (i.liveStreamingDetails!.scheduledEndTime = '2024-08-13T02:00:00Z'))));
    t.after(() => s.close());
    const r = await probe(video(s.url), newHarness().context());
    assert.deepEqual(r.schedule, { start: Date.parse('2024-08-13T00:00:00Z'), end: Date.parse('2024-08-13T02:00:00Z') });
  });

  test('a video that is not a broadcast (none, no liveStreamingDetails) is offline', async (t) => {
    const s = await api((res) => sendJson(res, 200, edit('video-ended.json', (i) => delete i.liveStreamingDetails)));
    t.after(() => s.close());
    const r = await probe(video(s.url), newHarness().context());
    assert.equal(r.state, 'offline');
    assert.equal(r.join.ok, true);
    assert.equal(r.schedule, undefined);
  });

  test('an unknown liveBroadcastContent is unknown, the raw value kept', async (t) => {
    const s = await api((res) => sendJson(res, 200, edit('video-upcoming.json', (i) => (i.snippet!.liveBroadcastContent = 'premiere'))));
    t.after(() => s.close());
    const r = await probe(video(s.url), newHarness().context());
    assert.equal(r.state, 'unknown');
    assert.equal(r.join.ok, true);
    assert.deepEqual(r.extra, { youtubeContent: 'premiere' });
  });

  test('no items (wrong, deleted or private video) → not_found', async (t) => {
    const s = await api((res) => sendJson(res, 200, fixture('not-found.json')));
    t.after(() => s.close());
    const r = await probe(video(s.url), newHarness({ env: ENV }).context());
    assert.deepEqual({ ok: r.join.ok, error: r.join.error, state: r.state }, { ok: false, error: 'not_found', state: 'unknown' });
  });

  test('403 quotaExceeded → rate_limited until just after the next midnight Pacific (the quota reset)', async (t) => {
    const s = await api((res) => sendJson(res, 403, fixture('quota-exceeded.json')));
    t.after(() => s.close());
    const now = Date.parse('2024-08-13T12:00:00Z'); // 05:00 PDT
    const r = await probe(video(s.url), newHarness({ env: ENV, now: () => now }).context());
    assert.equal(r.join.error, 'rate_limited');
    assert.equal(r.state, 'unknown');
    assert.deepEqual(r.extra, { status: 403, reason: 'quotaExceeded' });
    const reset = Date.parse('2024-08-14T07:00:00Z'); // 00:00 PDT
    assert.ok(r.notBefore! > reset && r.notBefore! <= reset + 10 * 60_000, `notBefore ${new Date(r.notBefore!).toISOString()}`);
  });

  test('a spent quota is not a key problem: no warning', async (t) => {
    const s = await api((res) => sendJson(res, 403, fixture('quota-exceeded.json')));
    t.after(() => s.close());
    const captured = captureLog();
    await probe(video(s.url), newHarness({ env: ENV, log: captured.log }).context());
    assert.equal(captured.entries().filter((e) => e.level === 40).length, 0);
  });

  test('403 rateLimitExceeded → rate_limited, backing off a minute (or as long as Retry-After says)', async (t) => {
    let retryAfter: string | undefined = undefined;
    const s = await api((res) => sendJson(res, 403, fixture('rate-limit-exceeded.json'), retryAfter ? { 'retry-after': retryAfter } : {}));
    t.after(() => s.close());
    const now = Date.parse('2024-08-13T12:00:00Z');
    const h = newHarness({ now: () => now });
    const r = await probe(video(s.url), h.context());
    assert.equal(r.join.error, 'rate_limited');
    assert.equal(r.notBefore, now + 60_000);
    retryAfter = '120';
    assert.equal((await probe(video(s.url), h.context())).notBefore, now + 120_000);
  });

  test('429 without a Google body → rate_limited with a backoff', async (t) => {
    const s = await api((res) => sendJson(res, 429, 'Too Many Requests'));
    t.after(() => s.close());
    const now = Date.now();
    const r = await probe(video(s.url), newHarness({ now: () => now }).context());
    assert.equal(r.join.error, 'rate_limited');
    assert.equal(r.notBefore, now + 60_000);
    assert.deepEqual(r.extra, { status: 429 });
  });

  for (const [name, status, reason] of [
    ['key-invalid.json', 400, 'badRequest'],
    ['key-missing.json', 403, 'forbidden'],
  ] as const) {
    test(`${status} ${reason} (${name}) → http_4xx; one warning naming the variable and Google's reason, never the key`, async (t) => {
      const s = await api((res) => sendJson(res, status, fixture(name)));
      t.after(() => s.close());
      const captured = captureLog();
      const h = newHarness({ env: ENV, log: captured.log });
      const r = await probe(video(s.url), h.context());
      await probe(video(s.url), h.context());
      assert.deepEqual({ ok: r.join.ok, error: r.join.error, state: r.state }, { ok: false, error: 'http_4xx', state: 'unknown' });
      assert.deepEqual(r.extra, { status, reason });
      assert.equal(r.notBefore, undefined);
      const warnings = captured.entries().filter((e) => e.level === 40);
      assert.equal(warnings.length, 1);
      assert.equal(warnings[0]!.keyEnv, 'YOUTUBE_API_KEY');
      assert.equal(warnings[0]!.googleReason, reason);
      assert.match(String(warnings[0]!.googleMessage), /API key/);
      assert.ok(!captured.text().includes(KEY));
    });
  }

  test('a refused key after it worked again warns again', async (t) => {
    const answers = ['bad', 'live', 'bad'];
    let n = 0;
    const s = await api((res) => (answers[n++] === 'live' ? sendJson(res, 200, fixture('video-live.json')) : sendJson(res, 400, fixture('key-invalid.json'))));
    t.after(() => s.close());
    const captured = captureLog();
    const h = newHarness({ env: ENV, log: captured.log });
    for (let i = 0; i < answers.length; i++) await probe(video(s.url), h.context());
    assert.equal(captured.entries().filter((e) => e.level === 40).length, 2);
  });

  for (const [status, code] of [
    [404, 'not_found'],
    [500, 'http_5xx'],
    [503, 'http_5xx'],
  ] as const) {
    test(`${status} → ${code}`, async (t) => {
      const s = await api((res) => sendJson(res, status, { error: { code: status, message: 'x', errors: [{ domain: 'global', reason: 'backendError', message: 'x' }] } }));
      t.after(() => s.close());
      const r = await probe(video(s.url), newHarness({ env: ENV }).context());
      assert.equal(r.join.error, code);
      assert.equal(r.state, 'unknown');
      assert.equal(r.extra?.status, status);
      assert.equal(r.notBefore, undefined);
    });
  }

  for (const [name, body] of [
    ['truncated JSON', fixture('video-live.json').slice(0, 120)],
    ['not an object', '[]'],
    ['no items', '{"kind":"youtube#videoListResponse"}'],
    ['items not an array', '{"items":{}}'],
    ['an item for another video', edit('video-live.json', (i) => (i.id = 'zzzzzzzzzzz'))],
    ['no snippet', edit('video-live.json', (i) => delete i.snippet)],
    ['liveBroadcastContent not a string', edit('video-live.json', (i) => (i.snippet!.liveBroadcastContent = true))],
    ['liveStreamingDetails not an object', edit('video-live.json', (i) => (i.liveStreamingDetails = 'live' as never))],
    ['concurrentViewers not digits', edit('video-live.json', (i) => (i.liveStreamingDetails!.concurrentViewers = '12k'))],
    ['concurrentViewers negative', edit('video-live.json', (i) => (i.liveStreamingDetails!.concurrentViewers = '-1'))],
    ['concurrentViewers fractional', edit('video-live.json', (i) => (i.liveStreamingDetails!.concurrentViewers = '1.5'))],
    ['concurrentViewers empty', edit('video-live.json', (i) => (i.liveStreamingDetails!.concurrentViewers = ''))],
    ['concurrentViewers past 2^53', edit('video-live.json', (i) => (i.liveStreamingDetails!.concurrentViewers = '99999999999999999'))],
    ['scheduledStartTime not a time', edit('video-upcoming.json', (i) => (i.liveStreamingDetails!.scheduledStartTime = 'soon'))],
    ['actualStartTime not a time', edit('video-live.json', (i) => (i.liveStreamingDetails!.actualStartTime = 12))],
    ['actualEndTime not a time', edit('video-ended.json', (i) => (i.liveStreamingDetails!.actualEndTime = 'later'))],
  ] as const) {
    test(`${name} → invalid_payload`, async (t) => {
      const s = await api((res) => sendJson(res, 200, body));
      t.after(() => s.close());
      const r = await probe(video(s.url), newHarness().context());
      assert.deepEqual({ ok: r.join.ok, error: r.join.error, state: r.state }, { ok: false, error: 'invalid_payload', state: 'unknown' });
    });
  }

  test('connection refused → connect_refused, as a result', async () => {
    const port = await closedPort();
    const r = await probe(video(`http://127.0.0.1:${port}`), newHarness({ env: ENV }).context());
    assert.equal(r.join.error, 'connect_refused');
    assert.equal(r.state, 'unknown');
  });

  test('the key never reaches the logs, even from a server that echoes the request URL back', async (t) => {
    const answers = [
      (res: ServerResponse) => sendJson(res, 200, fixture('video-live.json')),
      (res: ServerResponse, req: IncomingMessage) =>
        sendJson(res, 400, { error: { code: 400, message: `bad request to ${req.url} with ${KEY}`, errors: [{ reason: 'keyInvalid', domain: 'usageLimits', message: 'Bad Request' }] } }),
      (res: ServerResponse, req: IncomingMessage) => sendJson(res, 200, `{"items": "${req.url}`),
      (res: ServerResponse) => sendJson(res, 403, fixture('quota-exceeded.json')),
      (res: ServerResponse) => sendJson(res, 503, '<html>Service Unavailable</html>'),
      (res: ServerResponse) => sendJson(res, 200, fixture('not-found.json')),
      () => undefined, // never answers: a timeout
    ];
    let n = 0;
    const s = await api((res, req) => answers[n++ % answers.length]!(res, req));
    t.after(() => s.close());
    const captured = captureLog();
    const h = newHarness({ env: ENV, log: captured.log });
    for (let i = 0; i < answers.length; i++) await probe(video(s.url), h.context({ timeoutMs: 300 }));
    await probe(video(`http://127.0.0.1:${await closedPort()}`), h.context());
    assert.equal(query(s, 1).get('key'), KEY, 'the key was sent');
    assert.ok(captured.entries().length >= answers.length - 1, 'failures were logged');
    assert.ok(captured.text().includes('key=[redacted]'), 'the echoed URL was redacted');
    for (const secret of [KEY, encodeURIComponent(KEY)]) assert.ok(!captured.text().includes(secret), `${secret} appears in the logs`);
  });

  test('reads the key from keyEnv when set', async (t) => {
    const s = await api((res) => sendJson(res, 200, fixture('video-live.json')));
    t.after(() => s.close());
    await probe(video(s.url, { keyEnv: 'MY_YT_KEY' }), newHarness({ env: { ...ENV, MY_YT_KEY: 'other' } }).context());
    assert.equal(query(s).get('key'), 'other');
  });

  test('without a key a local stand-in is probed anyway, without a key parameter or a warning', async (t) => {
    const s = await api((res) => sendJson(res, 200, fixture('video-live.json')));
    t.after(() => s.close());
    const captured = captureLog();
    const h = newHarness({ log: captured.log });
    assert.equal((await probe(video(s.url), h.context())).state, 'live');
    assert.equal(query(s).has('key'), false);
    assert.equal(captured.entries().filter((e) => e.level === 40).length, 0);
  });

  test('without a key, a remote API gets one warning per target naming the variable', async () => {
    const captured = captureLog();
    const h = newHarness({ log: captured.log });
    const remote = video('http://youtube-api.invalid');
    const r1 = await probe(remote, h.context());
    await probe(remote, h.context());
    assert.equal(r1.join.ok, false);
    const warnings = captured.entries().filter((e) => e.level === 40);
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]!.keyEnv, 'YOUTUBE_API_KEY');
  });

  test('a base URL with a trailing slash', async (t) => {
    const s = await api((res) => sendJson(res, 200, fixture('video-live.json')));
    t.after(() => s.close());
    await probe(video(`${s.url}/`), newHarness().context());
    assert.match(s.requests[0]!.url!, /^\/youtube\/v3\/videos\?/);
  });
});

describe('nextPacificMidnight (the YouTube quota reset)', () => {
  for (const [now, expected, why] of [
    ['2024-08-13T12:00:00Z', '2024-08-14T07:00:00Z', 'summer: midnight PDT is 07:00 UTC'],
    ['2024-01-15T12:00:00Z', '2024-01-16T08:00:00Z', 'winter: midnight PST is 08:00 UTC'],
    ['2024-01-15T07:30:00Z', '2024-01-15T08:00:00Z', 'late evening Pacific, already the next day in UTC'],
    ['2024-08-14T07:00:00Z', '2024-08-15T07:00:00Z', 'at midnight exactly: the next one'],
    ['2024-03-09T12:00:00Z', '2024-03-10T08:00:00Z', 'the day daylight time starts begins in PST'],
    ['2024-03-10T12:00:00Z', '2024-03-11T07:00:00Z', 'and the next day begins in PDT'],
    ['2024-11-02T12:00:00Z', '2024-11-03T07:00:00Z', 'the day daylight time ends begins in PDT'],
    ['2024-11-03T12:00:00Z', '2024-11-04T08:00:00Z', 'and the next day begins in PST'],
  ] as const) {
    test(`${now} → ${expected} (${why})`, () => {
      assert.equal(new Date(nextPacificMidnight(Date.parse(now))).toISOString(), new Date(expected).toISOString());
    });
  }
});
