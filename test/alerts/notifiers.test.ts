import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { Agent } from 'undici';
import { alertmanager, alertsEndpoint } from '../../src/alerts/notifiers/alertmanager.js';
import { NotifyError, parseRetryAfter, postJson, redactUrl } from '../../src/alerts/notifiers/http.js';
import { createNotifiers, notifierNames } from '../../src/alerts/notifiers/index.js';
import type { Notifier, NotifierDeps } from '../../src/alerts/notifiers/notifier.js';
import { slack } from '../../src/alerts/notifiers/slack.js';
import { webhook } from '../../src/alerts/notifiers/webhook.js';
import type { Alert, Transition } from '../../src/alerts/types.js';

// Each notifier against a real HTTP receiver on port 0: what arrives is what a real receiver gets.

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

type Handler = (req: IncomingMessage, res: ServerResponse, n: number) => void;

async function receiver(handler: Handler = (_req, res) => res.end('ok')) {
  const requests: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks) });
      handler(req, res, requests.length);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const T0 = Date.parse('2024-08-13T00:00:00Z');
const alert = (over: Partial<Alert> = {}): Alert => ({
  targetId: 'big-space',
  rule: 'join_failures',
  state: 'firing',
  activeAt: T0,
  firedAt: T0 + 60_000,
  condition: { rule: 'join_failures', active: true, value: 0.62, threshold: 0.5, summary: 'join failures 62 % over 1 m (31/50 attempts)', details: { attempts: 50, failed: 31 } },
  ...over,
});
const firing: Transition = { alert: alert(), from: 'pending', to: 'firing' };
const resolved: Transition = {
  alert: alert({ state: 'resolved', resolvedAt: T0 + 780_000, condition: { rule: 'join_failures', active: false, value: 0.1, threshold: 0.5, summary: 'join failures 10 % over 1 m (5/50 attempts)' } }),
  from: 'firing',
  to: 'resolved',
};

const pool = new Agent({ keepAliveTimeout: 1_000 });
const deps: NotifierDeps = { dispatcher: pool, log: pino({ level: 'silent' }), now: () => T0 + 61_234 };
const ctx = (publicUrl?: string) => ({ signal: AbortSignal.timeout(5_000), publicUrl });
const json = (r: Received) => JSON.parse(r.body.toString('utf8'));

after(() => pool.close());

