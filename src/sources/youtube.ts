import { Type, type Static } from '@sinclair/typebox';
import { HttpUrl } from '../schemas/common.js';
import type { JoinErrorCode, StreamState } from '../types.js';
import { classifyStatus, failedResult, parseJson, ProbeFailure, rateLimitNotBefore, request, type HttpResponse } from './http.js';
import type { Probe, ProbeContext, ProbeResult, SourceDefinition } from './source.js';
import { invalidPayload, isLoopback, isObject, isoTime, redactSecrets } from './payload.js';

export const YouTubeConfig = Type.Object(
  {
    kind: Type.Literal('youtube'),
    videoId: Type.String({
      pattern: '^[A-Za-z0-9_-]{11}$',
      errorMessage: 'must be a YouTube video ID (the 11 characters after watch?v=)',
      description: 'The live broadcast\'s video ID, as in youtube.com/watch?v=<videoId>',
    }),
    url: Type.Optional(HttpUrl('YouTube Data API base URL (default https://www.googleapis.com)')),
    keyEnv: Type.Optional(
      Type.String({ pattern: '^[A-Z_][A-Z0-9_]*$', errorMessage: 'must be an environment variable name', description: 'Environment variable holding the API key (default YOUTUBE_API_KEY)' }),
    ),
  },
  { additionalProperties: false, description: 'YouTube Data API v3 videos.list with liveStreamingDetails' },
);
export type YouTubeConfig = Static<typeof YouTubeConfig>;

const DEFAULT_API = 'https://www.googleapis.com';
const DEFAULT_KEY_ENV = 'YOUTUBE_API_KEY';
// ctx.memory keys (per target, kept by the poller between probes).
const WARNED_NO_KEY = 'youtube.warnedNoKey';
const WARNED_KEY_REFUSED = 'youtube.warnedKeyRefused';
// The daily quota is spent: it comes back at the reset, not with time (errors[].reason).
const QUOTA_REASONS = new Set(['quotaExceeded', 'dailyLimitExceeded']);
// Short-window limits (per minute, per user): Google asks for backoff and names no reset time.
const RATE_REASONS = new Set(['rateLimitExceeded', 'userRateLimitExceeded']);
const RATE_BACKOFF_MS = 60_000;
// The quota resets at midnight Pacific; probing at 00:00:00 would race the reset, and a second
// quotaExceeded then would silence the target for another whole day.
const QUOTA_RESET_SLACK_MS = 5 * 60_000;

export const probe: Probe<YouTubeConfig> = async (target, ctx) => {
  const { videoId } = target.source;
  const keyEnv = target.source.keyEnv ?? DEFAULT_KEY_ENV;
  const key = ctx.env[keyEnv];
  const base = (target.source.url ?? DEFAULT_API).replace(/\/+$/, '');
  // Google answers 403 without a key, but a local stand-in needs none: only a remote API is worth a
  // warning, once per target.
  if (!key && !ctx.memory[WARNED_NO_KEY] && !isLoopback(base)) {
    ctx.memory[WARNED_NO_KEY] = true;
    ctx.log.warn({ keyEnv }, 'youtube: API key variable is not set; probing without a key');
  }
  // videos.list takes the key only as a query parameter, so this URL is a secret: it is never
  // logged, and every text that might carry it goes through redact() first.
  let url = `${base}/youtube/v3/videos?part=snippet,liveStreamingDetails&id=${encodeURIComponent(videoId)}`;
  if (key) url += `&key=${encodeURIComponent(key)}`;
  const started = performance.now();
  try {
    const res = await request(url, { ctx, accept: 'application/json' });
    if (res.status < 200 || res.status >= 300) return refused(res, started, ctx, keyEnv, key);
    const result = interpret(res, videoId);
    delete ctx.memory[WARNED_KEY_REFUSED];
    return result;
  } catch (err) {
    // Anything else is a bug the poller will log: make sure that log cannot carry the key either.
    if (!(err instanceof ProbeFailure)) throw new Error(redact(err instanceof Error ? err.message : String(err), key));
    ctx.log.debug({ error: err.code, status: err.status, reason: redact(err.message, key) }, 'youtube probe failed');
    return failedResult(err, started, ctx);
  }
};

