import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { createAudience, type Audience, type AudienceStats } from './audience.js';
import { unitRandom } from './prng.js';
import { CAPACITY_STREAM, DEFAULT_SEED, ERROR_KINDS, evaluate, failureAt, type ErrorKind, type Failure, type Scenario } from './scenario.js';
import { invalidRequest, notFoundProblem, SPACE_FIELDS, spaceObject, statusProblem, type Clock } from './x-api.js';

// A stand-in for the X API v2 Spaces lookup whose answers follow a scenario: the thing to point a
// target at when the real API cannot be reached (tests, demos, rehearsals). Plain node:http, since it
// serves four routes and must be able to misbehave (hold a request, drop a socket) on purpose.

export interface SimulatorOptions {
  scenario: Scenario;
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** Overrides the scenario's speed (scenario seconds per real second). */
  speed?: number;
  log?: Logger;
  /** Clock, epoch ms; tests pass a fake one to move through the scenario without sleeping. */
  now?: () => number;
  /**
   * Where listeners come from. 'scenario' (default): the keyframes, with demand above capacity turned
   * away as failed API requests. 'connections': real listeners, one per held connection to
   * `GET /listen/:spaceId` (audience.ts); participant_count is how many are connected, and the API
   * fails with 503 at the share of listen attempts refused over the last `refusalWindowMs`. A
   * process option rather than a scenario field: the same story can be played either way.
   */
  audience?: 'scenario' | 'connections';
  /** Overrides the scenario's capacity (in 'connections' mode: most listeners held at once; none = unlimited). */
  capacity?: number;
  /** 'connections' mode: the span of listen attempts whose refused share the API fails at. Default 5 s. */
  refusalWindowMs?: number;
  /** 'connections' mode: how often each held listener gets its trickle of bytes. Default 1 s. */
  trickleMs?: number;
}

export interface SimulatorStats {
  /** API requests (/2/spaces…), each numbered for the seeded failure draw. */
  requests: number;
  /** Answered 200 with a complete body. */
  ok: number;
  /** IDs asked for that the scenario does not play. */
  unknownIds: number;
  badRequests: number;
  /** Injected failures by kind (over-capacity ones included under http_503). */
  failures: Record<ErrorKind, number>;
  /** Failures caused by demand above capacity. */
  overCapacity: number;
  /** Requests currently held open by a `timeout` failure. */
  held: number;
  healthz: number;
  /** 'connections' mode only: the listeners on `/listen/:spaceId`. */
  audience?: AudienceStats;
}

export interface Simulator {
  /** Base URL to use as an x-space target's `url`. */
  url: string;
  port: number;
  /** Stops listening and drops every connection, held requests included. */
  close(): Promise<void>;
  /** Scenario time elapsed, in scenario ms (real elapsed × speed). */
  elapsedMs(): number;
  stats(): SimulatorStats;
}

const MAX_IDS = 100;
const ID_PATTERN = /^[A-Za-z0-9]{1,32}$/;
const SPACE_PATH = /^\/2\/spaces\/([^/]+)$/;
const LISTEN_PATH = /^\/listen\/([^/]+)$/;
const JSON_TYPE = 'application/json; charset=utf-8';