describe('webhook', () => {
  const SECRET = 'a-webhook-secret-of-some-length';
  let rx: Awaited<ReturnType<typeof receiver>>;
  before(async () => (rx = await receiver()));
  after(() => rx.close());

  test('POSTs the version-1 body', async () => {
    const n = webhook.create({ kind: 'webhook', name: 'hook', url: `${rx.url}/hook?token=abc` }, deps);
    await n.send(firing, ctx('https://sw.example.com/'));
    const r = rx.requests.at(-1)!;
    assert.equal(r.method, 'POST');
    assert.equal(r.url, '/hook?token=abc');
    assert.equal(r.headers['content-type'], 'application/json');
    assert.equal(r.headers['user-agent'], 'spacewatch');
    assert.deepEqual(json(r), {
      version: 1,
      id: `big-space/join_failures/${T0}`,
      target: 'big-space',
      rule: 'join_failures',
      state: 'firing',
      from: 'pending',
      activeAt: '2024-08-13T00:00:00.000Z',
      firedAt: '2024-08-13T00:01:00.000Z',
      summary: 'join failures 62 % over 1 m (31/50 attempts)',
      value: 0.62,
      threshold: 0.5,
      details: { attempts: 50, failed: 31 },
      url: 'https://sw.example.com/targets/big-space',
    });
    assert.equal(r.headers['x-spacewatch-signature'], undefined, 'unsigned without a secret');
    assert.equal(r.headers['x-spacewatch-timestamp'], undefined);
  });

  test('resolved carries resolvedAt; no publicUrl gives url null', async () => {
    const n = webhook.create({ kind: 'webhook', name: 'hook', url: rx.url }, deps);
    await n.send(resolved, ctx());
    const body = json(rx.requests.at(-1)!);
    assert.equal(body.state, 'resolved');
    assert.equal(body.from, 'firing');
    assert.equal(body.resolvedAt, '2024-08-13T00:13:00.000Z');
    assert.equal(body.url, null);
    assert.deepEqual(body.details, {});
  });

  test('signature verifies independently over `<timestamp>.<exact body bytes>`', async () => {
    const n = webhook.create({ kind: 'webhook', name: 'hook', url: rx.url, secret: SECRET }, deps);
    await n.send(firing, ctx());
    const r = rx.requests.at(-1)!;
    const ts = r.headers['x-spacewatch-timestamp'] as string;
    assert.equal(ts, String(Math.floor((T0 + 61_234) / 1000)));
    const header = r.headers['x-spacewatch-signature'] as string;
    assert.match(header, /^sha256=[0-9a-f]{64}$/);
    // What a receiver does: HMAC the raw bytes it read (never a re-serialised parse), compare in constant time.
    const expected = createHmac('sha256', SECRET).update(Buffer.concat([Buffer.from(`${ts}.`), r.body])).digest();
    assert.ok(timingSafeEqual(Buffer.from(header.slice('sha256='.length), 'hex'), expected));
    // Tampering with the timestamp or the body breaks it.
    const replayed = createHmac('sha256', SECRET).update(`${Number(ts) + 600}.`).update(r.body).digest();
    assert.ok(!timingSafeEqual(Buffer.from(header.slice(7), 'hex'), replayed));
  });

  test('configured headers are sent but cannot replace content-type or the signature', async () => {
    const n = webhook.create(
      {
        kind: 'webhook',
        name: 'hook',
        url: rx.url,
        secret: SECRET,
        headers: { Authorization: 'Bearer t0ken', 'Content-Type': 'text/plain', 'X-Spacewatch-Signature': 'sha256=forged' },
      },
      deps,
    );
    await n.send(firing, ctx());
    const r = rx.requests.at(-1)!;
    assert.equal(r.headers.authorization, 'Bearer t0ken');
    assert.equal(r.headers['content-type'], 'application/json');
    assert.notEqual(r.headers['x-spacewatch-signature'], 'sha256=forged');
  });

  test('endpoint is the origin only', () => {
    const n = webhook.create({ kind: 'webhook', name: 'hook', url: 'https://hooks.example.com/p/SECRET?token=x' }, deps);
    assert.equal(n.endpoint, 'https://hooks.example.com');
  });
});

describe('slack', () => {
  let rx: Awaited<ReturnType<typeof receiver>>;
  before(async () => (rx = await receiver()));
  after(() => rx.close());

  test('incoming-webhook JSON: text fallback and a compact block', async () => {
    const n = slack.create({ kind: 'slack', name: 'slack', url: `${rx.url}/services/T000/B000/XXXX` }, deps);
    await n.send(firing, ctx('https://sw.example.com'));
    const r = rx.requests.at(-1)!;
    assert.equal(r.url, '/services/T000/B000/XXXX');
    assert.equal(r.headers['content-type'], 'application/json');
    const body = json(r);
    assert.deepEqual(Object.keys(body).sort(), ['blocks', 'text']);
    assert.equal(body.text, ':rotating_light: FIRING: join_failures on big-space — join failures 62 % over 1 m (31/50 attempts)');
    assert.equal(body.blocks.length, 2);
    assert.deepEqual(body.blocks[0], {
      type: 'section',
      text: { type: 'mrkdwn', text: ':rotating_light: *FIRING* · *join_failures* · `big-space`\njoin failures 62 % over 1 m (31/50 attempts)' },
    });
    assert.equal(body.blocks[1].type, 'context');
    const context: string = body.blocks[1].elements[0].text;
    assert.equal(body.blocks[1].elements[0].type, 'mrkdwn');
    assert.match(context, /^since <!date\^1723507260\^\{date_short_pretty\} \{time_secs\}\|2024-08-13T00:01:00.000Z>/);
    assert.match(context, /value 0\.62, threshold 0\.5; attempts=50, failed=31/);
    assert.match(context, /<https:\/\/sw\.example\.com\/targets\/big-space\|Open in spacewatch>$/);
  });

  test('resolved: check mark, how long it fired, no link without publicUrl', async () => {
    const n = slack.create({ kind: 'slack', name: 'slack', url: rx.url }, deps);
    await n.send(resolved, ctx());
    const body = json(rx.requests.at(-1)!);
    assert.match(body.text, /^:white_check_mark: RESOLVED: join_failures on big-space — join failures 10 %/);
    const context: string = body.blocks[1].elements[0].text;
    assert.match(context, /^resolved <!date\^1723507980\^.*> after 12m 0s · value 0\.1, threshold 0\.5$/);
    assert.doesNotMatch(context, /Open in spacewatch/);
  });

  test('text from detectors is escaped: no <!channel> pings, no forged links', async () => {
    const n = slack.create({ kind: 'slack', name: 'slack', url: rx.url }, deps);
    const evil = alert({ condition: { ...alert().condition, summary: 'drop <!channel> & <https://evil|click>' } });
    await n.send({ alert: evil, from: 'pending', to: 'firing' }, ctx());
    const body = json(rx.requests.at(-1)!);
    assert.match(body.blocks[0].text.text, /drop &lt;!channel&gt; &amp; &lt;https:\/\/evil\|click&gt;$/);
    assert.doesNotMatch(body.text, /<!channel>/);
  });
});

