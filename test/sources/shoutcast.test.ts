import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { probe, shoutcast, shoutcastStats, type ShoutcastConfig } from '../../src/sources/shoutcast.js';
import { joinStream } from '../../src/sources/stream-join.js';
import { closedPort, harness, sendJson, serve, target, type TestServer } from './helpers.js';

// SHOUTcast's DNAS cannot run here (no Debian package, a proprietary binary), so a local server
// answers /stats in DNAS 2's documented JSON shape and streams bytes on the stream path.

const FIXTURE = JSON.parse(readFileSync(new URL('../fixtures/shoutcast/stats.json', import.meta.url), 'utf8')) as Record<string, unknown>;

/** Streams `chunk`-byte pieces every `everyMs` until the client leaves; records when the client hung up. */
function stream(req: IncomingMessage, res: ServerResponse, hangups: number[], chunk = 1024, everyMs = 5): void {
  res.writeHead(200, { 'content-type': 'audio/mpeg' });
  const timer = setInterval(() => res.write(Buffer.alloc(chunk, 0xff)), everyMs);
  req.socket.on('close', () => {
    clearInterval(timer);
    hangups.push(Date.now());
  });
}

describe('shoutcast stats parsing (/stats?sid=N&json=1)', () => {
  test('the DNAS 2 fixture', () => {
    assert.deepEqual(shoutcastStats(FIXTURE), { live: true, listeners: 412, peakListeners: 530, streamPath: '/stream' });
  });

  for (const [name, payload] of [
    ['streamstatus missing', { ...FIXTURE, streamstatus: undefined }],
    ['streamstatus not 0 or 1', { ...FIXTURE, streamstatus: 2 }],
    ['currentlisteners missing', { ...FIXTURE, currentlisteners: undefined }],
    ['currentlisteners negative', { ...FIXTURE, currentlisteners: -1 }],
    ['an array', [FIXTURE]],
    ['null', null],
  ] as const) {
    test(`${name} → invalid_payload`, () => assert.throws(() => shoutcastStats(payload), { code: 'invalid_payload' }));
  }

  test('a streampath that is not a path is ignored', () => {
    assert.equal(shoutcastStats({ ...FIXTURE, streampath: 'http://elsewhere/x' }).streamPath, undefined);
  });
});

describe('shoutcast config', () => {
  test('the schema names the source kind; sid, streamPath, join are optional', () => {
    const schema = shoutcast.configSchema as unknown as { properties: Record<string, { const?: string }>; required: string[] };
    assert.equal(schema.properties.kind!.const, 'shoutcast');
    assert.deepEqual(schema.required.sort(), ['kind', 'url']);
  });
});

