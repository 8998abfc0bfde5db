// The pages read the same public API as everyone else; nothing here is dashboard-only.

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function getJson(path) {
  const res = await fetch(path, { headers: { accept: 'application/json' }, cache: 'no-store' });
  if (!res.ok) {
    let body;
    try {
      body = await res.json();
    } catch {
      body = undefined;
    }
    throw new ApiError(res.status, body?.code, body?.message ?? `HTTP ${res.status}`);
  }
  return res.json();
}

const target = (id) => `/api/v1/targets/${encodeURIComponent(id)}`;

export const api = {
  targets: () => getJson('/api/v1/targets'),
  target: (id) => getJson(target(id)),
  latest: (id) => getJson(`${target(id)}/latest`),
  series: (id, metric, from, to, maxPoints) =>
    getJson(`${target(id)}/series?${new URLSearchParams({ metric, from: String(Math.floor(from)), to: String(Math.floor(to)), maxPoints: String(maxPoints) })}`),
};
