import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import pino from 'pino';
import { Registry } from 'prom-client';
import { Agent } from 'undici';
import { createDispatcher, isNews, type DispatcherOptions } from '../../src/alerts/dispatcher.js';
import { createNotifiers } from '../../src/alerts/notifiers/index.js';
import type { Notifier } from '../../src/alerts/notifiers/notifier.js';
import type { Alert, Transition } from '../../src/alerts/types.js';
import type { RuleName } from '../../src/detect/types.js';

// The dispatcher with real notifiers against real receivers on port 0: retries, isolation of a slow
// receiver, bounded queues, Alertmanager re-sends, shutdown, and what reaches the log.

interface Received {
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  at: number;
}

async function receiver(handler: (req: IncomingMessage, res: ServerResponse, n: number) => void = (_q, res) => res.end('ok')) {
  const requests: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ url: req.url!, headers: req.headers, body: Buffer.concat(chunks), at: performance.now() });
      handler(req, res, requests.length);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Never answers. */
const hang = () => undefined;

function logCapture() {
  const lines: string[] = [];
  const log = pino({ level: 'debug' }, { write: (s: string) => lines.push(s) });
  return { log, lines, text: () => lines.join('') };
}

const T0 = Date.parse('2024-08-13T00:00:00Z');
function tr(to: 'pending' | 'firing' | 'resolved', from: Transition['from'], rule: RuleName = 'outage', targetId = 'radio-1'): Transition {
  const alert: Alert = {
    targetId,
    rule,
    state: to,
    activeAt: T0,
    ...(to !== 'pending' ? { firedAt: T0 + 30_000 } : {}),
    ...(to === 'resolved' ? { resolvedAt: T0 + 90_000 } : {}),
    condition: { rule, active: to !== 'resolved', value: 3, threshold: 3, summary: `${rule} summary` },
  };
  return { alert, from, to };
}
const fire = (rule?: RuleName, target?: string) => tr('firing', 'pending', rule, target);
const resolve = (rule?: RuleName, target?: string) => tr('resolved', 'firing', rule, target);

const pool = new Agent({ keepAliveTimeout: 1_000 });
after(() => pool.close());