describe('alertmanager', () => {
  let rx: Awaited<ReturnType<typeof receiver>>;
  before(async () => (rx = await receiver()));
  after(() => rx.close());

  test('POSTs a v2 postableAlert array to <url>/api/v2/alerts', async () => {
    const n = alertmanager.create({ kind: 'alertmanager', name: 'am', url: `${rx.url}/` }, deps);
    assert.equal(n.repeatIntervalMs, 60_000, 'default re-send interval');
    await n.send(firing, ctx('https://sw.example.com'));
    const r = rx.requests.at(-1)!;
    assert.equal(r.url, '/api/v2/alerts');
    assert.equal(r.headers['content-type'], 'application/json');
    assert.deepEqual(json(r), [
      {
        labels: { alertname: 'spacewatch_join_failures', target: 'big-space', rule: 'join_failures', severity: 'critical' },
        annotations: {
          summary: 'join failures 62 % over 1 m (31/50 attempts)',
          description: 'join_failures on big-space: join failures 62 % over 1 m (31/50 attempts) (value 0.62, threshold 0.5; attempts=50, failed=31)',
        },
        startsAt: '2024-08-13T00:01:00.000Z',
        generatorURL: 'https://sw.example.com/targets/big-space',
      },
    ]);
  });

  test('resolved sets endsAt = resolvedAt; same labels, so Alertmanager matches it to the firing one', async () => {
    const n = alertmanager.create({ kind: 'alertmanager', name: 'am', url: rx.url, repeatIntervalMs: 5_000 }, deps);
    assert.equal(n.repeatIntervalMs, 5_000);
    await n.send(resolved, ctx());
    const [a] = json(rx.requests.at(-1)!);
    assert.equal(a.startsAt, '2024-08-13T00:01:00.000Z');
    assert.equal(a.endsAt, '2024-08-13T00:13:00.000Z');
    assert.equal(a.labels.alertname, 'spacewatch_join_failures');
    assert.equal(a.generatorURL, undefined, 'omitted without publicUrl (the API requires a URI when present)');
  });

  test('static labels are added; the built-in ones win', async () => {
    const n = alertmanager.create({ kind: 'alertmanager', name: 'am', url: rx.url, labels: { env: 'prod', alertname: 'x', severity: 'none' } }, deps);
    await n.send(firing, ctx());
    const [a] = json(rx.requests.at(-1)!);
    assert.deepEqual(a.labels, { env: 'prod', alertname: 'spacewatch_join_failures', target: 'big-space', rule: 'join_failures', severity: 'critical' });
  });

  test('a URL that already names the API path is kept', () => {
    assert.equal(alertsEndpoint('http://am:9093'), 'http://am:9093/api/v2/alerts');
    assert.equal(alertsEndpoint('http://am:9093/prefix/'), 'http://am:9093/prefix/api/v2/alerts');
    assert.equal(alertsEndpoint('http://am:9093/api/v2/alerts'), 'http://am:9093/api/v2/alerts');
  });
});

