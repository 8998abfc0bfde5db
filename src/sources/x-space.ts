import { Type, type Static } from '@sinclair/typebox';
import { HttpUrl } from '../schemas/common.js';
import type { StreamState, Target } from '../types.js';
import { joinHls } from './hls.js';
import { expectOk, failedResult, parseJson, ProbeFailure, request, type HttpResponse } from './http.js';
import type { Probe, ProbeContext, ProbeResult, SourceDefinition } from './source.js';
import { isObject, isLoopback, invalidPayload, isoTime } from './payload.js';

export const XSpaceConfig = Type.Object(
  {
    kind: Type.Literal('x-space'),
    spaceId: Type.String({ pattern: '^[A-Za-z0-9]{1,32}$', errorMessage: 'must be an X Space ID (letters and digits)' }),
    url: Type.Optional(HttpUrl('X API base URL (default https://api.x.com); point it at `spacewatch simulate` to rehearse')),
    tokenEnv: Type.Optional(
      Type.String({ pattern: '^[A-Z_][A-Z0-9_]*$', errorMessage: 'must be an environment variable name', description: 'Environment variable holding the bearer token (default X_BEARER_TOKEN)' }),
    ),
    playlistUrl: Type.Optional(HttpUrl('HLS playlist (master or media) of the Space: each probe also joins it, and the observation\'s join is that HLS join')),
  },
  { additionalProperties: false, description: 'X API v2 Spaces lookup (GET /2/spaces/:id)' },
);
export type XSpaceConfig = Static<typeof XSpaceConfig>;

const DEFAULT_API = 'https://api.x.com';
const DEFAULT_TOKEN_ENV = 'X_BEARER_TOKEN';
// Only what the observation uses; X answers `id` and `state` alone unless fields are asked for.
const SPACE_FIELDS = 'state,participant_count,scheduled_start,started_at,ended_at,title';
// ctx.memory keys (per target, kept by the poller between probes).
const WAS_ON_AIR = 'xSpace.wasOnAir';
const WARNED_NO_TOKEN = 'xSpace.warnedNoToken';

/**
 * Without playlistUrl the observation is the API read alone: its join is the API answering. With
 * playlistUrl the probe also joins the Space's HLS stream (both at once, within the same timeout)
 * and the observation combines them:
 * - `join` is the HLS join — what a listener experiences (time to the first segment byte, stalled,
 *   ended, not_found) — whatever the API said.
 * - `state`, `listeners`, schedule and start/end times come from the API only, never from the
 *   playlist, so a series never mixes two sources' notions of "live". When the API read fails, the
 *   state is `unknown` and the count absent, as without playlistUrl, while the join still records
 *   the HLS outcome; the API's failure is kept in `extra.apiError` (and `extra.apiStatus`).
 * - A 429's `notBefore` is honoured even though it also postpones the next HLS join: one target has
 *   one schedule, and probing the API inside its rate-limit window only lengthens the ban.
 * - `extra` holds the HLS join's fields unprefixed (targetDuration, mediaSequence, segments, late;
 *   step and status when it failed) and the API's as `apiError`, `apiStatus`, `xState`; `events`
 *   (a stream restart) come from the HLS side.
 */
export const probe: Probe<XSpaceConfig> = async (target, ctx) => {
  const { playlistUrl } = target.source;
  if (playlistUrl === undefined) return readApi(target, ctx);
  const [api, listen] = await Promise.all([readApi(target, ctx), joinHls(playlistUrl, ctx)]);
  return combine(api, listen);
};

function combine(api: ProbeResult, listen: ProbeResult): ProbeResult {
  const { status: apiStatus, ...apiExtra } = api.extra ?? {};
  const extra: NonNullable<ProbeResult['extra']> = { ...listen.extra, ...apiExtra };
  // "Ended" from a not-found after the Space was live is the API's answer, not a failed read.
  const apiFailed = !api.join.ok && api.join.error !== 'ended';
  if (apiFailed) extra.apiError = api.join.error ?? null;
  if (apiStatus !== undefined) extra.apiStatus = apiStatus;
  const result: ProbeResult = { ...api, join: listen.join, extra };
  if (listen.events) result.events = [...(api.events ?? []), ...listen.events];
  return result;
}