async function setup(notifierConfigs: Parameters<typeof createNotifiers>[0], opts: Partial<DispatcherOptions> = {}) {
  const registry = new Registry();
  const logs = logCapture();
  const notifiers = createNotifiers(notifierConfigs, { dispatcher: pool, log: logs.log });
  const d = createDispatcher({ notifiers, log: logs.log, registry, backoff: { initialMs: 20, maxMs: 200 }, ...opts });
  const metric = async (name: string, labels: Record<string, string>) => {
    const m = (await registry.getSingleMetric(name)!.get()).values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
    return m?.value ?? 0;
  };
  const count = (notifier: string, result: string) => metric('spacewatch_notifications_total', { notifier, result });
  return { d, registry, logs, metric, count };
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 3_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('what is news', () => {
  test('firing and firing→resolved only', () => {
    assert.equal(isNews(tr('pending', 'inactive')), false);
    assert.equal(isNews(tr('firing', 'pending')), true);
    assert.equal(isNews(tr('firing', 'inactive')), true, 'for: 0');
    assert.equal(isNews(tr('firing', 'firing')), false, 'an update of a firing alert');
    assert.equal(isNews(tr('resolved', 'firing')), true);
    assert.equal(isNews(tr('resolved', 'pending')), false, 'cleared before it fired');
  });

  test('pending transitions reach no receiver', async () => {
    const rx = await receiver();
    const { d, count } = await setup([{ kind: 'webhook', url: rx.url }]);
    d.notify(tr('pending', 'inactive'));
    d.notify(tr('resolved', 'pending'));
    await d.close();
    assert.equal(rx.requests.length, 0);
    assert.equal(await count('webhook', 'sent'), 0);
    await rx.close();
  });
});

describe('delivery and retries', () => {
  test('a receiver that fails twice then succeeds gets exactly 3 requests, spaced by the backoff', async () => {
    const rx = await receiver((_q, res, n) => {
      res.statusCode = n <= 2 ? 503 : 200;
      res.end();
    });
    const { d, count, metric } = await setup([{ kind: 'webhook', url: rx.url }], { random: () => 0 });
    d.notify(fire());
    await until(async () => (await count('webhook', 'sent')) === 1);
    await wait(100); // nothing more arrives
    assert.equal(rx.requests.length, 3);
    // Equal jitter with random() = 0: half of 20 ms, then half of 40 ms (timers may fire ~1 ms early).
    assert.ok(rx.requests[1]!.at - rx.requests[0]!.at >= 9, `first retry after ${rx.requests[1]!.at - rx.requests[0]!.at} ms`);
    assert.ok(rx.requests[2]!.at - rx.requests[1]!.at >= 19, `second retry after ${rx.requests[2]!.at - rx.requests[1]!.at} ms`);
    assert.equal(await metric('spacewatch_notification_retries_total', { notifier: 'webhook' }), 2);
    assert.equal(await count('webhook', 'failed'), 0);
    const bodies = rx.requests.map((r) => r.body.toString());
    assert.equal(new Set(bodies).size, 1, 'each attempt carries the same body');
    await d.close();
    await rx.close();
  });

  test('a 4xx is not retried; a 429 is', async () => {
    const rx = await receiver((req, res, _n) => {
      const seen = rxRequests().filter((r) => r.url === req.url).length;
      if (req.url === '/bad') res.statusCode = 400;
      else res.statusCode = seen === 1 ? 429 : 200;
      res.setHeader('retry-after', '0');
      res.end();
    });
    const rxRequests = () => rx.requests;
    const { d, count } = await setup([
      { kind: 'webhook', name: 'bad', url: `${rx.url}/bad` },
      { kind: 'webhook', name: 'limited', url: `${rx.url}/limited` },
    ]);
    d.notify(fire());
    await until(async () => (await count('bad', 'failed')) === 1 && (await count('limited', 'sent')) === 1);
    await wait(100);
    assert.equal(rx.requests.filter((r) => r.url === '/bad').length, 1);
    assert.equal(rx.requests.filter((r) => r.url === '/limited').length, 2);
    await d.close();
    await rx.close();
  });

  test('gives up after maxAttempts and counts one failure', async () => {
    const rx = await receiver((_q, res) => {
      res.statusCode = 500;
      res.end();
    });
    const { d, count, logs } = await setup([{ kind: 'webhook', url: rx.url }], { maxAttempts: 3 });
    d.notify(fire());
    await until(async () => (await count('webhook', 'failed')) === 1);
    assert.equal(rx.requests.length, 3);
    assert.match(logs.text(), /"msg":"notification failed; giving up"/);
    await d.close();
    await rx.close();
  });

  test('a request with no answer times out and is retried', async () => {
    const rx = await receiver(hang);
    const { d, count, logs } = await setup([{ kind: 'webhook', url: rx.url, timeoutMs: 100 }], { maxAttempts: 2 });
    d.notify(fire());
    await until(async () => (await count('webhook', 'failed')) === 1);
    assert.equal(rx.requests.length, 2);
    assert.match(logs.text(), /"reason":"timeout"/);
    await d.close();
    await rx.close();
  });

  test('a notifier that throws something other than NotifyError (a bug) is not retried', async () => {
    const registry = new Registry();
    let calls = 0;
    const buggy: Notifier = {
      name: 'buggy',
      kind: 'test',
      endpoint: 'http://x',
      send: async () => {
        calls++;
        throw new TypeError('cannot read properties of undefined');
      },
    };
    const d = createDispatcher({ notifiers: [buggy], log: pino({ level: 'silent' }), registry });
    d.notify(fire());
    await d.close();
    assert.equal(calls, 1);
  });

  test('one request at a time per receiver, in order: firing before resolved', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const rx = await receiver((_q, res) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      setTimeout(() => {
        inFlight--;
        res.end();
      }, 10);
    });
    const { d } = await setup([{ kind: 'webhook', url: rx.url }]);
    d.notify(fire('drop'));
    d.notify(fire('outage'));
    d.notify(resolve('drop'));
    await d.close();
    assert.deepEqual(
      rx.requests.map((r) => JSON.parse(r.body.toString())).map((b) => `${b.rule}:${b.state}`),
      ['drop:firing', 'outage:firing', 'drop:resolved'],
    );
    assert.equal(maxInFlight, 1);
    await rx.close();
  });
});