describe('shoutcast probe against a DNAS-2-shaped server', () => {
  const h = harness();
  const hangups: number[] = [];
  // What /stats answers: an object (sent as JSON), a raw string, or an HTTP status.
  let stats: Record<string, unknown> | string | number = FIXTURE;
  let s: TestServer;
  before(async () => {
    s = await serve((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/stats') {
        if (typeof stats === 'number') return sendJson(res, stats, {});
        return sendJson(res, 200, stats);
      }
      if (url.pathname === '/stream' || url.pathname === '/stream/2/' || url.pathname === '/custom') return stream(req, res, hangups);
      res.writeHead(404).end();
    });
  });
  after(async () => {
    await s?.close();
    await h.close();
  });
  const cfg = (over: Partial<ShoutcastConfig> = {}) => target<ShoutcastConfig>({ kind: 'shoutcast', url: s.url, ...over });
  const paths = () => s.requests.map((r) => r.url);

  test('live: listeners, peak, and a join on the streampath the server reports', async () => {
    stats = FIXTURE;
    s.requests.length = 0;
    const r = await probe(cfg({ joinBytes: 4096 }), h.context());
    assert.deepEqual([r.state, r.listeners, r.extra], ['live', 412, { peakListeners: 530 }]);
    assert.deepEqual([r.join.ok, r.join.bytes], [true, 4096]);
    assert.ok(r.join.ms > 0);
    assert.deepEqual(paths(), ['/stats?sid=1&json=1', '/stream']);
  });

  test('sid picks the stream; a configured streamPath wins over the reported one', async () => {
    stats = { ...FIXTURE, streampath: '/stream/2/' };
    s.requests.length = 0;
    assert.equal((await probe(cfg({ sid: 2, joinBytes: 1000 }), h.context())).join.ok, true);
    assert.equal((await probe(cfg({ sid: 2, streamPath: '/custom', joinBytes: 1000 }), h.context())).join.ok, true);
    assert.deepEqual(paths(), ['/stats?sid=2&json=1', '/stream/2/', '/stats?sid=2&json=1', '/custom']);
  });

  test('no streampath reported or configured → the DNAS default /stream/<sid>/', async () => {
    stats = { ...FIXTURE, streampath: undefined };
    s.requests.length = 0;
    const r = await probe(cfg({ sid: 2, joinBytes: 1000 }), h.context());
    assert.deepEqual([r.state, r.join.ok], ['live', true]);
    assert.deepEqual(paths(), ['/stats?sid=2&json=1', '/stream/2/']);
  });

  test('offline (streamstatus 0) → offline, no_source, and no join attempted', async () => {
    stats = { ...FIXTURE, streamstatus: 0, currentlisteners: 0 };
    s.requests.length = 0;
    const r = await probe(cfg(), h.context());
    assert.deepEqual([r.state, r.listeners, r.join.ok, r.join.error], ['offline', 0, false, 'no_source']);
    assert.deepEqual(paths(), ['/stats?sid=1&json=1']);
  });

  test('join off: the stats read is the join', async () => {
    stats = FIXTURE;
    s.requests.length = 0;
    const r = await probe(cfg({ join: false }), h.context());
    assert.deepEqual([r.state, r.listeners, r.join.ok], ['live', 412, true]);
    assert.deepEqual(paths(), ['/stats?sid=1&json=1']);
  });

  test('a missing field or invalid JSON → invalid_payload, state unknown, no guessed join', async () => {
    for (const body of [{ ...FIXTURE, streamstatus: undefined }, { ...FIXTURE, currentlisteners: undefined }, '<html>DNAS 1</html>', '{"currentlisteners":']) {
      stats = body;
      s.requests.length = 0;
      const r = await probe(cfg(), h.context());
      assert.deepEqual([r.state, r.join.ok, r.join.error, r.listeners], ['unknown', false, 'invalid_payload', undefined], JSON.stringify(body));
      assert.deepEqual(paths(), ['/stats?sid=1&json=1']);
    }
  });

  test('stats unreadable but a streamPath is configured → the join decides', async () => {
    stats = 500;
    const r = await probe(cfg({ streamPath: '/custom', joinBytes: 1000 }), h.context());
    assert.deepEqual([r.state, r.listeners, r.join.ok, r.extra], ['live', undefined, true, { statusError: 'http_5xx' }]);
    const gone = await probe(cfg({ streamPath: '/nothing' }), h.context());
    assert.deepEqual([gone.state, gone.join.error, gone.extra], ['offline', 'no_source', { statusError: 'http_5xx' }]);
  });

  test('stats 404 → not_found; nothing listening → connect_refused', async () => {
    stats = 404;
    assert.equal((await probe(cfg(), h.context())).join.error, 'not_found');
    const port = await closedPort();
    const r = await probe(target<ShoutcastConfig>({ kind: 'shoutcast', url: `http://127.0.0.1:${port}`, streamPath: '/stream' }), h.context());
    assert.deepEqual([r.state, r.join.error], ['unknown', 'connect_refused']);
  });
});

