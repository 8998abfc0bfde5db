import { Type, type Static } from '@sinclair/typebox';
import { HttpUrl } from '../schemas/common.js';
import type { StreamState } from '../types.js';
import { getPath } from './dot-path.js';
import { expectOk, failedResult, parseJson, ProbeFailure, request, type HttpResponse } from './http.js';
import type { Probe, ProbeResult, SourceDefinition } from './source.js';

const DotPath = Type.String({
  pattern: '^[A-Za-z0-9_$-]+(\\.[A-Za-z0-9_$-]+)*$',
  errorMessage: 'must be a dot path such as data.participant_count or items.0.viewers',
});

export const JsonConfig = Type.Object(
  {
    kind: Type.Literal('json'),
    url: HttpUrl('Status endpoint answering JSON'),
    listenersPath: Type.Optional(DotPath),
    statePath: Type.Optional(DotPath),
    /** Platform state value → live/scheduled/ended/offline/unknown; unmapped values are unknown. */
    stateMap: Type.Optional(
      Type.Record(Type.String(), Type.Union([Type.Literal('live'), Type.Literal('scheduled'), Type.Literal('ended'), Type.Literal('offline'), Type.Literal('unknown')], { errorMessage: 'must be one of live, scheduled, ended, offline, unknown' })),
    ),
    headers: Type.Optional(Type.Record(Type.String(), Type.String())),
  },
  { additionalProperties: false, description: 'Generic JSON status endpoint with dot paths for listeners and state' },
);
export type JsonConfig = Static<typeof JsonConfig>;

/** Common platform spellings; a target's `stateMap` adds to and overrides these. Keys are lower-case. */
export const DEFAULT_STATE_MAP: Readonly<Record<string, StreamState>> = Object.freeze({
  live: 'live',
  online: 'live',
  on_air: 'live',
  'on-air': 'live',
  true: 'live',
  scheduled: 'scheduled',
  upcoming: 'scheduled',
  ended: 'ended',
  finished: 'ended',
  over: 'ended',
  offline: 'offline',
  false: 'offline',
});

export const probe: Probe<JsonConfig> = async (target, ctx) => {
  const cfg = target.source;
  const started = performance.now();
  try {
    const res = expectOk(await request(cfg.url, { ctx, accept: 'application/json', headers: cfg.headers ?? {} }));
    const payload = parseJson(res.body);
    const result: ProbeResult = { state: stateOf(payload, cfg), join: { ok: true, ms: res.ms, bytes: res.bytes } };
    const listeners = cfg.listenersPath === undefined ? undefined : listenersOf(getPath(payload, cfg.listenersPath), cfg.listenersPath, res);
    if (listeners !== undefined) result.listeners = listeners;
    return result;
  } catch (err) {
    if (!(err instanceof ProbeFailure)) throw err;
    ctx.log.debug({ error: err.code, status: err.status, reason: err.message }, 'json probe failed');
    return failedResult(err, started, ctx);
  }
};

/**
 * Without a statePath the endpoint answering is the only signal there is, so a good answer reads as
 * `live`: the operator pointed the target at the broadcast's own status endpoint, and `unknown`
 * would keep the delay detector from ever seeing the broadcast on air. A failed request is `unknown`.
 * Set statePath (and stateMap) when the endpoint also answers while nothing is on air.
 */
function stateOf(payload: unknown, cfg: JsonConfig): StreamState {
  if (cfg.statePath === undefined) return 'live';
  const value = getPath(payload, cfg.statePath);
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') return 'unknown';
  const key = String(value).trim();
  const own = cfg.stateMap?.[key] ?? lowerKeyed(cfg.stateMap)[key.toLowerCase()];
  return own ?? DEFAULT_STATE_MAP[key.toLowerCase()] ?? 'unknown';
}

function lowerKeyed(map: Record<string, StreamState> | undefined): Record<string, StreamState> {
  return map ? Object.fromEntries(Object.entries(map).map(([k, v]) => [k.toLowerCase(), v])) : {};
}

/** A missing count is absent (YouTube hides concurrentViewers); a present one must be a count. YouTube sends counts as strings. */
function listenersOf(value: unknown, path: string, res: HttpResponse): number | undefined {
  if (value === undefined || value === null) return undefined;
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isFinite(n) || n < 0) throw new ProbeFailure('invalid_payload', `${path} is not a listener count`, { ms: res.ms, bytes: res.bytes, status: res.status });
  return n;
}

export const json: SourceDefinition<JsonConfig> = {
  kind: 'json',
  configSchema: JsonConfig,
  probe,
  description: 'Generic JSON status endpoint (dot paths for listeners and state)',
};
