// The target page's calls beyond api.js: status, claims, and the two writes (marks, claims) that
// carry the bearer token. The token goes in the Authorization header and nowhere else: not in a
// URL, not in a log.

import { queryString, request, targetPath } from './api.js';

function post(path, payload, token) {
  const headers = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  return request(path, { method: 'POST', headers, body: JSON.stringify(payload) });
}

export const targetApi = {
  status: (id) => request(`${targetPath(id)}/status`),
  claims: (id) => request(`${targetPath(id)}/claims`),
  postMark: (id, mark, token) => post(`${targetPath(id)}/marks`, mark, token),
  postClaim: (id, claim, token) => post(`${targetPath(id)}/claims`, claim, token),
  /** The SSE stream's URL: `since` replays what arrived after the newest point the page holds. */
  liveUrl: (id, since) => `${targetPath(id)}/live${queryString({ since })}`,
};