async function readApi(target: Target & { source: XSpaceConfig }, ctx: ProbeContext): Promise<ProbeResult> {
  const { spaceId } = target.source;
  const tokenEnv = target.source.tokenEnv ?? DEFAULT_TOKEN_ENV;
  const token = ctx.env[tokenEnv];
  const base = (target.source.url ?? DEFAULT_API).replace(/\/+$/, '');
  // Probing on without a token keeps the simulator (and any proxy that adds auth) usable. A local
  // simulator needs no token, so only a remote API is worth a warning, once per target.
  if (!token && !ctx.memory[WARNED_NO_TOKEN] && !isLoopback(base)) {
    ctx.memory[WARNED_NO_TOKEN] = true;
    ctx.log.warn({ tokenEnv }, 'x-space: bearer token variable is not set; probing without Authorization');
  }
  const url = `${base}/2/spaces/${encodeURIComponent(spaceId)}?space.fields=${SPACE_FIELDS}`;
  const started = performance.now();
  try {
    const res = await request(url, { ctx, accept: 'application/json', headers: token ? { authorization: `Bearer ${token}` } : {} });
    return interpret(res, spaceId, ctx);
  } catch (err) {
    if (!(err instanceof ProbeFailure)) throw err;
    ctx.log.debug({ error: err.code, status: err.status, reason: err.message }, 'x-space probe failed');
    return failedResult(err, started, ctx, 'x-rate-limit-reset');
  }
}

function interpret(res: HttpResponse, spaceId: string, ctx: ProbeContext): ProbeResult {
  if (res.status === 404 || res.status === 410) return notFound(res, ctx);
  expectOk(res);
  const payload = parseJson(res.body);
  if (!isObject(payload)) throw invalidPayload(res, 'body is not a JSON object');
  const space = findSpace(payload.data, spaceId);
  if (space) return fromSpace(space, res, ctx);
  // No data for this Space: its problem (RFC 7807 shape) in errors[] says why. Problems about other
  // ids (a batch answer) are not about this target.
  const problems = Array.isArray(payload.errors) ? payload.errors.filter(isObject) : [];
  const problem = problems.find((p) => p.resource_id === spaceId || p.value === spaceId) ?? problems[0];
  if (!problem) throw invalidPayload(res, 'neither data nor errors for the Space');
  const type = typeof problem.type === 'string' ? problem.type : '';
  if (type.endsWith('/resource-not-found')) return notFound(res, ctx);
  // usage-capped: the app's monthly cap; it lifts with time, like a rate limit.
  const code = type.endsWith('/usage-capped') ? 'rate_limited' : 'http_4xx';
  throw new ProbeFailure(code, `problem ${type || 'without type'}`, { ms: res.ms, bytes: res.bytes, status: res.status, headers: res.headers });
}

/**
 * X stops serving a Space some time after it ends, answering resource-not-found. Once the Space was
 * seen on air that answer means "ended", not an outage (DESIGN.md); before, the ID is wrong or the
 * Space was deleted.
 */
function notFound(res: HttpResponse, ctx: ProbeContext): ProbeResult {
  if (!ctx.memory[WAS_ON_AIR]) throw new ProbeFailure('not_found', 'Space not found', { ms: res.ms, bytes: res.bytes, status: res.status });
  return { state: 'ended', join: { ok: false, ms: res.ms, error: 'ended', bytes: res.bytes } };
}

function fromSpace(space: Record<string, unknown>, res: HttpResponse, ctx: ProbeContext): ProbeResult {
  const raw = space.state;
  if (typeof raw !== 'string') throw invalidPayload(res, 'data.state is not a string');
  const state: StreamState = raw === 'live' || raw === 'scheduled' || raw === 'ended' ? raw : 'unknown';
  // An ended Space counts too: a later not-found for it is still "ended".
  if (state === 'live' || state === 'ended') ctx.memory[WAS_ON_AIR] = true;

  const result: ProbeResult = { state, join: { ok: true, ms: res.ms, bytes: res.bytes } };
  const count = space.participant_count;
  if (count !== undefined) {
    if (typeof count !== 'number' || !Number.isFinite(count) || count < 0) throw invalidPayload(res, 'data.participant_count is not a count');
    result.listeners = count;
  }
  const scheduled = isoTime(space.scheduled_start, 'data.scheduled_start', res);
  const startedAt = isoTime(space.started_at, 'data.started_at', res);
  const endedAt = isoTime(space.ended_at, 'data.ended_at', res);
  if (scheduled !== undefined) result.schedule = { start: scheduled };
  if (startedAt !== undefined) result.startedAt = startedAt;
  if (endedAt !== undefined) result.endedAt = endedAt;
  if (state === 'unknown') result.extra = { xState: raw.slice(0, 32) };
  return result;
}

/** GET /2/spaces/:id answers `data` as an object; the batch lookup (?ids=) as an array, picked by id. */
function findSpace(data: unknown, spaceId: string): Record<string, unknown> | undefined {
  if (Array.isArray(data)) return data.find((d): d is Record<string, unknown> => isObject(d) && d.id === spaceId);
  return isObject(data) ? data : undefined;
}

export const xSpace: SourceDefinition<XSpaceConfig> = {
  kind: 'x-space',
  configSchema: XSpaceConfig,
  probe,
  description: 'X API v2 Spaces lookup: state, participant_count, schedule',
};
