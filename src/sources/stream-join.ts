import { Type } from '@sinclair/typebox';
import { request as undiciRequest } from 'undici';
import type { JoinErrorCode, JoinResult, Observation } from '../types.js';
import { classifyError, classifyStatus, failedResult, header, MAX_REDIRECTS, ProbeFailure } from './http.js';
import type { ProbeContext, ProbeResult } from './source.js';

// Joining an Icecast or SHOUTcast mount the way a listener does: GET it, wait for the first audio
// byte, read a bounded amount, hang up. Shared by the icecast and shoutcast sources and by the
// audio-level probe, which reads the audio through `onAudio`.
//
// A live stream's body never ends, so request() (which reads to the end or fails with
// body_too_large) cannot be used; this does the same exchange through the same dispatcher, signal
// and error classification, but stops reading on purpose once it has what it came for.

/** Audio read per join by default: a quarter second of 512 kbit/s, two seconds of 64 kbit/s, well inside Icecast's 64 KiB connect burst. */
export const DEFAULT_JOIN_BYTES = 16 * 1024;

// Config fields shared by the sources that join a mount (icecast, shoutcast).
export const JoinFlag = Type.Boolean({
  errorMessage: 'must be true or false',
  description: 'Join the stream as a listener on every probe (default true): time to the first audio byte',
});

export const JoinBytes = Type.Integer({
  minimum: 1,
  maximum: 16_777_216,
  errorMessage: 'must be an integer number of bytes between 1 and 16777216',
  description: `Audio bytes a join reads before hanging up (default ${DEFAULT_JOIN_BYTES}; capped at poller.maxResponseBytes)`,
});

export interface JoinOptions {
  /** Audio bytes to read before hanging up; capped at ctx.maxBytes. */
  bytes: number;
  /**
   * Receives the audio as it is read (at most `bytes` in all), e.g. to measure its level. Returning
   * false hangs up there (a successful join), for a caller that has heard enough.
   */
  onAudio?: (chunk: Buffer) => unknown;
}

/** A JoinResult plus what the mount answered; copy the JoinResult fields into an observation, not these. */
export interface StreamJoin extends JoinResult {
  /** HTTP status of the final answer, when one arrived. */
  status?: number;
  contentType?: string;
}

const USER_AGENT = 'spacewatch';
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const DUMP_LIMIT = 16 * 1024;
// A mount that answers a page instead of audio (a login wall, a proxy's error page served as 200,
// a playlist) did not let a listener in.
const NOT_AUDIO = /^(text\/|application\/(json|xml|xhtml\+xml|vnd\.apple\.mpegurl|x-mpegurl)\b)/i;

type Body = AsyncIterable<Buffer> & {
  destroy(err?: Error): unknown;
  on(event: 'error', fn: (err: Error) => void): unknown;
  dump(opts?: { limit?: number }): Promise<void>;
};

/**
 * GETs a stream mount as a listener and reports how joining went. Never throws for the stream's
 * sake (an exception means a bug, or `onAudio` threw). Outcomes:
 * - ok: audio arrived; `ms` is the time to the first audio byte (redirects included), `bytes` what
 *   was read. Reading stops at `bytes`, or when the probe's time runs out while audio is still
 *   flowing (a listener was hearing audio; the budget ran out, not the stream); then the
 *   connection is closed, so the server sees the listener leave at once.
 * - `no_source`: 404/410 (Icecast's answer for a mount without a source), or a 2xx whose body ends
 *   before any audio.
 * - `ended`: the body ended cleanly after some audio but before `bytes` (the broadcast stopped while
 *   we listened, or the URL is a finite file).
 * - `stalled`: the server accepted the listener but no audio arrived before the time ran out.
 * - `invalid_payload`: a 2xx that is a document (HTML, JSON, XML, a playlist), not audio.
 * - otherwise the code of the HTTP status or of the network failure, as request() classifies them.
 */
