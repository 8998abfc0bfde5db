// The live streams (contracts.md §1, §2) over a real socket: Server-Sent Events read with fetch and a
// small frame parser, data written through the public API (or, on Redis, by another store instance
// as another process would).
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test, type TestContext } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { Agent, fetch as undiciFetch, type RequestInit, type Response } from 'undici';
import { buildApp, type AppOptions } from '../../src/http/app.js';
import { defaultSources } from '../../src/sources/index.js';
import { MemoryStore } from '../../src/storage/memory-store.js';
import { RedisStore } from '../../src/storage/redis-store.js';
import type { Store } from '../../src/storage/store.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';

interface Frame {
  event?: string;
  data?: string;
  id?: string;
  retry?: number;
  comment?: string;
}

/** WHATWG "interpreting an event stream", enough of it for these tests: one Frame per blank-line-terminated block. */
function parseBlock(block: string): Frame {
  const f: Frame = {};
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) f.comment = line.slice(1).trim();
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const field = line.slice(0, colon);
    const value = line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') f.event = value;
    else if (field === 'data') f.data = f.data === undefined ? value : `${f.data}\n${value}`;
    else if (field === 'id') f.id = value;
    else if (field === 'retry') f.retry = Number(value);
  }
  return f;
}

class SseReader {
  readonly res: Response;
  readonly frames: Frame[] = [];
  #buf = '';
  #waiters: (() => void)[] = [];
  ended = false;
  readonly done: Promise<void>;
  readonly #abort: AbortController;

  constructor(res: Response, abort: AbortController) {
    this.res = res;
    this.#abort = abort;
    this.done = this.#pump();
  }

