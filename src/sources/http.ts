import { request as undiciRequest, type Dispatcher } from 'undici';
import type { JoinErrorCode, JoinResult } from '../types.js';
import type { ProbeContext, ProbeResult } from './source.js';

type IncomingHttpHeaders = Dispatcher.ResponseData['headers'];

// The one way a probe does HTTP. Every read is bounded twice (DESIGN.md "Sources and probes"): in
// time by the probe's abort signal, and in size by maxBytes, enforced while the body streams in so a
// hostile or broken endpoint can never make the poller buffer more than it allows.

export interface RequestOptions {
  ctx: ProbeContext;
  headers?: Record<string, string>;
  method?: 'GET' | 'HEAD';
  /** Largest body accepted; defaults to ctx.maxBytes. */
  maxBytes?: number;
  /** Accept header; defaults to any type. */
  accept?: string;
  /** Redirects followed before giving up; defaults to MAX_REDIRECTS, 0 turns following off. */
  maxRedirects?: number;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** From sending the first request to the final response's headers, redirects included: what a listener would wait. */
  ms: number;
  /** Body bytes read (of the final response). */
  bytes: number;
  /** The URL that answered, after redirects. */
  url: string;
}

export const MAX_REDIRECTS = 5;
// Platforms ask API clients to identify themselves; no version, so the string never goes stale.
const USER_AGENT = 'spacewatch';
// Redirect bodies are thrown away; they only need reading far enough to keep the connection reusable.
const REDIRECT_DUMP_LIMIT = 16 * 1024;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
// Credentials must not follow a redirect to another origin (Fetch standard, "HTTP-redirect fetch";
// curl and undici's redirect handler do the same), or a redirect would hand the bearer token to a stranger.
const CREDENTIAL_HEADERS = new Set(['authorization', 'cookie', 'proxy-authorization']);

/** A probe's failure, carrying the join-error code. Probes catch it and return a result; it never leaves a probe. */
export class ProbeFailure extends Error {
  readonly code: JoinErrorCode;
  /** Time until the failure, when known. */
  readonly ms?: number;
  readonly bytes?: number;
  readonly status?: number;
  readonly headers?: IncomingHttpHeaders;

  constructor(code: JoinErrorCode, message: string, more: { ms?: number; bytes?: number; status?: number; headers?: IncomingHttpHeaders; cause?: unknown } = {}) {
    super(message, more.cause === undefined ? undefined : { cause: more.cause });
    this.name = 'ProbeFailure';
    this.code = code;
    this.ms = more.ms;
    this.bytes = more.bytes;
    this.status = more.status;
    this.headers = more.headers;
  }
}

/**
 * GET (or HEAD) `url` through the poller's dispatcher. Answers with any HTTP status: the caller
 * decides what a 404 means (an ended X Space is not a missing Icecast mount). Throws ProbeFailure
 * for network failures, a body over maxBytes, or a redirect chain that is too long or leaves http(s).
 */
export async function request(url: string, opts: RequestOptions): Promise<HttpResponse> {
  const { ctx } = opts;
  const maxBytes = opts.maxBytes ?? ctx.maxBytes;
  const maxRedirects = opts.maxRedirects ?? MAX_REDIRECTS;
  const headers: Record<string, string> = { 'user-agent': USER_AGENT, accept: opts.accept ?? '*/*', ...lowerKeys(opts.headers ?? {}) };
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  let current = new URL(url);

  for (let hop = 0; ; hop++) {
    let res;
    try {
      res = await undiciRequest(current, { method: opts.method ?? 'GET', headers, dispatcher: ctx.dispatcher, signal: ctx.signal });
    } catch (err) {
      throw new ProbeFailure(classifyError(err), describe(err), { ms: elapsed(), bytes: 0, cause: err });
    }
    const ms = elapsed();
    const location = res.headers.location;
    if (REDIRECT_STATUSES.has(res.statusCode) && typeof location === 'string' && maxRedirects > 0) {
      await res.body.dump({ limit: REDIRECT_DUMP_LIMIT }).catch(() => undefined);
      if (hop >= maxRedirects) throw new ProbeFailure('invalid_payload', `more than ${maxRedirects} redirects`, { ms, bytes: 0, status: res.statusCode });
      const next = safeUrl(location, current);
      if (!next) throw new ProbeFailure('invalid_payload', 'redirect to a location that is not http(s)', { ms, bytes: 0, status: res.statusCode });
      if (next.origin !== current.origin) for (const name of CREDENTIAL_HEADERS) delete headers[name];
      current = next;
      continue;
    }
    const body = await readBounded(res.body, res.headers, maxBytes, { ms, status: res.statusCode, elapsed });
    return { status: res.statusCode, headers: res.headers, body, ms, bytes: body.length, url: current.href };
  }
}

