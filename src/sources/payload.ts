import { ProbeFailure, type HttpResponse } from './http.js';

// Small readers shared by the platform sources: every answer is untrusted JSON of a documented shape,
// and every deviation from it is an `invalid_payload` failure carrying the response's measurements.

export function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function invalidPayload(res: HttpResponse, why: string): ProbeFailure {
  return new ProbeFailure('invalid_payload', why, { ms: res.ms, bytes: res.bytes, status: res.status });
}

/** An optional ISO-8601 time at `path` of the answer, as epoch ms; anything else present is invalid. */
export function isoTime(value: unknown, path: string, res: HttpResponse): number | undefined {
  if (value === undefined || value === null) return undefined;
  const ms = typeof value === 'string' ? Date.parse(value) : NaN;
  if (!Number.isFinite(ms)) throw invalidPayload(res, `${path} is not an ISO-8601 time`);
  return ms;
}

/** A local simulator or stand-in needs no credentials, so a missing one is only worth a warning for a remote API. */
export function isLoopback(url: string): boolean {
  const host = new URL(url).hostname;
  return host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Removes secret values from text that may be logged: a hostile or broken server can echo a request back. */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const s of secrets) if (s) out = out.split(s).join('[redacted]');
  return out;
}
