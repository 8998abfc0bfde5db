import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { errors } from 'undici';
import { classifyError, classifyStatus, MAX_BACKOFF_MS, parseJson, ProbeFailure, rateLimitNotBefore, request } from '../../src/sources/http.js';
import { closedPort, harness, serve, type TestServer } from './helpers.js';

const h = harness();
after(() => h.close());

async function failureOf(p: Promise<unknown>): Promise<ProbeFailure> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ProbeFailure, `expected a ProbeFailure, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the request to fail');
}

describe('request', () => {
  test('answers status, headers, body, bytes and time to headers', async (t) => {
    const s = await serve((_req, res) => res.writeHead(200, { 'x-a': '1' }).end('hello'));
    t.after(() => s.close());
    const res = await request(`${s.url}/x`, { ctx: h.context(), accept: 'text/plain' });
    assert.equal(res.status, 200);
    assert.equal(res.headers['x-a'], '1');
    assert.equal(res.body.toString(), 'hello');
    assert.equal(res.bytes, 5);
    assert.ok(res.ms >= 0);
    assert.equal(s.requests[0]!.headers.accept, 'text/plain');
    assert.match(s.requests[0]!.headers['user-agent'] ?? '', /spacewatch/);
  });

  test('answers non-2xx statuses instead of throwing: the caller decides what they mean', async (t) => {
    const s = await serve((_req, res) => res.writeHead(404).end('gone'));
    t.after(() => s.close());
    const res = await request(s.url, { ctx: h.context() });
    assert.equal(res.status, 404);
    assert.equal(res.body.toString(), 'gone');
  });

  test('follows redirects, keeping credentials on the same origin and dropping them across origins', async (t) => {
    const other = await serve((_req, res) => res.writeHead(200).end('there'));
    const s = await serve((req, res) => {
      if (req.url === '/a') return res.writeHead(302, { location: '/b' }).end();
      if (req.url === '/b') return res.writeHead(307, { location: `${other.url}/c` }).end();
      res.writeHead(500).end();
    });
    t.after(() => Promise.all([s.close(), other.close()]));
    const res = await request(`${s.url}/a`, { ctx: h.context(), headers: { Authorization: 'Bearer tok' } });
    assert.equal(res.body.toString(), 'there');
    assert.equal(res.url, `${other.url}/c`);
    assert.equal(s.requests[1]!.headers.authorization, 'Bearer tok');
    assert.equal(other.requests[0]!.headers.authorization, undefined);
  });

  test('gives up after 5 redirects', async (t) => {
    const s = await serve((_req, res) => res.writeHead(302, { location: '/again' }).end());
    t.after(() => s.close());
    const f = await failureOf(request(s.url, { ctx: h.context() }));
    assert.equal(f.code, 'invalid_payload');
    assert.equal(s.requests.length, 6);
  });

  test('with maxRedirects 0 the redirect itself is the answer', async (t) => {
    const s = await serve((_req, res) => res.writeHead(301, { location: '/x' }).end());
    t.after(() => s.close());
    const res = await request(s.url, { ctx: h.context(), maxRedirects: 0 });
    assert.equal(res.status, 301);
  });

  test('stops reading a chunked body as soon as it passes maxBytes', async (t) => {
    const chunk = Buffer.alloc(64 * 1024, 'a');
    const total = 256 * 1024 * 1024;
    let written = 0;
    let closed!: () => void;
    const serverDone = new Promise<void>((r) => (closed = r));
    const s = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const pump = () => {
        while (written < total) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.on('close', closed);
      pump();
    });
    t.after(() => s.close());
    const maxBytes = 100 * 1024;
    const f = await failureOf(request(s.url, { ctx: h.context(), maxBytes }));
    assert.equal(f.code, 'body_too_large');
    assert.ok(f.bytes! > maxBytes && f.bytes! <= maxBytes + chunk.length * 2, `read ${f.bytes} bytes`);
    await serverDone;
    // The connection was closed under the server: it got nowhere near writing the whole body.
    assert.ok(written < total / 8, `server wrote ${written} of ${total} bytes`);
  });

  test('rejects a declared Content-Length over maxBytes before reading any of it', async (t) => {
    const s = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': String(10 * 1024 * 1024) });
      res.write(Buffer.alloc(1024));
    });
    t.after(() => s.close());
    const f = await failureOf(request(s.url, { ctx: h.context(), maxBytes: 4096 }));
    assert.equal(f.code, 'body_too_large');
    assert.equal(f.bytes, 0);
  });

  test('connection refused → connect_refused', async () => {
    const port = await closedPort();
    const f = await failureOf(request(`http://127.0.0.1:${port}/`, { ctx: h.context() }));
    assert.equal(f.code, 'connect_refused');
  });

  test('headers that never come → timeout, within the budget', async (t) => {
    const s = await serve(() => undefined);
    t.after(() => s.close());
    const started = performance.now();
    const f = await failureOf(request(s.url, { ctx: h.context({ timeoutMs: 200 }) }));
    assert.equal(f.code, 'timeout');
    assert.ok(performance.now() - started < 1_000);
  });

  test('a body that stalls → timeout, with the bytes read so far', async (t) => {
    const s = await serve((_req, res) => {
      res.writeHead(200);
      res.write('partial');
    });
    t.after(() => s.close());
    const f = await failureOf(request(s.url, { ctx: h.context({ timeoutMs: 200 }) }));
    assert.equal(f.code, 'timeout');
    assert.equal(f.bytes, 7);
  });

  test('TLS spoken to a plain HTTP server → tls', async (t) => {
    const s = await serve((_req, res) => res.end('plain'));
    t.after(() => s.close());
    const f = await failureOf(request(s.url.replace('http:', 'https:'), { ctx: h.context() }));
    assert.equal(f.code, 'tls');
  });

  test('a name that cannot resolve → dns (RFC 6761: .invalid never resolves)', async () => {
    const f = await failureOf(request('http://spacewatch-test.invalid/', { ctx: h.context({ timeoutMs: 5_000 }) }));
    assert.equal(f.code, 'dns');
  });

  test('a connection dropped before the answer → http_5xx (what a proxy would call 502)', async (t) => {
    const s: TestServer = await serve((req) => req.socket.destroy());
    t.after(() => s.close());
    const f = await failureOf(request(s.url, { ctx: h.context() }));
    assert.equal(f.code, 'http_5xx');
  });
});