describe('postJson failures', () => {
  const send = (url: string, signal = AbortSignal.timeout(5_000)) => postJson(url, Buffer.from('{}'), { dispatcher: pool, signal });
  const rejects = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (err) {
      assert.ok(err instanceof NotifyError, String(err));
      return err;
    }
    assert.fail('expected a NotifyError');
  };

  test('5xx, 408 and 429 are retryable; other 4xx and 3xx are not', async () => {
    const statuses = [500, 503, 408, 429, 400, 401, 404, 410, 301, 302];
    const rx = await receiver((req, res) => {
      const status = Number(req.url!.slice(1));
      res.writeHead(status, { location: 'http://127.0.0.1:1/elsewhere', ...(status === 429 ? { 'retry-after': '7' } : {}) });
      res.end(status === 400 ? 'invalid_blocks\n' : '');
    });
    try {
      for (const status of statuses) {
        const err = await rejects(send(`${rx.url}/${status}`));
        assert.equal(err.status, status);
        assert.equal(err.reason, 'http');
        assert.equal(err.retryable, status >= 500 || status === 408 || status === 429, `status ${status}`);
      }
      const r429 = await rejects(send(`${rx.url}/429`));
      assert.equal(r429.retryAfterMs, 7_000);
      const r400 = await rejects(send(`${rx.url}/400`));
      assert.equal(r400.message, 'HTTP 400: invalid_blocks', 'the receiver says why, on one line');
      assert.equal(rx.requests.filter((r) => r.url === '/elsewhere').length, 0, 'redirects are not followed');
    } finally {
      await rx.close();
    }
  });

  test('a refused connection is a retryable network error', async () => {
    const rx = await receiver();
    await rx.close();
    const err = await rejects(send(rx.url));
    assert.equal(err.reason, 'network');
    assert.equal(err.retryable, true);
    assert.match(err.message, /ECONNREFUSED/);
    assert.doesNotMatch(err.message, /127\.0\.0\.1/);
  });

  test('no answer before the signal fires is a retryable timeout', async () => {
    const rx = await receiver(() => undefined);
    try {
      const err = await rejects(send(rx.url, AbortSignal.timeout(100)));
      assert.equal(err.reason, 'timeout');
      assert.equal(err.retryable, true);
    } finally {
      await rx.close();
    }
  });

  test('Retry-After as seconds or an HTTP-date', () => {
    const now = Date.parse('2024-08-13T00:00:00Z');
    assert.equal(parseRetryAfter('30', now), 30_000);
    assert.equal(parseRetryAfter('Tue, 13 Aug 2024 00:00:05 GMT', now), 5_000);
    assert.equal(parseRetryAfter('soon', now), undefined);
    assert.equal(parseRetryAfter(undefined, now), undefined);
  });

  test('redactUrl keeps the origin only', () => {
    assert.equal(redactUrl('https://hooks.slack.com/services/T0/B0/abcdef'), 'https://hooks.slack.com');
    assert.equal(redactUrl('http://user:pw@am:9093/api?x=1'), 'http://am:9093');
  });
});

describe('registry', () => {
  test('names: explicit, else the kind, else kind-index; a duplicate name names both fields', () => {
    assert.deepEqual(
      notifierNames([{ kind: 'webhook' }, { kind: 'slack', name: 'ops' }, { kind: 'webhook' }, { kind: 'alertmanager', name: 'webhook' }]),
      ['webhook-0', 'ops', 'webhook-2', 'webhook'],
    );
    assert.throws(() => notifierNames([{ kind: 'slack', name: 'a' }, { kind: 'webhook', name: 'a' }]), {
      message: 'notifiers[1].name: duplicate name "a" (also notifiers[0])',
    });
  });

  test('createNotifiers builds one per config entry', () => {
    const built: Notifier[] = createNotifiers(
      [
        { kind: 'webhook', url: 'http://127.0.0.1:1/h' },
        { kind: 'slack', url: 'https://hooks.slack.com/services/T/B/X' },
        { kind: 'alertmanager', url: 'http://am:9093', repeatIntervalMs: 30_000 },
      ],
      deps,
    );
    assert.deepEqual(
      built.map((n) => [n.name, n.kind, n.endpoint, n.repeatIntervalMs]),
      [
        ['webhook', 'webhook', 'http://127.0.0.1:1', undefined],
        ['slack', 'slack', 'https://hooks.slack.com', undefined],
        ['alertmanager', 'alertmanager', 'http://am:9093', 30_000],
      ],
    );
  });
});