function interpret(res: HttpResponse, videoId: string): ProbeResult {
  const payload = parseJson(res.body);
  if (!isObject(payload) || !Array.isArray(payload.items)) throw invalidPayload(res, 'items is not an array');
  // videos.list answers 200 with no items for an ID it does not serve: wrong, deleted or private.
  if (payload.items.length === 0) throw new ProbeFailure('not_found', 'no such video', { ms: res.ms, bytes: res.bytes, status: res.status });
  const item = payload.items.find((i): i is Record<string, unknown> => isObject(i) && i.id === videoId);
  if (!item) throw invalidPayload(res, 'items do not include the video');
  const snippet = item.snippet;
  if (!isObject(snippet) || typeof snippet.liveBroadcastContent !== 'string') throw invalidPayload(res, 'snippet.liveBroadcastContent is not a string');
  const details = item.liveStreamingDetails ?? {};
  if (!isObject(details)) throw invalidPayload(res, 'liveStreamingDetails is not an object');

  const scheduledStart = isoTime(details.scheduledStartTime, 'liveStreamingDetails.scheduledStartTime', res);
  const scheduledEnd = isoTime(details.scheduledEndTime, 'liveStreamingDetails.scheduledEndTime', res);
  const startedAt = isoTime(details.actualStartTime, 'liveStreamingDetails.actualStartTime', res);
  const endedAt = isoTime(details.actualEndTime, 'liveStreamingDetails.actualEndTime', res);
  const content = snippet.liveBroadcastContent;
  const state = stateOf(content, endedAt);

  const result: ProbeResult = { state, join: { ok: true, ms: res.ms, bytes: res.bytes } };
  // Absent while the owner hides the count, and again once the broadcast ends: no count, not zero.
  const listeners = count(details.concurrentViewers, res);
  if (listeners !== undefined) result.listeners = listeners;
  if (scheduledStart !== undefined) result.schedule = scheduledEnd === undefined ? { start: scheduledStart } : { start: scheduledStart, end: scheduledEnd };
  if (startedAt !== undefined) result.startedAt = startedAt;
  if (endedAt !== undefined) result.endedAt = endedAt;
  if (state === 'unknown') result.extra = { youtubeContent: content.slice(0, 32) };
  return result;
}

/**
 * YouTube sets actualEndTime only once a broadcast is over, so it outranks liveBroadcastContent.
 * "none" without an end is a video that is not a broadcast (an upload, or a broadcast that never
 * happened): the platform answers and nothing is on air, which is offline.
 */
function stateOf(content: string, endedAt: number | undefined): StreamState {
  if (endedAt !== undefined) return 'ended';
  if (content === 'live') return 'live';
  if (content === 'upcoming') return 'scheduled';
  if (content === 'none') return 'offline';
  return 'unknown';
}

/** concurrentViewers is a decimal string (the API's int64 encoding); a bare number is accepted too. */
function count(value: unknown, res: HttpResponse): number | undefined {
  if (value === undefined || value === null) return undefined;
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d{1,16}$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < 0) throw invalidPayload(res, 'liveStreamingDetails.concurrentViewers is not a count');
  return n;
}

/**
 * A non-2xx answer, in Google's error shape: `{ error: { code, message, errors: [{ domain, reason,
 * message }] } }`. The reason tells a spent quota (403 quotaExceeded) from a refused key (400
 * keyInvalid, 403 forbidden or accessNotConfigured) — the same status, opposite remedies.
 */