describe('isolation', () => {
  test('a hanging receiver delays neither notify() nor another receiver', async () => {
    const slow = await receiver(hang);
    const fast = await receiver();
    const { d, count } = await setup(
      [
        { kind: 'webhook', name: 'slow', url: slow.url },
        { kind: 'slack', name: 'fast', url: fast.url },
      ],
      { timeoutMs: 60_000, closeTimeoutMs: 100 },
    );
    const started = performance.now();
    const returned = d.notify(fire());
    const notifyMs = performance.now() - started;
    assert.equal(returned, undefined, 'synchronous: nothing to await');
    assert.ok(notifyMs < 20, `notify() took ${notifyMs} ms`);
    await until(async () => (await count('fast', 'sent')) === 1, 1_000);
    await until(() => slow.requests.length === 1, 1_000); // it did get the request; it just never answers
    assert.equal(await count('slow', 'sent'), 0);
    const closeStarted = performance.now();
    await d.close();
    assert.ok(performance.now() - closeStarted < 1_000, 'close() is bounded by its deadline');
    assert.equal(await count('slow', 'dropped'), 1, 'the undelivered one is counted');
    await slow.close();
    await fast.close();
  });

  test('queue overflow drops new notifications and counts them', async () => {
    const rx = await receiver(hang);
    const { d, count, metric } = await setup([{ kind: 'webhook', url: rx.url }], { queueLimit: 2, timeoutMs: 60_000, closeTimeoutMs: 50 });
    const rules: RuleName[] = ['delay', 'drop', 'outage', 'stall', 'silence'];
    for (const r of rules) d.notify(fire(r));
    assert.equal(await count('webhook', 'dropped'), 3);
    assert.equal(await metric('spacewatch_notification_queue', { notifier: 'webhook' }), 2);
    await until(() => rx.requests.length === 1);
    assert.equal(JSON.parse(rx.requests[0]!.body.toString()).rule, 'delay', 'the oldest is kept');
    await d.close();
    assert.equal(await count('webhook', 'dropped'), 5, 'the two left at the shutdown deadline too');
    assert.equal(await metric('spacewatch_notification_queue', { notifier: 'webhook' }), 0);
    await rx.close();
  });
});

describe('alertmanager re-sends', () => {
  test('re-sent while firing, endsAt on resolve, then silence', async () => {
    const rx = await receiver();
    // The schema's floor is 1 s; the notifier object takes what it is given, so the test can go faster.
    const am = createNotifiers([{ kind: 'alertmanager', url: rx.url }], { dispatcher: pool, log: pino({ level: 'silent' }) })[0]!;
    const fast = createDispatcher({ notifiers: [{ ...am, repeatIntervalMs: 40 }], log: pino({ level: 'silent' }), registry: new Registry() });

    fast.notify(fire('outage'));
    await until(() => rx.requests.length >= 4);
    const firingBodies = rx.requests.map((r) => JSON.parse(r.body.toString()));
    for (const body of firingBodies) {
      assert.equal(body.length, 1);
      assert.deepEqual(body[0].labels, { alertname: 'spacewatch_outage', target: 'radio-1', rule: 'outage', severity: 'critical' });
      assert.equal(body[0].startsAt, '2024-08-13T00:00:30.000Z');
      assert.equal(body[0].endsAt, undefined, 'no endsAt while firing');
    }
    fast.notify(tr('firing', 'firing')); // an update of the firing alert: re-sent, not a new notification
    fast.notify(resolve('outage'));
    await until(() => rx.requests.some((r) => JSON.parse(r.body.toString())[0].endsAt !== undefined));
    const afterResolve = rx.requests.length;
    const last = JSON.parse(rx.requests.at(-1)!.body.toString())[0];
    assert.equal(last.endsAt, '2024-08-13T00:01:30.000Z');
    await wait(150);
    assert.equal(rx.requests.length, afterResolve, 'no re-sends after the resolve');
    await fast.close();
    await rx.close();
  });

  test('each firing alert is re-sent; a resolved one stops, the others go on; close() stops all', async () => {
    const rx = await receiver();
    const am = createNotifiers([{ kind: 'alertmanager', url: rx.url }], { dispatcher: pool, log: pino({ level: 'silent' }) })[0]!;
    const d = createDispatcher({ notifiers: [{ ...am, repeatIntervalMs: 30 }], log: pino({ level: 'silent' }), registry: new Registry() });
    const rulesSeen = () => rx.requests.map((r) => JSON.parse(r.body.toString())[0]).filter((a) => !a.endsAt).map((a) => a.labels.rule);
    d.notify(fire('outage'));
    d.notify(fire('drop'));
    await until(() => rulesSeen().filter((r) => r === 'drop').length >= 3);
    d.notify(resolve('drop'));
    const dropsAtResolve = rulesSeen().filter((r) => r === 'drop').length;
    const outagesAtResolve = rulesSeen().filter((r) => r === 'outage').length;
    await until(() => rulesSeen().filter((r) => r === 'outage').length >= outagesAtResolve + 2);
    assert.equal(rulesSeen().filter((r) => r === 'drop').length, dropsAtResolve);
    await d.close();
    const atClose = rx.requests.length;
    await wait(100);
    assert.equal(rx.requests.length, atClose, 'the re-send timer is cleared on close');
    await rx.close();
  });

  test('firing → firing (an engine restored after a restart) resumes re-sends without paging anyone again', async () => {
    const am = await receiver();
    const hook = await receiver();
    const [amNotifier, hookNotifier] = createNotifiers(
      [
        { kind: 'alertmanager', url: am.url },
        { kind: 'webhook', url: hook.url },
      ],
      { dispatcher: pool, log: pino({ level: 'silent' }) },
    );
    const d = createDispatcher({ notifiers: [{ ...amNotifier!, repeatIntervalMs: 30 }, hookNotifier!], log: pino({ level: 'silent' }), registry: new Registry() });
    d.notify(tr('firing', 'firing'));
    await until(() => am.requests.length >= 2);
    assert.equal(hook.requests.length, 0);
    await d.close();
    await am.close();
    await hook.close();
  });

  test('re-sends catch up after Alertmanager was down when the alert fired', async () => {
    let up = false;
    const rx = await receiver((_q, res) => {
      res.statusCode = up ? 200 : 503;
      res.end();
    });
    const registry = new Registry();
    const am = createNotifiers([{ kind: 'alertmanager', url: rx.url }], { dispatcher: pool, log: pino({ level: 'silent' }) })[0]!;
    const d = createDispatcher({ notifiers: [{ ...am, repeatIntervalMs: 30 }], log: pino({ level: 'silent' }), registry, maxAttempts: 2, backoff: { initialMs: 5, maxMs: 10 } });
    d.notify(fire());
    await until(() => rx.requests.length >= 3);
    up = true;
    const okSent = async () => (await registry.getSingleMetric('spacewatch_notifications_total')!.get()).values.find((v) => v.labels.result === 'sent')!.value;
    await until(async () => (await okSent()) >= 1);
    await d.close();
    await rx.close();
  });
});