describe('joinStream (shared by icecast and shoutcast) against hostile and broken mounts', () => {
  const h = harness();
  const hangups: number[] = [];
  let s: TestServer;
  before(async () => {
    s = await serve((req, res) => {
      switch (req.url) {
        case '/endless':
          return stream(req, res, hangups);
        case '/trickle':
          // 100 bytes every 50 ms: far slower than the join wants, but audio keeps coming.
          return stream(req, res, hangups, 100, 50);
        case '/silent':
          // Accepts the listener, never sends audio.
          res.writeHead(200, { 'content-type': 'audio/mpeg' });
          res.flushHeaders();
          return;
        case '/no-headers':
          return;
        case '/short':
          res.writeHead(200, { 'content-type': 'audio/mpeg' });
          return res.end(Buffer.alloc(500, 1));
        case '/empty':
          res.writeHead(200, { 'content-type': 'audio/mpeg' });
          return res.end();
        case '/html':
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
          return res.end('<html>please log in</html>');
        case '/reset':
          res.writeHead(200, { 'content-type': 'audio/mpeg' });
          res.write(Buffer.alloc(100, 1));
          setTimeout(() => req.socket.destroy(), 20);
          return;
        case '/moved':
          res.writeHead(302, { location: '/endless' }).end();
          return;
        case '/loop':
          res.writeHead(302, { location: '/loop' }).end();
          return;
        case '/gone':
          res.writeHead(410).end();
          return;
        case '/forbidden':
          res.writeHead(403).end();
          return;
        case '/error':
          res.writeHead(503).end();
          return;
        default:
          res.writeHead(404).end();
      }
    });
  });
  after(async () => {
    await s?.close();
    await h.close();
  });
  const join = (path: string, bytes = 4096, timeoutMs = 2_000) => joinStream(`${s.url}${path}`, h.context({ timeoutMs }), { bytes });

  test('an endless stream is not an error: read `bytes`, then hang up at once', async () => {
    const before = hangups.length;
    const chunks: Buffer[] = [];
    const started = Date.now();
    const j = await joinStream(`${s.url}/endless`, h.context(), { bytes: 5000, onAudio: (c) => chunks.push(c) });
    assert.deepEqual([j.ok, j.bytes, j.error, j.status, j.contentType], [true, 5000, undefined, 200, 'audio/mpeg']);
    assert.equal(Buffer.concat(chunks).length, 5000);
    assert.ok(j.ms > 0 && j.ms < 1_000);
    // The server sees the connection close right away, not at the probe's timeout.
    while (hangups.length === before) await new Promise((r) => setTimeout(r, 5));
    assert.ok(hangups.at(-1)! - started < 1_000);
  });

  test('onAudio returning false hangs up early: a successful join', async () => {
    let calls = 0;
    const j = await joinStream(`${s.url}/endless`, h.context(), { bytes: 100_000, onAudio: () => ++calls < 2 });
    assert.deepEqual([j.ok, calls], [true, 2]);
    assert.ok(j.bytes! > 0 && j.bytes! < 100_000);
  });

  test('an exception from onAudio is rethrown, and the connection is closed all the same', async () => {
    const before = hangups.length;
    await assert.rejects(
      joinStream(`${s.url}/endless`, h.context(), {
        bytes: 100_000,
        onAudio: () => {
          throw new Error('decoder broke');
        },
      }),
      /decoder broke/,
    );
    while (hangups.length === before) await new Promise((r) => setTimeout(r, 5));
  });

  test('never reads past ctx.maxBytes', async () => {
    const j = await joinStream(`${s.url}/endless`, h.context({ maxBytes: 1500 }), { bytes: 100_000 });
    assert.deepEqual([j.ok, j.bytes], [true, 1500]);
  });

  test('audio slower than the budget: still a join, with the bytes that arrived', async () => {
    const j = await join('/trickle', 1_000_000, 400);
    assert.equal(j.ok, true);
    assert.ok(j.bytes! > 0 && j.bytes! < 1_000_000, `bytes ${j.bytes}`);
  });

  const cases: [string, string, number?][] = [
    ['/silent', 'stalled'],
    ['/no-headers', 'timeout'],
    ['/short', 'ended', 500],
    ['/empty', 'no_source'],
    ['/html', 'invalid_payload'],
    ['/reset', 'http_5xx', 100],
    ['/loop', 'invalid_payload'],
    ['/missing', 'no_source'],
    ['/gone', 'no_source'],
    ['/forbidden', 'http_4xx'],
    ['/error', 'http_5xx'],
  ];
  for (const [path, code, bytes = 0] of cases) {
    test(`${path} → ${code}`, async () => {
      const j = await join(path, 4096, 400);
      assert.deepEqual([j.ok, j.error, j.bytes], [false, code, bytes]);
      assert.ok(j.ms >= 0);
    });
  }

  test('a redirect is followed, and the time to first byte includes it', async () => {
    const j = await join('/moved', 1000);
    assert.deepEqual([j.ok, j.bytes, j.status], [true, 1000, 200]);
  });

  test('nothing listening → connect_refused', async () => {
    const port = await closedPort();
    const j = await joinStream(`http://127.0.0.1:${port}/stream`, h.context(), { bytes: 10 });
    assert.deepEqual([j.ok, j.error], [false, 'connect_refused']);
  });
});
