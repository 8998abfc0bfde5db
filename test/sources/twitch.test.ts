import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { after, describe, test } from 'node:test';
import { probe, twitch, type TwitchConfig } from '../../src/sources/twitch.js';
import { captureLog, closedPort, harness, sendJson, serve, target, type Harness } from './helpers.js';

// The Helix API cannot be reached from here: a local server answers with its documented shapes
// (test/fixtures/twitch/), headers included.

const fixture = (name: string) => readFileSync(new URL(`../fixtures/twitch/${name}`, import.meta.url), 'utf8');
const CLIENT_ID = 'cl1ent-1d-VALUE-never-logged';
const TOKEN = 'app-t0ken-VALUE-never-logged';
const ENV = { TWITCH_CLIENT_ID: CLIENT_ID, TWITCH_TOKEN: TOKEN };

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

function channel(url: string, over: Partial<TwitchConfig> = {}) {
  return target<TwitchConfig>({ kind: 'twitch', login: 'afro', url, ...over });
}

function liveWith(over: Record<string, unknown>): string {
  const body = JSON.parse(fixture('streams-live.json')) as { data: Record<string, unknown>[] };
  body.data[0] = { ...body.data[0], ...over };
  return JSON.stringify(body);
}

describe('twitch probe', () => {
  test('the definition the registry takes', () => {
    assert.equal(twitch.kind, 'twitch');
    assert.equal(twitch.probe, probe);
  });

  test('live: state, viewer_count as listeners, started_at; Client-Id and bearer sent', async (t) => {
    const s = await api((res) => sendJson(res, 200, fixture('streams-live.json')));
    t.after(() => s.close());
    const r = await probe(channel(s.url), newHarness({ env: ENV }).context());
    assert.equal(r.state, 'live');
    assert.equal(r.listeners, 1490);
    assert.equal(r.startedAt, Date.parse('2024-08-13T00:05:41Z'));
    assert.equal(r.join.ok, true);
    assert.ok(r.join.bytes! > 0);
    assert.equal(r.extra, undefined);
    const req = s.requests[0]!;
    assert.equal(req.url, '/helix/streams?user_login=afro');
    assert.equal(req.headers['client-id'], CLIENT_ID);
    assert.equal(req.headers.authorization, `Bearer ${TOKEN}`);
  });

  test('offline: the channel is absent from data, so the join worked and nothing is on air', async (t) => {
    const s = await api((res) => sendJson(res, 200, fixture('streams-offline.json')));
    t.after(() => s.close());
    const r = await probe(channel(s.url), newHarness({ env: ENV }).context());
    assert.equal(r.state, 'offline');
    assert.equal(r.join.ok, true);
    assert.equal(r.join.error, undefined);
    assert.equal(r.listeners, undefined);
    assert.equal(r.startedAt, undefined);
  });

  test('logins match whatever their case; streams of other channels are not this one', async (t) => {
    const s = await api((res) => sendJson(res, 200, fixture('streams-live.json')));
    t.after(() => s.close());
    assert.equal((await probe(channel(s.url, { login: 'Afro' }), newHarness().context())).state, 'live');
    assert.equal((await probe(channel(s.url, { login: 'someone_else' }), newHarness().context())).state, 'offline');
  });

  test('type "" (Twitch\'s value on an error) is unknown, the raw value kept, the count still read', async (t) => {
    const s = await api((res) => sendJson(res, 200, liveWith({ type: '' })));
    t.after(() => s.close());
    const r = await probe(channel(s.url), newHarness().context());
    assert.equal(r.state, 'unknown');
    assert.equal(r.join.ok, true);
    assert.equal(r.listeners, 1490);
    assert.deepEqual(r.extra, { twitchType: '' });
  });

  test('viewer_count 0 is a count of zero', async (t) => {
    const s = await api((res) => sendJson(res, 200, liveWith({ viewer_count: 0 })));
    t.after(() => s.close());
    assert.equal((await probe(channel(s.url), newHarness().context())).listeners, 0);
  });

  test('401 → http_4xx; one warning with the hint and Twitch\'s reason, never the credentials', async (t) => {
    const s = await api((res) => sendJson(res, 401, fixture('unauthorized.json')));
    t.after(() => s.close());
    const captured = captureLog();
    const h = newHarness({ env: ENV, log: captured.log });
    const r = await probe(channel(s.url), h.context());
    await probe(channel(s.url), h.context());
    assert.deepEqual({ ok: r.join.ok, error: r.join.error, state: r.state }, { ok: false, error: 'http_4xx', state: 'unknown' });
    assert.deepEqual(r.extra, { status: 401 });
    const warnings = captured.entries().filter((e) => e.level === 40);
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]!.tokenEnv, 'TWITCH_TOKEN');
    assert.equal(warnings[0]!.clientIdEnv, 'TWITCH_CLIENT_ID');
    assert.equal(warnings[0]!.twitchMessage, 'Invalid OAuth token');
    assert.match(String(warnings[0]!.msg), /401.*app access token/);
    assert.ok(!captured.text().includes(TOKEN) && !captured.text().includes(CLIENT_ID));
  });

  test('a 401 after the credentials worked again warns again', async (t) => {
    const answers = ['unauthorized', 'live', 'unauthorized'];
    let n = 0;
    const s = await api((res) => {
      const a = answers[n++]!;
      if (a === 'live') sendJson(res, 200, fixture('streams-live.json'));
      else sendJson(res, 401, fixture('unauthorized.json'));
    });
    t.after(() => s.close());
    const captured = captureLog();
    const h = newHarness({ env: ENV, log: captured.log });
    for (let i = 0; i < answers.length; i++) await probe(channel(s.url), h.context());
    assert.equal(captured.entries().filter((e) => e.level === 40).length, 2);
  });

  test('429 → rate_limited, notBefore from Ratelimit-Reset (Unix seconds)', async (t) => {
    const reset = Math.floor(Date.now() / 1000) + 45;
    const s = await api((res) =>
      sendJson(res, 429, fixture('rate-limited.json'), { 'Ratelimit-Limit': '800', 'Ratelimit-Remaining': '0', 'Ratelimit-Reset': String(reset) }),
    );
    t.after(() => s.close());
    const r = await probe(channel(s.url), newHarness({ env: ENV }).context());
    assert.equal(r.join.error, 'rate_limited');
    assert.equal(r.notBefore, reset * 1000);
    assert.deepEqual(r.extra, { status: 429 });
  });

  for (const [status, code] of [
    [400, 'http_4xx'],
    [403, 'http_4xx'],
    [404, 'not_found'],
    [500, 'http_5xx'],
    [503, 'http_5xx'],
  ] as const) {
    test(`${status} → ${code}`, async (t) => {
      const s = await api((res) => sendJson(res, status, { error: 'x', status, message: 'x' }));
      t.after(() => s.close());
      const r = await probe(channel(s.url), newHarness({ env: ENV }).context());
      assert.equal(r.join.error, code);
      assert.equal(r.state, 'unknown');
      assert.deepEqual(r.extra, { status });
      assert.equal(r.notBefore, undefined);
    });
  }

  for (const [name, body] of [
    ['truncated JSON', fixture('streams-live.json').slice(0, 80)],
    ['not an object', '[]'],
    ['no data', '{"pagination":{}}'],
    ['data not an array', '{"data":{}}'],
    ['type not a string', liveWith({ type: 1 })],
    ['viewer_count a string', liveWith({ viewer_count: '1490' })],
    ['viewer_count negative', liveWith({ viewer_count: -3 })],
    ['viewer_count fractional', liveWith({ viewer_count: 1.5 })],
    ['started_at not a time', liveWith({ started_at: 'an hour ago' })],
  ] as const) {
    test(`${name} → invalid_payload`, async (t) => {
      const s = await api((res) => sendJson(res, 200, body));
      t.after(() => s.close());
      const r = await probe(channel(s.url), newHarness().context());
      assert.deepEqual({ ok: r.join.ok, error: r.join.error, state: r.state }, { ok: false, error: 'invalid_payload', state: 'unknown' });
    });
  }

  test('connection refused → connect_refused, as a result', async () => {
    const port = await closedPort();
    const r = await probe(channel(`http://127.0.0.1:${port}`), newHarness({ env: ENV }).context());
    assert.equal(r.join.error, 'connect_refused');
    assert.equal(r.state, 'unknown');
  });

  test('the credentials never reach the logs, even from a server that echoes them back', async (t) => {
    const echo = (req: IncomingMessage) => `${String(req.headers.authorization)} ${String(req.headers['client-id'])}`;
    const answers = [
      (res: ServerResponse) => sendJson(res, 200, fixture('streams-live.json')),
      (res: ServerResponse, req: IncomingMessage) => sendJson(res, 401, { error: 'Unauthorized', status: 401, message: `bad token: ${echo(req)}` }),
      (res: ServerResponse, req: IncomingMessage) => sendJson(res, 200, `{"data": ${echo(req)}`),
      (res: ServerResponse) => sendJson(res, 429, fixture('rate-limited.json'), { 'Ratelimit-Reset': String(Math.floor(Date.now() / 1000) + 5) }),
      (res: ServerResponse) => sendJson(res, 503, '<html>down</html>'),
      (res: ServerResponse) => sendJson(res, 200, fixture('streams-offline.json')),
    ];
    let n = 0;
    const s = await api((res, req) => answers[n++ % answers.length]!(res, req));
    t.after(() => s.close());
    const captured = captureLog();
    const h = newHarness({ env: ENV, log: captured.log });
    for (let i = 0; i < answers.length; i++) await probe(channel(s.url), h.context());
    await probe(channel(`http://127.0.0.1:${await closedPort()}`), h.context());
    assert.ok(captured.entries().length >= answers.length - 2, 'failures were logged');
    assert.ok(captured.text().includes('[redacted]'), 'the echoed credentials were redacted');
    assert.ok(!captured.text().includes(TOKEN), 'the token appears in the logs');
    assert.ok(!captured.text().includes(CLIENT_ID), 'the client ID appears in the logs');
  });

  test('reads the credentials from clientIdEnv and tokenEnv when set', async (t) => {
    const s = await api((res) => sendJson(res, 200, fixture('streams-live.json')));
    t.after(() => s.close());
    const env = { ...ENV, MY_ID: 'other-id', MY_TOKEN: 'other-token' };
    await probe(channel(s.url, { clientIdEnv: 'MY_ID', tokenEnv: 'MY_TOKEN' }), newHarness({ env }).context());
    assert.equal(s.requests[0]!.headers['client-id'], 'other-id');
    assert.equal(s.requests[0]!.headers.authorization, 'Bearer other-token');
  });

  test('without credentials a local stand-in is probed anyway, without headers or a warning', async (t) => {
    const s = await api((res) => sendJson(res, 200, fixture('streams-live.json')));
    t.after(() => s.close());
    const captured = captureLog();
    const h = newHarness({ log: captured.log });
    const r = await probe(channel(s.url), h.context());
    assert.equal(r.state, 'live');
    assert.equal(s.requests[0]!.headers['client-id'], undefined);
    assert.equal(s.requests[0]!.headers.authorization, undefined);
    assert.equal(captured.entries().filter((e) => e.level === 40).length, 0);
  });

  test('without credentials, a remote API gets one warning per target naming the missing variables', async () => {
    const captured = captureLog();
    const h = newHarness({ env: { TWITCH_CLIENT_ID: CLIENT_ID }, log: captured.log });
    // .invalid never resolves (RFC 2606): the probe fails fast, after deciding whether to warn.
    const remote = channel('http://twitch-api.invalid');
    const r1 = await probe(remote, h.context());
    await probe(remote, h.context());
    assert.equal(r1.join.ok, false);
    const warnings = captured.entries().filter((e) => e.level === 40);
    assert.equal(warnings.length, 1);
    assert.deepEqual(warnings[0]!.missing, ['TWITCH_TOKEN']);
    assert.ok(!captured.text().includes(CLIENT_ID));
  });

  test('a base URL with a trailing slash', async (t) => {
    const s = await api((res) => sendJson(res, 200, fixture('streams-offline.json')));
    t.after(() => s.close());
    await probe(channel(`${s.url}/`), newHarness().context());
    assert.equal(s.requests[0]!.url, '/helix/streams?user_login=afro');
  });
});