describe('shutdown', () => {
  test('close() delivers what is queued', async () => {
    const rx = await receiver((_q, res) => setTimeout(() => res.end(), 20));
    const { d, count } = await setup([{ kind: 'webhook', url: rx.url }]);
    d.notify(fire('drop'));
    d.notify(fire('outage'));
    d.notify(fire('stall'));
    await d.close();
    assert.equal(rx.requests.length, 3);
    assert.equal(await count('webhook', 'sent'), 3);
    await rx.close();
  });

  test('notify() after close() is counted as dropped and does not throw', async () => {
    const rx = await receiver();
    const { d, count } = await setup([{ kind: 'webhook', url: rx.url }]);
    await d.close();
    d.notify(fire());
    assert.equal(await count('webhook', 'dropped'), 1);
    assert.equal(rx.requests.length, 0);
    await d.close(); // idempotent
    await rx.close();
  });
});

describe('logs', () => {
  test('failures are logged without secrets, tokens or full URLs', async () => {
    const SLACK_TOKEN = 'XOXB-SLACK-PATH-SECRET-42';
    const WEBHOOK_SECRET = 'hmac-secret-never-logged-0123';
    const HEADER_SECRET = 'Bearer header-secret-never-logged';
    const QUERY_TOKEN = 'query-token-never-logged';
    const rx = await receiver((req, res) => {
      res.statusCode = req.url!.startsWith('/services') ? 500 : 403;
      res.end(req.url!.startsWith('/services') ? 'no_service' : 'forbidden');
    });
    const { d, logs, count } = await setup(
      [
        { kind: 'slack', url: `${rx.url}/services/T000/B000/${SLACK_TOKEN}` },
        { kind: 'webhook', url: `${rx.url}/hook?token=${QUERY_TOKEN}`, secret: WEBHOOK_SECRET, headers: { Authorization: HEADER_SECRET } },
        { kind: 'alertmanager', url: `${rx.url}/am`, headers: { Authorization: HEADER_SECRET } },
      ],
      { maxAttempts: 2 },
    );
    d.notify(fire());
    await until(async () => (await count('slack', 'failed')) === 1 && (await count('webhook', 'failed')) === 1 && (await count('alertmanager', 'failed')) === 1);
    await d.close();
    const text = logs.text();
    assert.match(text, /notification failed; will retry/);
    assert.match(text, /notification failed; giving up/);
    assert.match(text, /"error":"HTTP 500: no_service"/);
    assert.match(text, new RegExp(`"endpoint":"${rx.url}"`));
    for (const secret of [SLACK_TOKEN, WEBHOOK_SECRET, HEADER_SECRET, 'header-secret', QUERY_TOKEN, '/services/', 'T000/B000']) {
      assert.ok(!text.includes(secret), `log contains ${secret}`);
    }
    await rx.close();
  });
});
