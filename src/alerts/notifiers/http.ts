import { request, type Dispatcher } from 'undici';

// The one way a notifier does HTTP: a JSON POST through the notifier pool, bounded in time by the
// dispatcher's signal and in size on the way back, with every failure turned into a NotifyError
// that says whether trying again could help. Nothing here logs: URLs and headers carry secrets.

export type NotifyFailure = 'http' | 'timeout' | 'network';

export class NotifyError extends Error {
  override readonly name = 'NotifyError';
  readonly reason: NotifyFailure;
  /** 5xx, 408, 429, timeouts and network failures are worth another attempt; other answers are not. */
  readonly retryable: boolean;
  readonly status?: number;
  /** From a 429's or 503's Retry-After, in ms. */
  readonly retryAfterMs?: number;

  constructor(reason: NotifyFailure, message: string, more: { status?: number; retryAfterMs?: number } = {}) {
    super(message);
    this.reason = reason;
    this.status = more.status;
    this.retryAfterMs = more.retryAfterMs;
    this.retryable = reason !== 'http' || isRetryableStatus(more.status ?? 0);
  }
}

/** A 4xx means the receiver will refuse the same request again — except 408 (it timed out) and 429 (later, please). */
export function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 429;
}

export interface PostOptions {
  dispatcher: Dispatcher;
  signal: AbortSignal;
  /** Added before ours: a configured header can replace user-agent but never content-type or a signature. */
  headers?: Readonly<Record<string, string>>;
  /** Set last; e.g. the webhook signature. */
  fixedHeaders?: Readonly<Record<string, string>>;
}

// Enough of an error body to see Slack's `invalid_blocks` or Alertmanager's validation message.
const ERROR_SNIPPET_BYTES = 300;
// A success body is read only so the keep-alive connection can be reused; past this it is closed instead.
const SUCCESS_DUMP_BYTES = 64 * 1024;

/**
 * POSTs `body` as JSON. Redirects are not followed: re-posting a signed alert to a place the config
 * did not name would hand it to a stranger, so a 3xx is a (non-retryable) failure to fix in config.
 */
export async function postJson(url: string, body: Buffer, o: PostOptions): Promise<void> {
  const headers: Record<string, string> = {
    'user-agent': 'spacewatch',
    ...lowerKeys(o.headers ?? {}),
    'content-type': 'application/json',
    ...lowerKeys(o.fixedHeaders ?? {}),
  };
  let res: Dispatcher.ResponseData;
  try {
    res = await request(url, { method: 'POST', body, headers, dispatcher: o.dispatcher, signal: o.signal });
  } catch (err) {
    throw o.signal.aborted ? new NotifyError('timeout', 'no answer in time') : new NotifyError('network', `network error (${errorCode(err)})`);
  }
  if (res.statusCode >= 200 && res.statusCode < 300) {
    await res.body.dump({ limit: SUCCESS_DUMP_BYTES }).catch(() => undefined);
    return;
  }
  const snippet = await readSnippet(res.body);
  const retryAfterMs = parseRetryAfter(res.headers['retry-after'], Date.now());
  throw new NotifyError('http', `HTTP ${res.statusCode}${snippet ? `: ${snippet}` : ''}`, { status: res.statusCode, retryAfterMs });
}

async function readSnippet(body: Dispatcher.ResponseData['body']): Promise<string> {
  // Leaving the loop early destroys the body, and undici then emits an error nobody would hear.
  body.on('error', () => undefined);
  const chunks: Buffer[] = [];
  let bytes = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      bytes += chunk.length;
      if (bytes >= ERROR_SNIPPET_BYTES) break;
    }
  } catch {
    // The status is the message; a body cut short adds nothing.
  }
  body.destroy();
  return Buffer.concat(chunks)
    .toString('utf8')
    .slice(0, ERROR_SNIPPET_BYTES)
    // Control characters (newlines included) would break the log line apart.
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .trim();
}

/** RFC 9110 §10.2.3: delay-seconds or an HTTP-date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, now: number): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v.trim()) * 1000;
  const at = Date.parse(v);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

/** `https://hooks.slack.com/services/T0/B0/secret?x=y` → `https://hooks.slack.com`: paths and queries carry tokens. */
export function redactUrl(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return '(invalid url)';
  }
}

function errorCode(err: unknown): string {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return err instanceof Error ? err.name : 'unknown';
}

function lowerKeys(h: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
}