type Body = AsyncIterable<Buffer> & { destroy(err?: Error): unknown; on(event: 'error', fn: (err: Error) => void): unknown };

// undici's body emits "Request aborted" when destroyed unread; nobody is listening by then, and an
// unheard 'error' event would crash the process.
function discard(body: Body): void {
  body.on('error', () => undefined);
  body.destroy();
}

async function readBounded(body: Body, headers: IncomingHttpHeaders, maxBytes: number, at: { ms: number; status: number; elapsed: () => number }): Promise<Buffer> {
  // A declared length over the limit fails before a byte is read; chunked bodies are counted as they arrive.
  const declared = Number(headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    discard(body);
    throw new ProbeFailure('body_too_large', `declared body of ${declared} bytes exceeds ${maxBytes}`, { ms: at.ms, bytes: 0, status: at.status });
  }
  const chunks: Buffer[] = [];
  let bytes = 0;
  try {
    for await (const chunk of body) {
      bytes += chunk.length;
      if (bytes > maxBytes) {
        // Destroying the body aborts the request and closes the connection: the rest is never read.
        discard(body);
        throw new ProbeFailure('body_too_large', `body exceeds ${maxBytes} bytes`, { ms: at.ms, bytes, status: at.status });
      }
      chunks.push(chunk);
    }
  } catch (err) {
    if (err instanceof ProbeFailure) throw err;
    throw new ProbeFailure(classifyError(err), describe(err), { ms: at.elapsed(), bytes, status: at.status, cause: err });
  }
  return Buffer.concat(chunks, bytes);
}

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_NODATA', 'EAI_FAIL']);
const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_ABORTED', 'UND_ERR_ABORT', 'ABORT_ERR']);
// The peer accepted the connection, then dropped it before a full answer. No dedicated code exists;
// a reverse proxy in front of such a server answers 502, so it is counted with the 5xx answers.
const DROPPED_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_DESTROYED']);
// An answer that is not valid HTTP, or a body cut short of its declared length.
const MALFORMED_CODES = new Set(['UND_ERR_HEADERS_OVERFLOW', 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH', 'UND_ERR_INFO']);

/**
 * Maps a failure of an HTTP exchange to a join-error code. Total: an error it does not recognise
 * counts as http_5xx (the far side failed to answer), so a new undici error never crashes a probe.
 */
export function classifyError(err: unknown): JoinErrorCode {
  if (err instanceof ProbeFailure) return err.code;
  for (const e of causes(err)) {
    const name = (e as { name?: unknown }).name;
    if (name === 'AbortError' || name === 'TimeoutError') return 'timeout';
    // undici 7 builds every HTTPParserError with `code` undefined (it looks the llhttp error number up
    // in a name→number map), so the HPE_ test below never sees one: recognise the class by name.
    if (name === 'HTTPParserError') return 'invalid_payload';
    const code = (e as { code?: unknown }).code;
    if (typeof code !== 'string') continue;
    if (DNS_CODES.has(code)) return 'dns';
    if (code === 'ECONNREFUSED' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return 'connect_refused';
    if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'ETIMEDOUT') return 'connect_timeout';
    if (isTlsCode(code)) return 'tls';
    // A peer that hangs up during the handshake surfaces as a bare ECONNRESET; only Node's message
    // (_tls_wrap.js onConnectEnd, unchanged since Node 10) tells it from a reset after the answer began.
    if (code === 'ECONNRESET' && /before secure TLS connection/.test(String((e as { message?: unknown }).message))) return 'tls';
    if (TIMEOUT_CODES.has(code)) return 'timeout';
    if (code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') return 'body_too_large';
    if (MALFORMED_CODES.has(code) || code.startsWith('HPE_')) return 'invalid_payload';
    if (DROPPED_CODES.has(code)) return 'http_5xx';
  }
  return 'http_5xx';
}

function isTlsCode(code: string): boolean {
  return (
    code.startsWith('ERR_TLS_') ||
    code.startsWith('ERR_SSL_') ||
    code.startsWith('CERT_') ||
    code === 'EPROTO' ||
    code === 'DEPTH_ZERO_SELF_SIGNED_CERT' ||
    code === 'SELF_SIGNED_CERT_IN_CHAIN' ||
    code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' ||
    code.startsWith('UNABLE_TO_GET_ISSUER_CERT') ||
    code === 'HOSTNAME_MISMATCH'
  );
}

/** The error and its causes (and an AggregateError's members, as Node's happy-eyeballs connect raises), outermost first. */
function causes(err: unknown): unknown[] {
  const out: unknown[] = [];
  const queue = [err];
  while (queue.length && out.length < 10) {
    const e = queue.shift();
    if (e === null || typeof e !== 'object') continue;
    out.push(e);
    if (e instanceof AggregateError) queue.push(...e.errors);
    if ('cause' in e) queue.push(e.cause);
  }
  return out;
}

/** Join-error code of an HTTP status; undefined for 2xx. A status no rule covers (1xx, an unfollowed 3xx) is not a usable answer. */
export function classifyStatus(status: number): JoinErrorCode | undefined {
  if (status >= 200 && status < 300) return undefined;
  if (status === 404 || status === 410) return 'not_found';
  if (status === 429) return 'rate_limited';
  if (status >= 400 && status < 500) return 'http_4xx';
  if (status >= 500) return 'http_5xx';
  return 'invalid_payload';
}

/** Throws the classified ProbeFailure unless the answer is a 2xx. */
export function expectOk(res: HttpResponse): HttpResponse {
  const code = classifyStatus(res.status);
  if (code) throw new ProbeFailure(code, `HTTP ${res.status}`, { ms: res.ms, bytes: res.bytes, status: res.status, headers: res.headers });
  return res;
}

/** Parses a JSON body; malformed JSON is the endpoint's fault, so it is an invalid_payload failure, not a crash. */
export function parseJson(body: Buffer | string): unknown {
  try {
    return JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
  } catch (err) {
    throw new ProbeFailure('invalid_payload', 'body is not valid JSON', { cause: err });
  }
}

/** First value of a response header. */
export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** Longest pause a rate-limit header may ask for; a broken header must not silence a target for days. */
export const MAX_BACKOFF_MS = 60 * 60_000;

/**
 * When a rate-limited client may ask again, epoch ms: `resetHeader` as Unix seconds if given (X sends
 * `x-rate-limit-reset`, Twitch `ratelimit-reset`), else `Retry-After` as seconds or an HTTP-date
 * (RFC 9110 §10.2.3). Capped at MAX_BACKOFF_MS from now; undefined when no usable header is present.
 */
export function rateLimitNotBefore(headers: IncomingHttpHeaders, now: number, resetHeader?: string): number | undefined {
  let at: number | undefined;
  const reset = resetHeader ? header(headers, resetHeader) : undefined;
  if (reset !== undefined && /^\d+$/.test(reset.trim())) at = Number(reset) * 1000;
  const retryAfter = at === undefined ? header(headers, 'retry-after')?.trim() : undefined;
  if (retryAfter !== undefined) at = /^\d+$/.test(retryAfter) ? now + Number(retryAfter) * 1000 : Date.parse(retryAfter);
  if (at === undefined || !Number.isFinite(at) || at <= now) return undefined;
  return Math.min(at, now + MAX_BACKOFF_MS);
}

/** The join part of a failed probe's result. */
export function failedJoin(err: ProbeFailure, startedAt: number): JoinResult {
  return { ok: false, ms: err.ms ?? Math.round(performance.now() - startedAt), error: err.code, bytes: err.bytes ?? 0 };
}

/**
 * The result every probe returns for a classified failure: state unknown (the probe could not tell),
 * the HTTP status when there was one, and for a 429 the instant the platform says to come back.
 */
export function failedResult(err: ProbeFailure, startedAt: number, ctx: ProbeContext, resetHeader?: string): ProbeResult {
  const result: ProbeResult = { state: 'unknown', join: failedJoin(err, startedAt) };
  if (err.status !== undefined) result.extra = { status: err.status };
  if (err.code === 'rate_limited' && err.headers) {
    const notBefore = rateLimitNotBefore(err.headers, ctx.now(), resetHeader);
    if (notBefore !== undefined) result.notBefore = notBefore;
  }
  return result;
}

function safeUrl(location: string, base: URL): URL | undefined {
  try {
    const u = new URL(location, base);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u : undefined;
  } catch {
    return undefined;
  }
}

function lowerKeys(h: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
}

// Messages go to debug logs: the error's own text (no request headers, so never a token).
function describe(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}`.slice(0, 300) : String(err).slice(0, 300);
}
