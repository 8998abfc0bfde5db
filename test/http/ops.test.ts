import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryStore } from '../../src/storage/memory-store.js';
import { build } from '../helpers/app.js';
import { createTarget } from './scenarios.js';

test('GET /healthz is always 200', async (t) => {
  const app = await build(t, { readiness: async () => ({ ok: false, reason: 'redis down' }) });
  const res = await app.inject({ url: '/healthz' });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), { status: 'ok' });
});

test('GET /readyz follows readiness(), 503 SW_NOT_READY with the reason', async (t) => {
  let state: { ok: boolean; reason?: string } = { ok: true };
  const app = await build(t, { readiness: async () => state });
  assert.deepEqual((await app.inject({ url: '/readyz' })).json(), { status: 'ok' });
  state = { ok: false, reason: 'redis does not answer' };
  const res = await app.inject({ url: '/readyz' });
  assert.equal(res.statusCode, 503);
  assert.deepEqual(res.json(), { statusCode: 503, code: 'SW_NOT_READY', error: 'Service Unavailable', message: 'not ready: redis does not answer' });
});

test('GET /readyz: a readiness check that throws is not ready, without its message', async (t) => {
  const app = await build(t, { readiness: async () => { throw new Error('connect ECONNREFUSED 10.1.2.3:6379'); } });
  const res = await app.inject({ url: '/readyz' });
  assert.equal(res.statusCode, 503);
  assert.equal(res.json().message, 'not ready: readiness check failed');
});

test('GET /readyz defaults to the store\'s ping', async (t) => {
  const store = new MemoryStore();
  t.after(() => store.close());
  let up = true;
  store.ping = async () => up;
  const app = await build(t, { store });
  assert.equal((await app.inject({ url: '/readyz' })).statusCode, 200);
  up = false;
  const res = await app.inject({ url: '/readyz' });
  assert.equal(res.statusCode, 503);
  assert.equal(res.json().message, 'not ready: memory store does not answer');
});

test('GET /metrics: HTTP metrics by route pattern, and default process metrics', async (t) => {
  const app = await build(t);
  await createTarget(app, 'm1');
  await app.inject({ url: '/api/v1/targets/m1' });
  await app.inject({ url: '/api/v1/targets/nobody' });
  await app.inject({ url: '/no/such/page/12345' });
  const res = await app.inject({ url: '/metrics' });
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /^text\/plain/);
  const text = res.body;
  assert.match(text, /^spacewatch_http_requests_total\{method="POST",route="\/api\/v1\/targets",status="201"\} 1$/m);
  assert.match(text, /^spacewatch_http_requests_total\{method="GET",route="\/api\/v1\/targets\/:id",status="200"\} 1$/m);
  assert.match(text, /^spacewatch_http_requests_total\{method="GET",route="\/api\/v1\/targets\/:id",status="404"\} 1$/m);
  assert.match(text, /^spacewatch_http_requests_total\{method="GET",route="\(unmatched\)",status="404"\} 1$/m);
  assert.match(text, /^spacewatch_http_request_duration_seconds_bucket\{le="0.005",method="GET",route="\/api\/v1\/targets\/:id"\} \d+$/m);
  // Raw URLs never become label values.
  assert.doesNotMatch(text, /m1|nobody|12345/);
  assert.match(text, /^process_cpu_user_seconds_total /m);
  assert.match(text, /^nodejs_eventloop_lag_seconds /m);
});

test('GET /docs/json: OpenAPI with every path, tags, bearer on writes, the error shape', async (t) => {
  const app = await build(t);
  const spec = (await app.inject({ url: '/docs/json' })).json();
  assert.equal(spec.openapi, '3.1.0');
  const ops = Object.entries<Record<string, { tags?: string[]; security?: unknown; responses: Record<string, unknown> }>>(spec.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ key: `${method.toUpperCase()} ${path}`, op })),
  );
  assert.deepEqual(ops.map((o) => o.key).sort(), [
    'DELETE /api/v1/targets/{id}',
    'GET /api/v1/alerts',
    'GET /api/v1/live',
    'GET /api/v1/overview',
    'GET /api/v1/targets',
    'GET /api/v1/targets/{id}',
    'GET /api/v1/targets/{id}/claims',
    'GET /api/v1/targets/{id}/latest',
    'GET /api/v1/targets/{id}/live',
    'GET /api/v1/targets/{id}/report',
    'GET /api/v1/targets/{id}/series',
    'GET /api/v1/targets/{id}/status',
    'GET /api/v1/targets/{id}/timeline',
    'GET /healthz',
    'GET /metrics',
    'GET /readyz',
    'PATCH /api/v1/targets/{id}',
    'POST /api/v1/targets',
    'POST /api/v1/targets/{id}/claims',
    'POST /api/v1/targets/{id}/marks',
    'POST /api/v1/targets/{id}/observations',
  ]);
  for (const { key, op } of ops) {
    assert.ok(op.tags?.length, `${key} is tagged`);
    const isWrite = /^(POST|PATCH|DELETE) /.test(key);
    assert.deepEqual(op.security, isWrite ? [{ bearerAuth: [] }] : undefined, key);
  }
  assert.deepEqual(spec.components.securitySchemes.bearerAuth, { type: 'http', scheme: 'bearer', description: spec.components.securitySchemes.bearerAuth.description });
  assert.deepEqual(spec.components.schemas.ErrorResponse.required, ['statusCode', 'code', 'error', 'message']);
  const post = spec.paths['/api/v1/targets'].post;
  assert.deepEqual(post.responses['4XX'].content['application/json'].schema, { $ref: '#/components/schemas/ErrorResponse' });
  assert.ok(post.requestBody.content['application/json'].schema.properties.source.oneOf.length >= 2);

  const ui = await app.inject({ url: '/docs/' });
  assert.equal(ui.statusCode, 200);
  assert.match(ui.body, /swagger/i);
});
