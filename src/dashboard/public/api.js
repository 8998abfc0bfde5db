// The pages read the same public API as everyone else; nothing here is dashboard-only. Every call
// goes through request(), so an error reads the same everywhere: an ApiError with the HTTP status and
// the API's code and message (which names the field).

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** A JSON call: the parsed body, or an ApiError. `init` is fetch's (method, headers, body). */
export async function request(path, init = {}) {
  const res = await fetch(path, { cache: 'no-store', ...init, headers: { accept: 'application/json', ...init.headers } });
  let body;
  try {
    body = await res.json();
  } catch {
    body = undefined; // an empty or non-JSON answer (a proxy's error page): the status still says it
  }
  if (!res.ok) throw new ApiError(res.status, body?.code, body?.message ?? `HTTP ${res.status}`);
  return body;
}

/** `?from=…&to=…` of the parameters that are set (epoch ms are sent whole); '' when none is. */
export function queryString(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === '') continue;
    q.set(k, typeof v === 'number' ? String(Math.floor(v)) : String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

export const targetPath = (id) => `/api/v1/targets/${encodeURIComponent(id)}`;

export const api = {
  targets: () => request('/api/v1/targets'),
  target: (id) => request(targetPath(id)),
  latest: (id) => request(`${targetPath(id)}/latest`),
  series: (id, metric, from, to, maxPoints) => request(`${targetPath(id)}/series${queryString({ metric, from, to, maxPoints })}`),
  /** `from`/`to`: ISO or epoch ms, either may be left out. Check `truncated`: the API keeps the oldest 10,000 entries. */
  timeline: (id, { from, to } = {}) => request(`${targetPath(id)}/timeline${queryString({ from, to })}`),
  report: (id, { from, to } = {}) => request(`${targetPath(id)}/report${queryString({ from, to })}`),
};
