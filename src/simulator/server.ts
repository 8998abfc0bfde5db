import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { ERROR_KINDS, evaluate, failureAt, type ErrorKind, type Failure, type Scenario } from './scenario.js';
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
const JSON_TYPE = 'application/json; charset=utf-8';

export async function startSimulator(opts: SimulatorOptions): Promise<Simulator> {
  const { scenario, log } = opts;
  const speed = opts.speed ?? scenario.speed ?? 1;
  const now = opts.now ?? Date.now;
  const startedAt = now();
  const clock: Clock = { startedAt, now, realAt: (scenarioMs) => startedAt + scenarioMs / speed };
  const elapsedMs = () => Math.max(0, (now() - startedAt) * speed);
  const held = new Set<ServerResponse>();
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
    const failure = failureAt(scenario, elapsed, n);
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

  // X answers a lookup of an unknown ID with 200 and the problem in `errors[]` (beside `data` for the
  // IDs it found); the probe must read the body, not just the status.
  function lookupBody(ids: string[], single: boolean, fields: string[], elapsed: number): Record<string, unknown> {
    const snap = evaluate(scenario, elapsed);
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
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  log?.debug({ url, scenario: scenario.name, speed }, 'simulator listening');

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    elapsedMs,
    stats: () => ({ ...counts, failures: { ...counts.failures }, held: held.size }),
    close() {
      closing ??= new Promise<void>((resolve) => {
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
