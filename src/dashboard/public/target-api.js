// The target page's calls beyond api.js: status, timeline, claims, and the two writes (marks,
// claims) that carry the bearer token. The token goes in the Authorization header and nowhere else:
// not in a URL, not in a log.

import { ApiError } from './api.js';

const base = (id) => `/api/v1/targets/${encodeURIComponent(id)}`;

async function request(path, init = {}) {
  const res = await fetch(path, { cache: 'no-store', ...init, headers: { accept: 'application/json', ...init.headers } });
  let body;
  try {
    body = await res.json();
  } catch {
    body = undefined;
  }
  if (!res.ok) throw new ApiError(res.status, body?.code, body?.message ?? `HTTP ${res.status}`);
  return body;
}

function post(path, payload, token) {
  const headers = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  return request(path, { method: 'POST', headers, body: JSON.stringify(payload) });
}

export const targetApi = {
  status: (id) => request(`${base(id)}/status`),
  timeline: (id, from) => request(`${base(id)}/timeline?${new URLSearchParams({ from: String(Math.max(0, Math.floor(from))) })}`),
  claims: (id) => request(`${base(id)}/claims`),
  postMark: (id, mark, token) => post(`${base(id)}/marks`, mark, token),
  postClaim: (id, claim, token) => post(`${base(id)}/claims`, claim, token),
  /** The SSE stream's URL (contracts.md §1): `since` replays what arrived after the page's last load. */
  liveUrl: (id, since) => `${base(id)}/live${since === undefined ? '' : `?${new URLSearchParams({ since: String(Math.floor(since)) })}`}`,
};
