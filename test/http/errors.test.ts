import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { InjectOptions } from 'fastify';
import { ERRORS } from '../../src/errors.js';
import { MemoryStore } from '../../src/storage/memory-store.js';
import { build } from '../helpers/app.js';
import { createTarget } from './scenarios.js';

const CODES = new Set(Object.keys(ERRORS));

function assertErrorShape(body: unknown, status: number, label: string): void {
  const b = body as Record<string, unknown>;
  assert.deepEqual(Object.keys(b).sort(), ['code', 'error', 'message', 'statusCode'], label);
  assert.equal(b.statusCode, status, label);
  assert.ok(CODES.has(String(b.code)), `${label}: ${String(b.code)} is not in the catalogue`);
  assert.equal(typeof b.message, 'string', label);
}

test('no bad input ever yields a 5xx, and every error carries a catalogued code', async (t) => {
  const app = await build(t, { bodyLimitBytes: 4096 });
  await createTarget(app, 'ok');
  const json = { 'content-type': 'application/json' };
  const bad: InjectOptions[] = [
    { method: 'POST', url: '/api/v1/targets', headers: json, payload: '{"id": "x", ' },
    { method: 'POST', url: '/api/v1/targets', headers: json, payload: '' },
    { method: 'POST', url: '/api/v1/targets', headers: json, payload: 'null' },
    { method: 'POST', url: '/api/v1/targets', headers: json, payload: '"a string"' },
    { method: 'POST', url: '/api/v1/targets', headers: json, payload: '{"__proto__": {"admin": true}, "id": "p", "source": {"kind": "json", "url": "http://x"}}' },
    { method: 'POST', url: '/api/v1/targets', headers: json, payload: JSON.stringify({ id: 'x', source: { kind: 'json', url: 'http://x' }, name: 'n'.repeat(5000) }) },
    { method: 'POST', url: '/api/v1/targets', headers: { 'content-type': 'text/plain' }, payload: 'hello' },
    { method: 'POST', url: '/api/v1/targets', headers: { 'content-type': 'application/x-ndjson' }, payload: '{}' },
    { method: 'POST', url: '/api/v1/targets', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'id=x' },
    { method: 'POST', url: '/api/v1/targets', payload: { id: 'x', source: { kind: 'json', url: 'http://x' }, schedule: { start: '2016-12-31T23:59:60Z' } } },
    { method: 'POST', url: '/api/v1/targets', payload: { id: 'x', source: { kind: 'json', url: 'http://x' }, schedule: { start: 1e300 } } },
    { method: 'POST', url: '/api/v1/targets', payload: { id: 'x', source: { kind: 'json', url: 'http://x', stateMap: { on: 'exploded' } } } },
    { method: 'PATCH', url: '/api/v1/targets/ok', payload: { schedule: 'tomorrow' } },
    { method: 'PATCH', url: '/api/v1/targets/ok', headers: json, payload: '[' },
    { method: 'DELETE', url: '/api/v1/targets/NOT_AN_ID' },
    { method: 'GET', url: '/api/v1/targets/%ZZ' },
    { method: 'GET', url: `/api/v1/targets/${'a'.repeat(300)}` },
    { method: 'GET', url: '/api/v1/targets/ok/series?metric=listeners&metric=join_ms' },
    { method: 'GET', url: '/api/v1/targets/ok/series?metric=listeners&from=8640000000000001' },
    { method: 'GET', url: '/api/v1/targets/ok/series?metric=listeners&maxPoints=-1' },
    { method: 'POST', url: '/api/v1/targets/ok/observations', payload: [{ at: 9e15, source: 'x' }] },
    { method: 'POST', url: '/api/v1/targets/ok/observations', payload: [{ at: 0, source: 'x' }] },
    { method: 'POST', url: '/api/v1/targets/ok/observations', payload: [{ at: 1, source: 'x', listeners: 1e300 }] },
    { method: 'POST', url: '/api/v1/targets/ok/observations', headers: { 'content-type': 'application/x-ndjson' }, payload: '{"at":0,"source":"x"}' },
    { method: 'POST', url: '/api/v1/targets', headers: json, payload: '['.repeat(2000) + ']'.repeat(2000) },
    { method: 'POST', url: '/api/v1/targets', headers: { 'content-type': 'application/json; charset=utf-16' }, payload: '{}' },
    { method: 'POST', url: '/api/v1/targets/ok/observations', payload: [{ at: '2016-12-31T23:59:60Z', source: 'x' }] },
    { method: 'POST', url: '/api/v1/targets/ok/observations', payload: [{ at: 1, source: 'x', extra: { a: { nested: true } } }] },
    { method: 'POST', url: '/api/v1/targets/ok/observations', headers: { 'content-type': 'application/x-ndjson' }, payload: '\u0000\n' },
    { method: 'POST', url: '/api/v1/targets/ok/observations', headers: { 'content-type': 'application/x-ndjson' }, payload: 'x'.repeat(5000) },
    { method: 'PUT', url: '/api/v1/targets/ok', payload: {} },
    { method: 'GET', url: '/api/v2/targets' },
    { method: 'GET', url: '/assets/app/../../../package.json' },
    { method: 'GET', url: '/assets/uplot/uPlot.d.ts' },
  ];
  for (const req of bad) {
    const label = `${req.method} ${req.url} ${String(req.payload ?? '').slice(0, 60)}`;
    const res = await app.inject(req);
    assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${label} → ${res.statusCode} ${res.body}`);
    assertErrorShape(res.json(), res.statusCode, label);
  }
  // The poisoned body did not reach the store.
  assert.equal((await app.inject({ url: '/api/v1/targets/p' })).statusCode, 404);
});

test('malformed JSON: 400 SW_BAD_JSON saying what is wrong', async (t) => {
  const app = await build(t);
  const res = await app.inject({ method: 'POST', url: '/api/v1/targets', headers: { 'content-type': 'application/json' }, payload: '{"id": "x",}' });
  assert.equal(res.statusCode, 400);
  assert.equal(res.json().code, 'SW_BAD_JSON');
  assert.match(res.json().message, /^request body is not valid JSON: .+/);
  const empty = await app.inject({ method: 'POST', url: '/api/v1/targets', headers: { 'content-type': 'application/json' }, payload: '' });
  assert.deepEqual(empty.json(), { statusCode: 400, code: 'SW_BAD_JSON', error: 'Bad Request', message: 'request body is not valid JSON: the body is empty' });
});

test('wrong content type: 415 SW_UNSUPPORTED_MEDIA_TYPE', async (t) => {
  const app = await build(t);
  const res = await app.inject({ method: 'POST', url: '/api/v1/targets', headers: { 'content-type': 'text/csv' }, payload: 'id,kind\nx,json' });
  assert.deepEqual(res.json(), { statusCode: 415, code: 'SW_UNSUPPORTED_MEDIA_TYPE', error: 'Unsupported Media Type', message: 'unsupported content type: text/csv' });
});

test('body over the limit: 413 SW_BODY_TOO_LARGE', async (t) => {
  const app = await build(t, { bodyLimitBytes: 1000 });
  const res = await app.inject({ method: 'POST', url: '/api/v1/targets', payload: { id: 'x', source: { kind: 'json', url: 'http://x' }, name: 'n'.repeat(2000) } });
  assert.deepEqual(res.json(), { statusCode: 413, code: 'SW_BODY_TOO_LARGE', error: 'Payload Too Large', message: 'request body exceeds 1000 bytes' });
});

test('unknown route: 404 SW_NOT_FOUND', async (t) => {
  const app = await build(t);
  const res = await app.inject({ url: '/api/v1/nothing?x=1' });
  assert.deepEqual(res.json(), { statusCode: 404, code: 'SW_NOT_FOUND', error: 'Not Found', message: 'no route for GET /api/v1/nothing' });
});

test('a failure of our own is a 500 SW_INTERNAL that hides the cause', async (t) => {
  const store = new MemoryStore();
  t.after(() => store.close());
  store.listTargets = async () => {
    throw new Error('connect ECONNREFUSED 10.0.0.7:6379 (password hunter2)');
  };
  const app = await build(t, { store });
  const res = await app.inject({ url: '/api/v1/targets' });
  assert.deepEqual(res.json(), { statusCode: 500, code: 'SW_INTERNAL', error: 'Internal Server Error', message: 'internal error' });
  assert.doesNotMatch(res.body, /ECONNREFUSED|hunter2/);
});