export async function joinStream(url: string, ctx: ProbeContext, opts: JoinOptions): Promise<StreamJoin> {
  const want = Number.isFinite(opts.bytes) ? Math.max(1, Math.min(Math.floor(opts.bytes), ctx.maxBytes)) : ctx.maxBytes;
  const started = performance.now();
  // Tenths of a millisecond: a join to a server on the same host takes under one, and 0 would read as "not measured".
  const elapsed = () => Math.round((performance.now() - started) * 10) / 10;
  const fail = (error: JoinErrorCode, more: Partial<StreamJoin> = {}): StreamJoin => ({ ok: false, ms: elapsed(), error, bytes: 0, ...more });
  let current: URL;
  try {
    current = new URL(url);
  } catch {
    return fail('invalid_payload');
  }

  for (let hop = 0; ; hop++) {
    let res;
    try {
      res = await undiciRequest(current, {
        method: 'GET',
        // No Icy-MetaData header: without it the server sends bare audio, with no metadata blocks interleaved.
        headers: { 'user-agent': USER_AGENT, accept: '*/*' },
        dispatcher: ctx.dispatcher,
        signal: ctx.signal,
      });
    } catch (err) {
      return fail(classifyError(err));
    }
    const status = res.statusCode;
    const body = res.body as unknown as Body;
    // undici's body emits "Request aborted" when destroyed unread; an unheard 'error' event would crash the process.
    body.on('error', () => undefined);
    const location = header(res.headers, 'location');
    if (REDIRECT_STATUSES.has(status) && location !== undefined) {
      await body.dump({ limit: DUMP_LIMIT }).catch(() => undefined);
      const next = hop < MAX_REDIRECTS ? httpUrl(location, current) : undefined;
      if (!next) return fail('invalid_payload', { status });
      current = next;
      continue;
    }
    const statusCode = classifyStatus(status);
    if (statusCode) {
      await body.dump({ limit: DUMP_LIMIT }).catch(() => undefined);
      return fail(status === 404 || status === 410 ? 'no_source' : statusCode, { status });
    }
    const contentType = header(res.headers, 'content-type');
    const answered = { status, ...(contentType === undefined ? {} : { contentType }) };
    if (contentType !== undefined && NOT_AUDIO.test(contentType.trim())) {
      body.destroy();
      return fail('invalid_payload', answered);
    }
    return readAudio(body, want, ctx, opts, elapsed, answered);
  }
}

async function readAudio(
  body: Body,
  want: number,
  ctx: ProbeContext,
  opts: JoinOptions,
  elapsed: () => number,
  answered: { status: number; contentType?: string },
): Promise<StreamJoin> {
  let got = 0;
  let firstMs: number | undefined;
  let enough = false;
  // An exception from onAudio is the caller's, not the stream's: it is rethrown, not classified.
  let callerThrew: { error: unknown } | undefined;
  try {
    for await (const chunk of body) {
      if (chunk.length === 0) continue;
      firstMs ??= elapsed();
      const piece = chunk.length > want - got ? chunk.subarray(0, want - got) : chunk;
      got += piece.length;
      try {
        enough = opts.onAudio?.(piece) === false || got >= want;
      } catch (error) {
        callerThrew = { error };
        break;
      }
      // Leaving the loop destroys the body, which closes the connection: the rest is never read.
      if (enough) break;
    }
  } catch (err) {
    if (ctx.signal.aborted) {
      if (firstMs !== undefined) return { ok: true, ms: firstMs, bytes: got, ...answered };
      return { ok: false, ms: elapsed(), error: 'stalled', bytes: 0, ...answered };
    }
    return { ok: false, ms: firstMs ?? elapsed(), error: classifyError(err), bytes: got, ...answered };
  } finally {
    // Also when onAudio threw: the socket must not stay open behind an exception.
    body.destroy();
  }
  if (callerThrew) throw callerThrew.error;
  if (enough) return { ok: true, ms: firstMs ?? elapsed(), bytes: got, ...answered };
  if (firstMs === undefined) return { ok: false, ms: elapsed(), error: 'no_source', bytes: 0, ...answered };
  return { ok: false, ms: firstMs, error: 'ended', bytes: got, ...answered };
}