  async #pump(): Promise<void> {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of this.res.body as unknown as AsyncIterable<Uint8Array>) {
        this.#buf += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = this.#buf.indexOf('\n\n')) >= 0) {
          this.frames.push(parseBlock(this.#buf.slice(0, end)));
          this.#buf = this.#buf.slice(end + 2);
        }
        this.#wake();
      }
    } catch {
      // aborted by the test
    } finally {
      this.ended = true;
      this.#wake();
    }
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }

  /** Data frames of one event type, parsed. */
  data(event: string): unknown[] {
    return this.frames.filter((f) => f.event === event).map((f) => JSON.parse(f.data!));
  }

  /** Waits until `pred` holds over the frames so far (or the stream ends, or 10 s pass: then fails). */
  async until(what: string, pred: (r: SseReader) => boolean): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (!pred(this)) {
      if (this.ended) throw new Error(`stream ended before: ${what}; ${this.#describe()}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for: ${what}; ${this.#describe()}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** The `event` frames about marks (an import also records the on-air moment its rows show, as an event). */
  marks(): unknown[] {
    return this.data('event').filter((e) => (e as { type: string }).type === 'mark');
  }

  /** How many frames of one event type, without parsing them. */
  count(event: string): number {
    let n = 0;
    for (const f of this.frames) if (f.event === event) n++;
    return n;
  }

  #describe(): string {
    return `${this.frames.length} frames, the last: ${JSON.stringify(this.frames.slice(-3))}`;
  }

  close(): void {
    this.#abort.abort();
  }
}

async function openStream(srv: Server, path: string, headers: Record<string, string> = {}): Promise<SseReader> {
  const abort = new AbortController();
  const res = await srv.fetch(path, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
  assert.equal(res.status, 200, `${path}: ${res.status} ${res.status === 200 ? '' : await res.text()}`);
  return new SseReader(res, abort);
}

interface Server {
  app: FastifyInstance;
  base: string;
  registry: Registry;
  /** Through the server's own connection pool (see close). */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  post(path: string, body: unknown): Promise<Response>;
  /** The client pool first: after an aborted stream, undici may hold a fresh connection that never sends a request, which the server would wait out (keepAliveTimeout). */
  close(): Promise<void>;
  agent: Agent;
}

async function serve(t: TestContext | undefined, store: Store, opts: Partial<AppOptions> = {}): Promise<Server> {
  const registry = new Registry();
  const app = await buildApp({ store, sources: defaultSources(), registry, ...opts });
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  const agent = new Agent();
  const fetch = (path: string, init: RequestInit = {}) => undiciFetch(base + path, { ...init, dispatcher: agent });
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`/api/v1${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.ok(res.ok, `POST ${path}: ${res.status} ${await res.clone().text()}`);
    return res;
  };
  const close = async () => {
    await agent.destroy();
    await app.close();
  };
  t?.after(close);
  return { app, base, registry, agent, fetch, post, close };
}

const source = { kind: 'x-space', spaceId: '1Live', url: 'http://127.0.0.1:9' };

async function metric(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = (await registry.getSingleMetric(name)?.get())?.values.find((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val));
  return m?.value ?? 0;
}

/** The core of §1 on any store: the write goes through `writer` (the API's own store, or another instance). */
async function coreScenario(t: TestContext, srv: Server, writer: Store) {
  await srv.post('/targets', { id: 'show', name: 'Show', source, intervalMs: 1000 });
  const before = Date.now() - 60_000;
  await srv.post('/targets/show/observations', [{ at: before, state: 'live', listeners: 10, source: 'seed' }]);

  const s = await openStream(srv, '/api/v1/targets/show/live');
  t.after(() => s.close());
  assert.equal(s.res.headers.get('content-type'), 'text/event-stream');
  assert.equal(s.res.headers.get('cache-control'), 'no-cache');
  assert.equal(s.res.headers.get('x-accel-buffering'), 'no');
  await s.until('retry line', (r) => r.frames.some((f) => f.retry === 2000));

  const at = Date.now() - 1000;
  const obs = { at, state: 'live' as const, listeners: 1234, join: { ok: true, ms: 120 }, source: 'other-process' };
  await writer.append([{ targetId: 'show', obs }]);
  await s.until('the observation', (r) => r.data('observation').length > 0);
  // Only what was written after the connection: the seed row is not sent.
  assert.deepEqual(s.data('observation'), [obs]);
  // The position joined at (an id line alone), then the observation's own.
  assert.deepEqual(s.frames.filter((f) => f.id !== undefined).map((f) => [f.event, f.id]), [[undefined, String(before)], ['observation', String(at)]]);

  const id = await writer.appendEvent('show', { at: at - 30_000, type: 'mark', data: { kind: 'note', text: 'written <elsewhere>' } });
  await s.until('the event', (r) => r.data('event').length > 0);
  assert.deepEqual(s.data('event'), [{ id, at: new Date(at - 30_000).toISOString(), type: 'mark', data: { kind: 'note', text: 'written <elsewhere>' } }]);
}

describe('GET /targets/:id/live (memory store)', () => {
  let srv: Server;
  let store: MemoryStore;

  before(async () => {
    store = new MemoryStore();
    srv = await serve(undefined, store);
    await srv.post('/targets', { id: 'radio', name: 'Radio', source, intervalMs: 1000 });
  });
  after(async () => {
    await srv.close();
    await store.close();
  });

  test('an observation imported through the API arrives as an observation frame; a mark as an event frame', async (t) => {
    const s = await openStream(srv, '/api/v1/targets/radio/live');
    t.after(() => s.close());
    const at = Date.now() - 500;
    await srv.post('/targets/radio/observations', [
      { at, state: 'live', listeners: 1234, join: { ok: true, ms: 120 } , source: 'import-a' },
      { at: at + 1, state: 'unknown', join: { ok: false, ms: 5000, error: 'http_5xx' }, source: 'import-a' },
    ]);
    await s.until('two observations', (r) => r.data('observation').length === 2);
    assert.deepEqual(s.data('observation'), [
      { at, state: 'live', listeners: 1234, join: { ok: true, ms: 120 }, source: 'import-a' },
      { at: at + 1, state: 'unknown', join: { ok: false, ms: 5000, error: 'http_5xx' }, source: 'import-a' },
    ]);

    const mark = (await (await srv.post('/targets/radio/marks', { kind: 'note', text: 'host <b>back</b>' })).json()) as { id: string; at: string };
    await s.until('the mark', (r) => r.marks().length === 1);
    assert.deepEqual(s.marks(), [{ id: mark.id, at: mark.at, type: 'mark', data: { kind: 'note', text: 'host <b>back</b>' } }]);

    // An import older than what was already sent is not replayed (documented).
    await srv.post('/targets/radio/observations', [{ at: at - 10_000, state: 'live', listeners: 1, source: 'late' }]);
    await srv.post('/targets/radio/observations', [{ at: at + 2, state: 'live', listeners: 3, source: 'after' }]);
    await s.until('the later row', (r) => r.data('observation').length >= 3);
    assert.deepEqual((s.data('observation') as { source: string }[]).map((o) => o.source), ['import-a', 'import-a', 'after']);
  });

  test('two subscribers share one reader; it stops when the last leaves', async (t) => {
    await srv.post('/targets', { id: 'shared', name: 'Shared', source, intervalMs: 1000 });
    const a = await openStream(srv, '/api/v1/targets/shared/live');
    const b = await openStream(srv, '/api/v1/targets/shared/live');
    t.after(() => {
      a.close();
      b.close();
    });
    await srv.post('/targets/shared/observations', [{ at: Date.now(), state: 'live', listeners: 5, source: 'x' }]);
    await a.until('a gets it', (r) => r.data('observation').length === 1);
    await b.until('b gets it', (r) => r.data('observation').length === 1);
    assert.deepEqual(a.data('observation'), b.data('observation'));
    assert.equal(await metric(srv.registry, 'spacewatch_live_readers'), 1);
    a.close();
    b.close();
    await a.done;
    await b.done;
    // The gauge follows the connections down, and with them the reader.
    const deadline = Date.now() + 5000;
    while ((await metric(srv.registry, 'spacewatch_live_clients', { stream: 'target' })) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(await metric(srv.registry, 'spacewatch_live_clients', { stream: 'target' }), 0);
    while ((await metric(srv.registry, 'spacewatch_live_readers')) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(await metric(srv.registry, 'spacewatch_live_readers'), 0);
    assert.ok((await metric(srv.registry, 'spacewatch_live_frames_total', { event: 'observation' })) >= 2);
  });

  test('since replays what is newer, then goes live without a gap', async (t) => {
    await srv.post('/targets', { id: 'replay', name: 'Replay', source, intervalMs: 1000 });
    const t0 = Date.now() - 20_000;
    await srv.post('/targets/replay/observations', [0, 1, 2, 3].map((i) => ({ at: t0 + i * 1000, state: 'live', listeners: 100 + i, source: 'seed' })));
    const old = (await (await srv.post('/targets/replay/marks', { kind: 'note', at: t0 - 5000, text: 'old, but written now' })).json()) as { id: string };

    const s = await openStream(srv, `/api/v1/targets/replay/live?since=${new Date(t0 + 1000).toISOString()}`);
    t.after(() => s.close());
    await s.until('the replay', (r) => r.data('observation').length === 2 && r.marks().length === 1);
    assert.deepEqual((s.data('observation') as { listeners: number }[]).map((o) => o.listeners), [102, 103]);
    assert.equal((s.marks()[0] as { id: string }).id, old.id);

    await srv.post('/targets/replay/observations', [{ at: t0 + 4000, state: 'live', listeners: 104, source: 'seed' }]);
    await s.until('the live row', (r) => r.data('observation').length === 3);
    assert.deepEqual((s.data('observation') as { listeners: number }[]).map((o) => o.listeners), [102, 103, 104]);

    // Epoch ms works as well.
    const ms = await openStream(srv, `/api/v1/targets/replay/live?since=${t0 + 2500}`);
    t.after(() => ms.close());
    await ms.until('the replay from ms', (r) => r.data('observation').length === 2);
    assert.deepEqual((ms.data('observation') as { listeners: number }[]).map((o) => o.listeners), [103, 104]);
  });

  test('Last-Event-ID (EventSource reconnecting) replays from that ID, over the query\'s since; an ID not ours is ignored', async (t) => {
    await srv.post('/targets', { id: 'resume', name: 'Resume', source, intervalMs: 1000 });
    const t0 = Date.now() - 20_000;
    await srv.post('/targets/resume/observations', [0, 1, 2, 3].map((i) => ({ at: t0 + i * 1000, state: 'live', listeners: 100 + i, source: 'seed' })));

    const s = await openStream(srv, `/api/v1/targets/resume/live?since=${t0 - 1}`, { 'last-event-id': String(t0 + 1000) });
    t.after(() => s.close());
    await s.until('the replay', (r) => r.data('observation').length === 2);
    assert.deepEqual((s.data('observation') as { listeners: number }[]).map((o) => o.listeners), [102, 103]);
    assert.deepEqual(s.frames.filter((f) => f.event === 'observation').map((f) => f.id), [String(t0 + 2000), String(t0 + 3000)]);

    const odd = await openStream(srv, `/api/v1/targets/resume/live?since=${t0 + 2000}`, { 'last-event-id': '1763740801234-0' });
    t.after(() => odd.close());
    await odd.until('the replay from the query', (r) => r.data('observation').length === 1);
    assert.deepEqual((odd.data('observation') as { listeners: number }[]).map((o) => o.listeners), [103]);
  });

  test('HEAD on both streams answers with the headers and ends, and holds no stream', async () => {
    for (const path of ['/api/v1/live', '/api/v1/targets/radio/live']) {
      const res = await srv.fetch(path, { method: 'HEAD', signal: AbortSignal.timeout(5000) });
      assert.equal(res.status, 200, path);
      assert.equal(res.headers.get('content-type'), 'text/event-stream', path);
      assert.equal(await res.text(), '', path);
    }
    assert.equal((await srv.fetch('/api/v1/targets/nope/live', { method: 'HEAD', signal: AbortSignal.timeout(5000) })).status, 404);
    assert.equal(await metric(srv.registry, 'spacewatch_live_clients', { stream: 'target' }), 0);
    assert.equal(await metric(srv.registry, 'spacewatch_live_clients', { stream: 'overview' }), 0);
  });

  test('errors are JSON before any stream: unknown target 404, bad since 400', async () => {
    const nf = await srv.fetch(`/api/v1/targets/nope/live`);
    assert.equal(nf.status, 404);
    assert.match(nf.headers.get('content-type') ?? '', /^application\/json/);
    assert.deepEqual(await nf.json(), { statusCode: 404, code: 'SW_TARGET_NOT_FOUND', error: 'Not Found', message: 'no target with id "nope"' });

    const bad = await srv.fetch(`/api/v1/targets/radio/live?since=yesterday`);
    assert.equal(bad.status, 400);
    const body = (await bad.json()) as { code: string; message: string };
    assert.equal(body.code, 'SW_VALIDATION');
    assert.match(body.message, /^query\.since: /);
  });

  test('GET /overview and the /live stream carry the same summaries', async (t) => {
    const json = (await (await srv.fetch(`/api/v1/overview`)).json()) as { targets: { id: string }[] };
    assert.deepEqual(json.targets.map((x: { id: string }) => x.id), ((await (await srv.fetch(`/api/v1/targets`)).json()) as { id: string }[]).map((x) => x.id));

    const s = await openStream(srv, '/api/v1/live');
    t.after(() => s.close());
    await s.until('the first overview', (r) => r.data('overview').length === 1);
    const first = s.data('overview')[0] as { targets: { id: string; listeners: { now: number | null } }[] };
    assert.deepEqual(first.targets, json.targets);

    // A change reaches the stream; nothing is sent while nothing changes.
    await srv.post('/targets/radio/observations', [{ at: Date.now(), state: 'live', listeners: 4321, join: { ok: true, ms: 90 }, source: 'x' }]);
    await s.until('the new count', (r) => (r.data('overview').at(-1) as typeof first).targets.find((x) => x.id === 'radio')!.listeners.now === 4321);
  });
});

test('client cap: the next stream is a 503 SW_LIVE_FULL, room again once one leaves', async (t) => {
  const store = new MemoryStore();
  const srv = await serve(t, store, { live: { maxClients: 2 } });
  await srv.post('/targets', { id: 'capped', name: 'Capped', source, intervalMs: 1000 });
  const a = await openStream(srv, '/api/v1/targets/capped/live');
  const b = await openStream(srv, '/api/v1/live');
  t.after(() => b.close());
  const full = await srv.fetch(`/api/v1/targets/capped/live`);
  assert.equal(full.status, 503);
  assert.equal(((await full.json()) as { code: string }).code, 'SW_LIVE_FULL');
  assert.equal((await srv.fetch(`/api/v1/live`)).status, 503);

  a.close();
  await a.done;
  const deadline = Date.now() + 5000;
  let again: Response | undefined;
  while (Date.now() < deadline) {
    again = await srv.fetch(`/api/v1/targets/capped/live`);
    if (again.status === 200) break;
    await again.body?.cancel();
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal(again?.status, 200);
  await again?.body?.cancel();
});

test('a client that does not read is disconnected past its backlog, and counted', async (t) => {
  const store = new MemoryStore();
  // Above one poll's page (1,000 frames of ~100 bytes), so a client that keeps up is never over it.
  const srv = await serve(t, store, { live: { maxBacklogBytes: 128 * 1024 } });
  await srv.post('/targets', { id: 'flood', name: 'Flood', source, intervalMs: 1000 });
  const reader = await openStream(srv, '/api/v1/targets/flood/live');
  t.after(() => reader.close());

  // A raw socket that sends the request and then never reads a byte.
  const { port } = new URL(srv.base);
  const sock = connect(Number(port), '127.0.0.1');
  t.after(() => sock.destroy());
  sock.write('GET /api/v1/targets/flood/live HTTP/1.1\r\nHost: x\r\n\r\n');
  let closed = false;
  sock.on('close', () => (closed = true));
  sock.on('error', () => {});
  // It stops reading once the head is in (paused: the kernel buffers fill, then Node's).
  sock.once('data', () => sock.pause());
  const until = async (what: string, pred: () => Promise<boolean> | boolean) => {
    const deadline = Date.now() + 20_000;
    while (!(await pred())) {
      assert.ok(Date.now() < deadline, `timed out: ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  await until('both subscribed', async () => (await metric(srv.registry, 'spacewatch_live_clients', { stream: 'target' })) === 2);

  const t0 = Date.now() - 600_000;
  let batch = 0;
  while ((await metric(srv.registry, 'spacewatch_live_dropped_clients_total')) === 0) {
    assert.ok(batch < 100, 'the idle client was never dropped');
    const rows = Array.from({ length: 2000 }, (_, i) => ({ at: t0 + batch * 2000 + i, state: 'live', listeners: i, source: 'flood' }));
    await srv.post('/targets/flood/observations', rows);
    batch++;
    // Let the reader page through before the next batch (the reading client keeps up).
    await reader.until('the reader keeps up', (r) => r.count('observation') === batch * 2000);
  }
  // Reading again, the client finds the stream cut off (a paused socket would not see the end).
  sock.resume();
  await until('the socket closed', () => closed);
  assert.equal(await metric(srv.registry, 'spacewatch_live_dropped_clients_total'), 1);
  // The reading client was not affected.
  assert.equal(reader.ended, false);
});

test('keep-alive comments while idle; a deleted target\'s streams end, and reconnecting gets the 404', async (t) => {
  const store = new MemoryStore();
  const srv = await serve(t, store, { live: { keepAliveMs: 100, pollMs: 20 } });
  await srv.post('/targets', { id: 'gone', name: 'Gone', source, intervalMs: 1000 });
  const s = await openStream(srv, '/api/v1/targets/gone/live');
  t.after(() => s.close());
  await s.until('a keep-alive comment', (r) => r.frames.some((f) => f.comment === 'keep-alive'));

  const res = await srv.fetch('/api/v1/targets/gone', { method: 'DELETE' });
  assert.equal(res.status, 204);
  await s.done;
  assert.equal(s.ended, true);
  assert.equal((await srv.fetch('/api/v1/targets/gone/live')).status, 404);
});

test('app.close() with open streams completes and ends them', async () => {
  const store = new MemoryStore();
  const srv = await serve(undefined, store);
  await srv.post('/targets', { id: 'bye', name: 'Bye', source, intervalMs: 1000 });
  const a = await openStream(srv, '/api/v1/targets/bye/live');
  const b = await openStream(srv, '/api/v1/live');
  await b.until('overview', (r) => r.data('overview').length === 1);
  let timer: NodeJS.Timeout | undefined;
  const stuck = new Promise<'stuck'>((resolve) => (timer = setTimeout(() => resolve('stuck'), 10_000)));
  const result = await Promise.race([srv.app.close().then(() => 'closed' as const), stuck]);
  clearTimeout(timer);
  assert.equal(result, 'closed', 'app.close() did not return with streams open');
  await a.done;
  await b.done;
  assert.equal(a.ended && b.ended, true);
  await srv.agent.destroy();
  await store.close();
});

describe('GET /targets/:id/live on Redis, written by another store instance', () => {
  let server: TestRedis;
  const clients: Redis[] = [];

  before(async () => {
    server = await startRedis();
  });
  after(async () => {
    for (const c of clients) c.disconnect();
    await server?.destroy();
  });

  test('an observation and an event written by a second RedisStore arrive', async (t) => {
    const mk = () => {
      const c = new Redis(server.url, { maxRetriesPerRequest: 1 });
      clients.push(c);
      return c;
    };
    const apiStore = new RedisStore({ redis: mk() });
    const otherProcess = new RedisStore({ redis: mk() });
    const srv = await serve(t, apiStore);
    await coreScenario(t, srv, otherProcess);
  });
});

test('memory store: the same core scenario with writes through the store itself', async (t) => {
  const store = new MemoryStore();
  const srv = await serve(t, store);
  await coreScenario(t, srv, store);
});
