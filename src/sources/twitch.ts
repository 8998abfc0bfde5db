import { Type, type Static } from '@sinclair/typebox';
import { HttpUrl } from '../schemas/common.js';
import type { StreamState } from '../types.js';
import { expectOk, failedResult, parseJson, ProbeFailure, request, type HttpResponse } from './http.js';
import type { Probe, ProbeContext, ProbeResult, SourceDefinition } from './source.js';
import { invalidPayload, isLoopback, isObject, redactSecrets } from './payload.js';

const EnvName = (description: string) =>
  Type.String({ pattern: '^[A-Z_][A-Z0-9_]*$', errorMessage: 'must be an environment variable name', description });

export const TwitchConfig = Type.Object(
  {
    kind: Type.Literal('twitch'),
    login: Type.String({
      pattern: '^[A-Za-z0-9_]{1,25}$',
      errorMessage: 'must be a Twitch login (the channel name in twitch.tv/<login>: letters, digits and _)',
      description: 'Channel login, as in twitch.tv/<login>',
    }),
    url: Type.Optional(HttpUrl('Twitch API base URL (default https://api.twitch.tv)')),
    clientIdEnv: Type.Optional(EnvName('Environment variable holding the app\'s client ID (default TWITCH_CLIENT_ID)')),
    tokenEnv: Type.Optional(EnvName('Environment variable holding an app access token (default TWITCH_TOKEN)')),
  },
  { additionalProperties: false, description: 'Twitch Helix Get Streams (GET /helix/streams?user_login=)' },
);
export type TwitchConfig = Static<typeof TwitchConfig>;

const DEFAULT_API = 'https://api.twitch.tv';
const DEFAULT_CLIENT_ID_ENV = 'TWITCH_CLIENT_ID';
const DEFAULT_TOKEN_ENV = 'TWITCH_TOKEN';
// ctx.memory keys (per target, kept by the poller between probes).
const WARNED_NO_CREDENTIALS = 'twitch.warnedNoCredentials';
const WARNED_UNAUTHORIZED = 'twitch.warnedUnauthorized';

export const probe: Probe<TwitchConfig> = async (target, ctx) => {
  const { login } = target.source;
  const clientIdEnv = target.source.clientIdEnv ?? DEFAULT_CLIENT_ID_ENV;
  const tokenEnv = target.source.tokenEnv ?? DEFAULT_TOKEN_ENV;
  const clientId = ctx.env[clientIdEnv];
  const token = ctx.env[tokenEnv];
  const secrets = [clientId, token];
  const base = (target.source.url ?? DEFAULT_API).replace(/\/+$/, '');
  // Helix needs both, but probing on without them keeps a local stand-in (and any proxy that adds
  // auth) usable; only a remote API is worth a warning, once per target.
  if ((!clientId || !token) && !ctx.memory[WARNED_NO_CREDENTIALS] && !isLoopback(base)) {
    ctx.memory[WARNED_NO_CREDENTIALS] = true;
    const missing = [!clientId && clientIdEnv, !token && tokenEnv].filter(Boolean);
    ctx.log.warn({ missing }, 'twitch: credential variables are not set; probing without them');
  }
  const headers: Record<string, string> = {};
  if (clientId) headers['client-id'] = clientId;
  if (token) headers.authorization = `Bearer ${token}`;
  const url = `${base}/helix/streams?user_login=${encodeURIComponent(login)}`;
  const started = performance.now();
  try {
    const res = await request(url, { ctx, accept: 'application/json', headers });
    if (res.status === 401) warnUnauthorized(res, ctx, { clientIdEnv, tokenEnv }, secrets);
    const result = interpret(res, login);
    delete ctx.memory[WARNED_UNAUTHORIZED];
    return result;
  } catch (err) {
    if (!(err instanceof ProbeFailure)) throw err;
    ctx.log.debug({ error: err.code, status: err.status, reason: redactSecrets(err.message, secrets) }, 'twitch probe failed');
    // Helix sends Ratelimit-Reset (Unix seconds) with every answer, a 429 included.
    return failedResult(err, started, ctx, 'ratelimit-reset');
  }
};

function interpret(res: HttpResponse, login: string): ProbeResult {
  expectOk(res);
  const payload = parseJson(res.body);
  if (!isObject(payload) || !Array.isArray(payload.data)) throw invalidPayload(res, 'data is not an array');
  const wanted = login.toLowerCase();
  const stream = payload.data.find((d): d is Record<string, unknown> => isObject(d) && typeof d.user_login === 'string' && d.user_login.toLowerCase() === wanted);
  // Get Streams lists live channels only: a channel that is not broadcasting is simply absent from
  // `data`. The API answered, so the join worked and the platform's word is "nothing on air" —
  // offline, not a failure; counting it as one would raise outage alerts before every broadcast.
  if (!stream) return { state: 'offline', join: { ok: true, ms: res.ms, bytes: res.bytes } };
  return fromStream(stream, res);
}

function fromStream(stream: Record<string, unknown>, res: HttpResponse): ProbeResult {
  const type = stream.type;
  if (typeof type !== 'string') throw invalidPayload(res, 'data[].type is not a string');
  // "live" is the only documented value; Twitch sends "" when something went wrong on its side.
  const state: StreamState = type === 'live' ? 'live' : 'unknown';
  const result: ProbeResult = { state, join: { ok: true, ms: res.ms, bytes: res.bytes } };
  const count = stream.viewer_count;
  if (count !== undefined && count !== null) {
    if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 0) throw invalidPayload(res, 'data[].viewer_count is not a count');
    result.listeners = count;
  }
  const startedAt = stream.started_at;
  if (startedAt !== undefined && startedAt !== null && startedAt !== '') {
    const ms = typeof startedAt === 'string' ? Date.parse(startedAt) : NaN;
    if (!Number.isFinite(ms)) throw invalidPayload(res, 'data[].started_at is not an ISO-8601 time');
    result.startedAt = ms;
  }
  if (state === 'unknown') result.extra = { twitchType: type.slice(0, 32) };
  return result;
}

/**
 * A 401 means the credentials are wrong, not that the channel is: say so once (until a probe gets
 * through again), with Twitch's own reason ("Invalid OAuth token", "Client ID and OAuth token do not
 * match") and the variables to check — never their values.
 */
function warnUnauthorized(res: HttpResponse, ctx: ProbeContext, vars: { clientIdEnv: string; tokenEnv: string }, secrets: (string | undefined)[]): void {
  if (ctx.memory[WARNED_UNAUTHORIZED]) return;
  ctx.memory[WARNED_UNAUTHORIZED] = true;
  let message: string | undefined;
  try {
    const body = JSON.parse(res.body.toString('utf8')) as unknown;
    if (isObject(body) && typeof body.message === 'string') message = redactSecrets(body.message, secrets).slice(0, 200);
  } catch {
    // The status says enough; a body that is not JSON adds nothing.
  }
  ctx.log.warn(
    { ...vars, twitchMessage: message },
    'twitch: API answered 401; the token must be a valid app access token issued to the client ID in the variables named here',
  );
}


export const twitch: SourceDefinition<TwitchConfig> = {
  kind: 'twitch',
  configSchema: TwitchConfig,
  probe,
  description: 'Twitch Helix Get Streams: live or offline, viewer_count, started_at',
};
