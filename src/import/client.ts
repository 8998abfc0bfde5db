// The importer's side of `POST /api/v1/targets/:id/observations`: one request at a time, retried
// with backoff when the server or the network hiccups, and the answers sorted into what the caller
// acts on (written, a refused batch to split or trim) and what ends the import (ImportFailure).
// The token goes in the Authorization header only, and no message here ever includes it.

import { setTimeout as sleep } from 'node:timers/promises';

/** Why the import cannot go on; each maps to exit code 2 with `message` as the one line. */
export class ImportFailure extends Error {
  constructor(
    message: string,
    readonly kind: 'unreachable' | 'auth' | 'target' | 'server',
  ) {
    super(message);
  }
}

export type PostResult =
  | { ok: true; written: number; duplicates: number }
  /** A 4xx about the batch itself (a bad row, too large): the caller splits or trims and retries. */
  | { ok: false; status: number; code: string; message: string };

export interface ClientOptions {
  /** Server root, e.g. http://127.0.0.1:8080. */
  base: string;
  target: string;
  token?: string;
  /** Attempts per request before giving up (network errors, 5xx, 429). */
  attempts?: number;
  /** First backoff; doubles per attempt. */
  backoffMs?: number;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export interface ImportClient {
  readonly url: string;
  /** An empty import: proves the server answers, the target exists and the token is accepted, before any row is read. */
  check(): Promise<void>;
  post(ndjson: string): Promise<PostResult>;
}

/** `http://host:8080/`, `http://host:8080/api/v1` → `http://host:8080`; undefined when not an http(s) URL. */
export function normaliseBase(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
  return `${u.origin}${u.pathname.replace(/\/+$/, '').replace(/\/api\/v1$/, '')}`;
}

interface ErrorBody {
  code?: string;
  message?: string;
}

async function errorBody(res: Response): Promise<ErrorBody> {
  try {
    return (await res.json()) as ErrorBody;
  } catch {
    return {};
  }
}

/** The retry-after header in ms (seconds or an HTTP date), if the server sent one we can use. */
function retryAfterMs(res: Response): number | undefined {
  const h = res.headers.get('retry-after');
  if (!h) return undefined;
  const s = Number(h);
  if (Number.isFinite(s)) return Math.max(0, s * 1000);
  const at = Date.parse(h);
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined;
}

/**
 * The counts of a 2xx answer. Something else answering 2xx (a proxy's login page, another service on
 * the port) is not a spacewatch, and nothing can be said about the rows sent to it: the import stops.
 */
async function importResult(res: Response, url: string): Promise<{ written: number; duplicates: number }> {
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    body = undefined;
  }
  const { written, duplicates } = (body ?? {}) as { written?: unknown; duplicates?: unknown };
  if (typeof written !== 'number' || typeof duplicates !== 'number') {
    const type = res.headers.get('content-type') ?? 'no content type';
    throw new ImportFailure(`${url} answered ${res.status} (${type}) without an import result: is it a spacewatch server?`, 'server');
  }
  return { written, duplicates };
}

export function createClient(opts: ClientOptions): ImportClient {
  const doFetch = opts.fetch ?? fetch;
  const attempts = opts.attempts ?? 4;
  const backoffMs = opts.backoffMs ?? 500;
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const url = `${opts.base}/api/v1/targets/${encodeURIComponent(opts.target)}/observations`;
  const headers = (type: string): Record<string, string> => ({
    'content-type': type,
    accept: 'application/json',
    ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
  });

  /** Failures that end the import whatever the batch holds. */
  async function fatal(res: Response): Promise<never> {
    const body = await errorBody(res);
    const said = body.message ? `: ${body.message}` : '';
    if (res.status === 401) throw new ImportFailure(`${opts.base} needs a token for writes${said} — pass --token or set SPACEWATCH_TOKEN`, 'auth');
    if (res.status === 403) throw new ImportFailure(`${opts.base} refused the token${said} — check --token or SPACEWATCH_TOKEN`, 'auth');
    if (res.status === 404 && body.code === 'SW_TARGET_NOT_FOUND') throw new ImportFailure(`no target "${opts.target}" at ${opts.base}`, 'target');
    if (res.status === 404) throw new ImportFailure(`${url} answered 404: is ${opts.base} a spacewatch server?`, 'server');
    throw new ImportFailure(`${opts.base} answered ${res.status}${said}`, 'server');
  }

  async function send(body: string, type: string): Promise<PostResult> {
    let last = '';
    for (let attempt = 1; attempt <= attempts; attempt++) {
      let wait = backoffMs * 2 ** (attempt - 1);
      let res: Response;
      try {
        res = await doFetch(url, { method: 'POST', headers: headers(type), body, signal: AbortSignal.timeout(timeoutMs) });
      } catch (err) {
        const cause = (err as { cause?: { code?: string; message?: string } }).cause;
        last = `cannot reach ${opts.base} (${cause?.code ?? cause?.message ?? (err as Error).message})`;
        if (attempt < attempts) await sleep(wait);
        continue;
      }
      if (res.ok) return { ok: true, ...(await importResult(res, url)) };
      if (res.status === 429 || res.status >= 500) {
        const b = await errorBody(res);
        last = `${opts.base} answered ${res.status}${b.message ? `: ${b.message}` : ''}`;
        wait = Math.max(wait, Math.min(retryAfterMs(res) ?? 0, 60_000));
        if (attempt < attempts) await sleep(wait);
        continue;
      }
      if (res.status === 401 || res.status === 403 || res.status === 404) return fatal(res);
      const b = await errorBody(res);
      return { ok: false, status: res.status, code: b.code ?? '', message: b.message ?? `HTTP ${res.status}` };
    }
    throw new ImportFailure(`${last}; gave up after ${attempts} attempts`, 'unreachable');
  }

  return {
    url,
    async check() {
      const r = await send('[]', 'application/json');
      if (!r.ok) throw new ImportFailure(`${opts.base} refused an empty import (${r.status}${r.code ? ` ${r.code}` : ''}): ${r.message}`, 'server');
    },
    post: (ndjson) => send(ndjson, 'application/x-ndjson'),
  };
}