export async function startSimulator(opts: SimulatorOptions): Promise<Simulator> {
  const { log } = opts;
  const connections = opts.audience === 'connections';
  const capacity = opts.capacity ?? opts.scenario.capacity;
  // In 'connections' mode the connected listeners are the audience and the capacity bounds them, so
  // the keyframes' demand must not also fail requests: the scenario is played without its capacity.
  const { capacity: _keyframeCapacity, ...uncapped } = opts.scenario;
  const scenario: Scenario = connections || capacity === undefined ? uncapped : { ...opts.scenario, capacity };
  const speed = opts.speed ?? scenario.speed ?? 1;
  const now = opts.now ?? Date.now;
  const startedAt = now();
  const clock: Clock = { startedAt, now, realAt: (scenarioMs) => startedAt + scenarioMs / speed };
  const elapsedMs = () => Math.max(0, (now() - startedAt) * speed);
  const held = new Set<ServerResponse>();
  const audience: Audience | undefined = connections
    ? createAudience({
        capacity: capacity ?? Number.POSITIVE_INFINITY,
        now,
        live: () => evaluate(scenario, elapsedMs()).state === 'live',
        ...(opts.refusalWindowMs !== undefined ? { windowMs: opts.refusalWindowMs } : {}),
        ...(opts.trickleMs !== undefined ? { trickleMs: opts.trickleMs } : {}),
        ...(log ? { log } : {}),
      })
    : undefined;
  const counts = {
    requests: 0,
    ok: 0,
    unknownIds: 0,
    badRequests: 0,
    overCapacity: 0,
    healthz: 0,
    failures: Object.fromEntries(ERROR_KINDS.map((k) => [k, 0])) as Record<ErrorKind, number>,
  };

  function api(req: IncomingMessage, res: ServerResponse, url: URL, single: string | undefined): void {
    const n = ++counts.requests;
    const elapsed = elapsedMs();
    const ids = single !== undefined ? [single] : (url.searchParams.get('ids') ?? '').split(',').filter(Boolean);
    const failure = failureAt(scenario, elapsed, n) ?? turnedAway(elapsed, n);
    if (failure) return fail(req, res, failure, ids, single !== undefined);

    const fields = (url.searchParams.get('space.fields') ?? '').split(',').filter(Boolean);
    const badField = fields.filter((f) => !(SPACE_FIELDS as readonly string[]).includes(f));
    if (badField.length) return badRequest(res, invalidRequest('space.fields', badField, `The query parameter [space.fields] contains an invalid value [${badField.join(',')}].`));
    if (single === undefined && (ids.length === 0 || ids.length > MAX_IDS)) return badRequest(res, invalidRequest('ids', ids, `The \`ids\` query parameter must hold 1 to ${MAX_IDS} IDs.`));
    const badIds = ids.filter((id) => !ID_PATTERN.test(id));
    if (badIds.length) return badRequest(res, invalidRequest(single === undefined ? 'ids' : 'id', badIds, `The ${single === undefined ? '`ids`' : '`id`'} parameter contains an invalid value.`));

    counts.ok++;
    send(res, 200, lookupBody(ids, single !== undefined, fields, elapsed));
  }

  // 'connections' mode: the API suffers with the listeners, as the real one did when a Space overflowed
  // — it fails at the share of listen attempts being refused, so a watcher's join probe (for an
  // x-space target the API read is the join attempt) fails about as often as a listener's. It takes
  // the place of failureAt's capacity rule, so it draws from that rule's stream.
  function turnedAway(elapsed: number, n: number): Failure | undefined {
    if (!audience || evaluate(scenario, elapsed).state !== 'live') return undefined;
    return unitRandom(scenario.seed ?? DEFAULT_SEED, n, CAPACITY_STREAM) < audience.refusedShare() ? { kind: 'http_503', cause: 'capacity' } : undefined;
  }

  // X answers a lookup of an unknown ID with 200 and the problem in `errors[]` (beside `data` for the
  // IDs it found); the probe must read the body, not just the status.
  function lookupBody(ids: string[], single: boolean, fields: string[], elapsed: number): Record<string, unknown> {
    const played = evaluate(scenario, elapsed);
    const snap = audience ? { ...played, listeners: audience.connected() } : played;
    const found = ids.filter((id) => id === scenario.spaceId);
    const missing = ids.filter((id) => id !== scenario.spaceId);
    counts.unknownIds += missing.length;
    const space = () => spaceObject(scenario, snap, fields, clock);
    const body: Record<string, unknown> = {};
    if (found.length) body.data = single ? space() : found.map(space);
    if (missing.length) body.errors = missing.map((id) => notFoundProblem(id, single ? 'id' : 'ids'));
    return body;
  }

  function fail(req: IncomingMessage, res: ServerResponse, failure: Failure, ids: string[], single: boolean): void {
    counts.failures[failure.kind]++;
    if (failure.cause === 'capacity') counts.overCapacity++;
    log?.debug({ kind: failure.kind, cause: failure.cause }, 'simulator: injected failure');
    switch (failure.kind) {
      case 'http_503':
        return send(res, 503, statusProblem(503));
      case 'http_500':
        return send(res, 500, statusProblem(500));
      case 'rate_limited': {
        // x-rate-limit-reset is Unix seconds; the limit lifts when the error window closes.
        const until = failure.untilMs === undefined ? now() + 1000 : clock.realAt(failure.untilMs);
        const reset = Math.max(Math.ceil(until / 1000), Math.ceil(now() / 1000) + 1);
        return send(res, 429, statusProblem(429), { 'x-rate-limit-limit': '300', 'x-rate-limit-remaining': '0', 'x-rate-limit-reset': String(reset) });
      }
      case 'not_found':
        // The Space "disappears": answered as a 404 carrying X's problem, so both signals are exercised.
        return send(res, 404, { errors: ids.map((id) => notFoundProblem(id, single ? 'id' : 'ids')) });
      case 'timeout':
        // Never answered; the socket is dropped on close(), or when the client gives up.
        held.add(res);
        res.on('close', () => held.delete(res));
        return;
      case 'reset':
        req.socket.destroy();
        return;
      case 'invalid_json': {
        const text = JSON.stringify(lookupBody(ids, single, [...SPACE_FIELDS], elapsedMs()));
        return sendText(res, 200, text.slice(0, Math.floor(text.length / 2)));
      }
    }
  }

  function badRequest(res: ServerResponse, body: Record<string, unknown>): void {
    counts.badRequests++;
    send(res, 400, body);
  }

  const server = createServer((req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://simulator');
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, statusProblem(405), { allow: 'GET, HEAD' });
      if (url.pathname === '/healthz') {
        counts.healthz++;
        return send(res, 200, { status: 'ok', scenario: scenario.name, elapsedSec: Math.floor(elapsedMs() / 1000) });
      }
      if (url.pathname === '/2/spaces') return api(req, res, url, undefined);
      const listen = audience ? LISTEN_PATH.exec(url.pathname) : null;
      if (audience && listen) {
        // Space IDs are letters and digits: compared raw, nothing to decode (and no malformed escape to trip on).
        if (listen[1] !== scenario.spaceId) return send(res, 404, statusProblem(404));
        if (req.method !== 'GET') return send(res, 405, statusProblem(405), { allow: 'GET' });
        return audience.listen(req, res);
      }
      const m = SPACE_PATH.exec(url.pathname);
      if (m) return api(req, res, url, decodeURIComponent(m[1]!));
      return send(res, 404, statusProblem(404));
    } catch (err) {
      log?.error({ err }, 'simulator: request failed');
      if (!res.headersSent) send(res, 500, statusProblem(500));
    }
  });

  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    const failed = (err: Error) => {
      audience?.close();
      reject(err);
    };
    server.once('error', failed);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', failed);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  log?.debug({ url, scenario: scenario.name, speed, audience: opts.audience ?? 'scenario' }, 'simulator listening');

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    elapsedMs,
    stats: () => ({ ...counts, failures: { ...counts.failures }, held: held.size, ...(audience ? { audience: audience.stats() } : {}) }),
    close() {
      closing ??= new Promise<void>((resolve) => {
        audience?.close();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  sendText(res, status, JSON.stringify(body), headers);
}

function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': JSON_TYPE, 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}