function refused(res: HttpResponse, started: number, ctx: ProbeContext, keyEnv: string, key: string | undefined): ProbeResult {
  const { reason, message } = googleError(res.body);
  let code: JoinErrorCode = classifyStatus(res.status) ?? 'invalid_payload';
  let notBefore: number | undefined;
  const now = ctx.now();
  if (reason !== undefined && QUOTA_REASONS.has(reason)) {
    code = 'rate_limited';
    notBefore = nextPacificMidnight(now) + QUOTA_RESET_SLACK_MS;
  } else if (code === 'rate_limited' || (reason !== undefined && RATE_REASONS.has(reason))) {
    code = 'rate_limited';
    notBefore = rateLimitNotBefore(res.headers, now) ?? now + RATE_BACKOFF_MS;
  }
  if (code === 'http_4xx' && !ctx.memory[WARNED_KEY_REFUSED]) {
    ctx.memory[WARNED_KEY_REFUSED] = true;
    ctx.log.warn(
      { keyEnv, status: res.status, googleReason: reason, googleMessage: message === undefined ? undefined : redact(message, key).slice(0, 200) },
      'youtube: API refused the request; check the key in the variable named here (valid, YouTube Data API v3 enabled for its project, not restricted away from this host)',
    );
  }
  const failure = new ProbeFailure(code, `HTTP ${res.status}${reason ? ` ${reason}` : ''}`, { ms: res.ms, bytes: res.bytes, status: res.status });
  ctx.log.debug({ error: code, status: res.status, reason }, 'youtube probe failed');
  const result = failedResult(failure, started, ctx);
  if (reason !== undefined) result.extra = { ...result.extra, reason: reason.slice(0, 32) };
  if (notBefore !== undefined) result.notBefore = notBefore;
  return result;
}

function googleError(body: Buffer): { reason?: string; message?: string } {
  let payload: unknown;
  try {
    payload = JSON.parse(body.toString('utf8'));
  } catch {
    return {};
  }
  const error = isObject(payload) ? payload.error : undefined;
  if (!isObject(error)) return {};
  const first = Array.isArray(error.errors) ? error.errors.find(isObject) : undefined;
  return {
    reason: typeof first?.reason === 'string' ? first.reason : undefined,
    message: typeof error.message === 'string' ? error.message : undefined,
  };
}

/**
 * The next midnight in Pacific Time, epoch ms: when the YouTube Data API's daily quota resets
 * ("Daily quotas reset at midnight Pacific Time (PT)", developers.google.com/youtube/v3/determine_quota_cost).
 * Midnight PT is 07:00 UTC under daylight time and 08:00 UTC otherwise; the time-zone database decides which.
 */
export function nextPacificMidnight(now: number): number {
  try {
    const fmt = new Intl.DateTimeFormat('en-US', { timeZone: 'America/Los_Angeles', hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric' });
    const part = (t: number, type: Intl.DateTimeFormatPartTypes) => Number(fmt.formatToParts(t).find((p) => p.type === type)?.value);
    const [y, m, d] = [part(now, 'year'), part(now, 'month'), part(now, 'day')];
    for (const utcHour of [7, 8]) {
      const t = Date.UTC(y, m - 1, d + 1, utcHour);
      if (part(t, 'hour') === 0 && part(t, 'minute') === 0) return t;
    }
  } catch {
    // A Node built without time-zone data: fall through.
  }
  // 08:00 UTC is midnight PST or 01:00 PDT: never before the reset.
  const day = 86_400_000;
  const t = Math.floor(now / day) * day + 8 * 3_600_000;
  return t > now ? t : t + day;
}

/** Removes the key from text that may be logged: as a value, and as any `key=` query parameter. */
function redact(text: string, key: string | undefined): string {
  return redactSecrets(text, [key, key && encodeURIComponent(key)]).replace(/([?&]key=)[^&#\s"']*/g, '$1[redacted]');
}

export const youtube: SourceDefinition<YouTubeConfig> = {
  kind: 'youtube',
  configSchema: YouTubeConfig,
  probe,
  description: 'YouTube Data API v3 videos.list: live/upcoming/ended, concurrentViewers, scheduled and actual times',
};
