import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { pino } from 'pino';
import { build } from '../helpers/app.js';

const TOKEN = 's3cret-token-0123456789';
const source = { kind: 'json', url: 'http://status.example/x' };

async function seed(app: FastifyInstance): Promise<void> {
  const res = await app.inject({ method: 'POST', url: '/api/v1/targets', headers: { authorization: `Bearer ${TOKEN}` }, payload: { id: 'seed', source } });
  assert.equal(res.statusCode, 201);
}

const writes = (): InjectOptions[] => [
  { method: 'POST', url: '/api/v1/targets', payload: { id: 'w', source } },
  { method: 'PATCH', url: '/api/v1/targets/seed', payload: { name: 'renamed' } },
  { method: 'POST', url: '/api/v1/targets/seed/observations', payload: [{ at: 1000, source: 'x' }] },
  { method: 'DELETE', url: '/api/v1/targets/seed' },
];

test('with a token, writes need it: 401 without, 403 wrong, 2xx right', async (t) => {
  const app = await build(t, { token: TOKEN });
  await seed(app);
  for (const req of writes()) {
    const label = `${req.method} ${req.url}`;
    const none = await app.inject(req);
    assert.deepEqual(
      none.json(),
      { statusCode: 401, code: 'SW_UNAUTHORIZED', error: 'Unauthorized', message: 'this endpoint needs the bearer token (Authorization: Bearer <SPACEWATCH_TOKEN>)' },
      label,
    );
    assert.match(String(none.headers['www-authenticate']), /^Bearer /, label);
    const basic = await app.inject({ ...req, headers: { authorization: `Basic ${Buffer.from(`u:${TOKEN}`).toString('base64')}` } });
    assert.equal(basic.statusCode, 401, label);
    for (const wrong of ['nope', `${TOKEN}x`, TOKEN.slice(0, -1)]) {
      const res = await app.inject({ ...req, headers: { authorization: `Bearer ${wrong}` } });
      assert.deepEqual(res.json(), { statusCode: 403, code: 'SW_FORBIDDEN', error: 'Forbidden', message: 'the bearer token is not valid' }, label);
    }
    const right = await app.inject({ ...req, headers: { authorization: `Bearer ${TOKEN}` } });
    assert.ok(right.statusCode >= 200 && right.statusCode < 300, `${label} → ${right.statusCode} ${right.body}`);
  }
});

test('with a token, reads stay open', async (t) => {
  const app = await build(t, { token: TOKEN });
  await seed(app);
  for (const url of ['/api/v1/targets', '/api/v1/targets/seed', '/api/v1/targets/seed/series?metric=listeners', '/api/v1/targets/seed/latest', '/healthz', '/readyz', '/metrics', '/docs/json', '/', '/targets/seed']) {
    const res = await app.inject({ url });
    assert.equal(res.statusCode, 200, url);
  }
});

test('without a token, writes are open', async (t) => {
  const app = await build(t);
  await seed(app);
  for (const req of writes()) {
    const res = await app.inject(req);
    assert.ok(res.statusCode < 300, `${req.method} ${req.url} → ${res.statusCode}`);
  }
});

test('neither the token nor request bodies reach the log', async (t) => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const log = pino({ level: 'trace' }, sink);
  const app = await build(t, { token: TOKEN, log });
  const secretHeader = 'header-secret-9876';
  await app.inject({ method: 'POST', url: '/api/v1/targets', headers: { authorization: `Bearer ${TOKEN}` }, payload: { id: 'l', source: { ...source, headers: { 'x-api-key': secretHeader } } } });
  await app.inject({ method: 'POST', url: '/api/v1/targets', headers: { authorization: 'Bearer wrong-guess-1234' }, payload: { id: 'm', source } });
  await app.inject({ method: 'POST', url: '/api/v1/targets', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, payload: `{"id":"z","source":{"headers":{"k":"${secretHeader}"` });
  const all = lines.join('');
  assert.ok(lines.length > 0, 'the app logged something');
  assert.match(all, /incoming request/);
  for (const secret of [TOKEN, 'wrong-guess-1234', secretHeader]) assert.ok(!all.includes(secret), `${secret} leaked into the log`);
});