function httpUrl(location: string, base: URL): URL | undefined {
  try {
    const u = new URL(location, base);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u : undefined;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Status page + join → one observation. Icecast and SHOUTcast both answer two questions from two
// requests: the status page says whether a source is on the mount and how many listen; the join
// says whether a listener actually gets audio. Either can fail while the other works, and the
// observation keeps what was learnt from each.

/** What a server's status page said about one mount. */
export interface MountStatus {
  /** A source is on the mount. */
  live: boolean;
  listeners?: number;
  startedAt?: number;
  /** The status request's own timing, used as the join when no listener join is made. */
  ms: number;
  bytes: number;
  extra?: Observation['extra'];
}

// The status request failed before reaching the server, or used up the time: a join to the same
// host would fail the same way (or with a misleading `timeout`), so it is not attempted.
const UNREACHABLE: ReadonlySet<JoinErrorCode> = new Set(['dns', 'connect_refused', 'connect_timeout', 'tls', 'timeout']);

/** Whether a listener join is still worth trying after the status read. */
export function joinWorthTrying(status: MountStatus | ProbeFailure, ctx: ProbeContext): boolean {
  return !ctx.signal.aborted && !(status instanceof ProbeFailure && UNREACHABLE.has(status.code));
}

/** The JoinResult fields of a StreamJoin (an observation keeps nothing else). */
export function joinOf(j: StreamJoin): JoinResult {
  const out: JoinResult = { ok: j.ok, ms: j.ms };
  if (j.error !== undefined) out.error = j.error;
  if (j.bytes !== undefined) out.bytes = j.bytes;
  return out;
}

/**
 * Merges a status read and an optional join into one result:
 * - no join (turned off or not worth trying): the status read stands in for it, as the json source
 *   does; a mount without a source is `offline` with `no_source`; a failed status read is the
 *   classified failure.
 * - with a join: the join is the observation's `join` (what a listener experienced), and the state
 *   is what both say together. A join told "no source" (404) means offline whatever the status
 *   page said a moment earlier; audio means live even when the status page failed or does not list
 *   the mount (Icecast hides `<hidden>` mounts from it); otherwise the status page decides, and
 *   with neither the state is unknown. Listener counts come only from the status page; a failed
 *   status read is kept as `extra.statusError` so the observation shows why the count is missing.
 */
export function mountResult(status: MountStatus | ProbeFailure, join: StreamJoin | undefined, startedAt: number, ctx: ProbeContext): ProbeResult {
  if (!join) {
    if (status instanceof ProbeFailure) return failedResult(status, startedAt, ctx);
    const result = fromStatus(status);
    result.join = status.live ? { ok: true, ms: status.ms, bytes: status.bytes } : { ok: false, ms: status.ms, error: 'no_source', bytes: status.bytes };
    return result;
  }
  if (status instanceof ProbeFailure) {
    const state = join.error === 'no_source' ? 'offline' : join.ok ? 'live' : 'unknown';
    return { state, join: joinOf(join), extra: { statusError: status.code } };
  }
  const result = fromStatus(status);
  result.join = joinOf(join);
  if (join.error === 'no_source') result.state = 'offline';
  else if (join.ok) result.state = 'live';
  return result;
}

function fromStatus(status: MountStatus): ProbeResult {
  const result: ProbeResult = { state: status.live ? 'live' : 'offline', join: { ok: status.live, ms: status.ms } };
  if (status.listeners !== undefined) result.listeners = status.listeners;
  if (status.startedAt !== undefined) result.startedAt = status.startedAt;
  if (status.extra && Object.keys(status.extra).length > 0) result.extra = status.extra;
  return result;
}

/** A listener count: a non-negative integer, sent as a number (or, by older status templates, a numeric string). Anything else is no count. */
export function countOf(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : NaN;
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}