describe('classifyError', () => {
  const sys = (code: string) => Object.assign(new Error(code), { code });
  const cases: [string, unknown, string][] = [
    ['ENOTFOUND', sys('ENOTFOUND'), 'dns'],
    ['EAI_AGAIN', sys('EAI_AGAIN'), 'dns'],
    ['ECONNREFUSED', sys('ECONNREFUSED'), 'connect_refused'],
    ['happy-eyeballs AggregateError', new AggregateError([sys('ECONNREFUSED'), sys('ECONNREFUSED')]), 'connect_refused'],
    ['undici ConnectTimeoutError', new errors.ConnectTimeoutError(), 'connect_timeout'],
    ['undici HeadersTimeoutError', new errors.HeadersTimeoutError(), 'timeout'],
    ['undici BodyTimeoutError', new errors.BodyTimeoutError(), 'timeout'],
    ['undici RequestAbortedError', new errors.RequestAbortedError(), 'timeout'],
    ['AbortSignal.timeout reason', new DOMException('timed out', 'TimeoutError'), 'timeout'],
    ['abort reason', new DOMException('aborted', 'AbortError'), 'timeout'],
    ['certificate name mismatch', sys('ERR_TLS_CERT_ALTNAME_INVALID'), 'tls'],
    ['self-signed certificate', sys('DEPTH_ZERO_SELF_SIGNED_CERT'), 'tls'],
    ['expired certificate', sys('CERT_HAS_EXPIRED'), 'tls'],
    ['OpenSSL record error', sys('ERR_SSL_WRONG_VERSION_NUMBER'), 'tls'],
    ['cause chain', new Error('fetch failed', { cause: sys('ENOTFOUND') }), 'dns'],
    ['undici SocketError', new errors.SocketError('other side closed'), 'http_5xx'],
    ['ECONNRESET', sys('ECONNRESET'), 'http_5xx'],
    ['HTTP parser error', sys('HPE_INVALID_CONSTANT'), 'invalid_payload'],
    ['ResponseExceededMaxSizeError', new errors.ResponseExceededMaxSizeError(), 'body_too_large'],
    ['ProbeFailure keeps its code', new ProbeFailure('stalled', 'x'), 'stalled'],
    ['anything else', new Error('odd'), 'http_5xx'],
  ];
  for (const [name, err, code] of cases) test(`${name} → ${code}`, () => assert.equal(classifyError(err), code));
});

describe('classifyStatus', () => {
  const cases: [number, string | undefined][] = [
    [200, undefined],
    [204, undefined],
    [404, 'not_found'],
    [410, 'not_found'],
    [429, 'rate_limited'],
    [400, 'http_4xx'],
    [401, 'http_4xx'],
    [403, 'http_4xx'],
    [500, 'http_5xx'],
    [503, 'http_5xx'],
    [304, 'invalid_payload'],
  ];
  for (const [status, code] of cases) test(`${status} → ${code ?? 'ok'}`, () => assert.equal(classifyStatus(status), code));
});

describe('parseJson', () => {
  test('parses', () => assert.deepEqual(parseJson(Buffer.from('{"a":1}')), { a: 1 }));
  test('malformed JSON is an invalid_payload failure', () => {
    assert.throws(() => parseJson(Buffer.from('{"a":')), (err) => err instanceof ProbeFailure && err.code === 'invalid_payload');
  });
});

describe('rateLimitNotBefore', () => {
  const now = Date.parse('2024-08-13T00:00:00Z');
  test('reset header in Unix seconds', () => {
    assert.equal(rateLimitNotBefore({ 'x-rate-limit-reset': String(now / 1000 + 90) }, now, 'x-rate-limit-reset'), now + 90_000);
  });
  test('Retry-After in seconds', () => assert.equal(rateLimitNotBefore({ 'retry-after': '30' }, now), now + 30_000));
  test('Retry-After as an HTTP-date', () => {
    assert.equal(rateLimitNotBefore({ 'retry-after': new Date(now + 60_000).toUTCString() }, now), now + 60_000);
  });
  test('a reset in the past or a header that is not a time gives nothing', () => {
    assert.equal(rateLimitNotBefore({ 'x-rate-limit-reset': String(now / 1000 - 5) }, now, 'x-rate-limit-reset'), undefined);
    assert.equal(rateLimitNotBefore({ 'retry-after': 'soon' }, now), undefined);
    assert.equal(rateLimitNotBefore({}, now), undefined);
  });
  test('a far-off reset is capped', () => {
    assert.equal(rateLimitNotBefore({ 'x-rate-limit-reset': String(now / 1000 + 86_400 * 30) }, now, 'x-rate-limit-reset'), now + MAX_BACKOFF_MS);
  });
});
