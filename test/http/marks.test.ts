import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { build } from '../helpers/app.js';
import { createTarget } from './scenarios.js';

const TOKEN = 's3cret-token-0123456789';
const postMark = (app: FastifyInstance, id: string, payload: unknown, token?: string) =>
  app.inject({ method: 'POST', url: `/api/v1/targets/${id}/marks`, payload: payload as object, ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}) });

test('POST /marks: 201 with the mark, written as a mark event on the timeline', async (t) => {
  const app = await build(t);
  await createTarget(app, 'm');
  const at = '2024-08-13T00:05:00.000Z';
  const res = await postMark(app, 'm', { at, kind: 'incident', text: 'host mic dead <b>loud</b>' });
  assert.equal(res.statusCode, 201);
  const body = res.json();
  assert.match(body.id, /^\d+-\d+$/);
  assert.deepEqual({ ...body, id: undefined }, { id: undefined, at, kind: 'incident', text: 'host mic dead <b>loud</b>' });

  const tl = (await app.inject({ url: '/api/v1/targets/m/timeline' })).json();
  assert.deepEqual(tl.events, [{ id: body.id, at, type: 'mark', data: { kind: 'incident', text: 'host mic dead <b>loud</b>' } }]);
});

test('POST /marks: `at` defaults to now, epoch ms accepted, text optional', async (t) => {
  const app = await build(t);
  await createTarget(app, 'm');
  const before = Date.now();
  const now = (await postMark(app, 'm', { kind: 'program-start' })).json();
  assert.ok(Date.parse(now.at) >= before && Date.parse(now.at) <= Date.now());
  assert.equal('text' in now, false);
  const ms = (await postMark(app, 'm', { kind: 'note', at: 1723507200000 })).json();
  assert.equal(ms.at, '2024-08-13T00:00:00.000Z');
});

test('POST /marks: each invalid body is a 400 naming the field', async (t) => {
  const app = await build(t);
  await createTarget(app, 'm');
  const cases: [unknown, string][] = [
    [{}, 'body.kind: is required'],
    [{ kind: 'lunch' }, 'body.kind: must be one of program-start, program-end, note, incident'],
    [{ kind: 'note', text: 'x'.repeat(501) }, 'body.text: must be a string of at most 500 characters'],
    [{ kind: 'note', text: 5 }, 'body.text: must be a string of at most 500 characters'],
    [{ kind: 'note', at: 'yesterday' }, 'body.at: must be an ISO-8601 date-time or epoch milliseconds'],
    [{ kind: 'note', at: Date.now() + 3_600_000 }, 'body.at: must not be in the future (a mark records something that happened)'],
    [{ kind: 'note', colour: 'red' }, 'body.colour: is not a known field'],
    [[], 'body: must be object'],
  ];
  for (const [payload, message] of cases) {
    const res = await postMark(app, 'm', payload);
    assert.deepEqual(res.json(), { statusCode: 400, code: 'SW_VALIDATION', error: 'Bad Request', message }, JSON.stringify(payload));
  }
  // 500 characters exactly is fine, and so is a little clock skew.
  assert.equal((await postMark(app, 'm', { kind: 'note', text: 'x'.repeat(500), at: Date.now() + 30_000 })).statusCode, 201);
  assert.deepEqual((await app.inject({ url: '/api/v1/targets/m/timeline' })).json().events.length, 1);
});

test('POST /marks: unknown target 404; the bearer token is required when set', async (t) => {
  const app = await build(t, { token: TOKEN });
  assert.equal((await postMark(app, 'ghost', { kind: 'note' }, TOKEN)).json().code, 'SW_TARGET_NOT_FOUND');
  const created = await app.inject({ method: 'POST', url: '/api/v1/targets', headers: { authorization: `Bearer ${TOKEN}` }, payload: { id: 'm', source: { kind: 'json', url: 'http://status.example/x' } } });
  assert.equal(created.statusCode, 201);
  assert.equal((await postMark(app, 'm', { kind: 'note' })).json().code, 'SW_UNAUTHORIZED');
  assert.equal((await postMark(app, 'm', { kind: 'note' }, 'wrong-token-000000')).json().code, 'SW_FORBIDDEN');
  assert.equal((await postMark(app, 'm', { kind: 'note' }, TOKEN)).statusCode, 201);
});

test('program-start and program-end marks move the status', async (t) => {
  const app = await build(t);
  const start = Date.now() - 600_000;
  await createTarget(app, 'show', { schedule: { start } });
  const status = async () => (await app.inject({ url: '/api/v1/targets/show/status' })).json();
  assert.equal((await status()).status, 'delayed');
  await postMark(app, 'show', { kind: 'program-start', at: start + 300_000 });
  const onAir = await status();
  assert.equal(onAir.onAirAt, new Date(start + 300_000).toISOString());
  assert.equal(onAir.delayMs, 300_000);
  await postMark(app, 'show', { kind: 'program-end' });
  const ended = await status();
  assert.equal(ended.status, 'ended');
  assert.equal(ended.delayMs, 300_000);
  assert.match(ended.reason, /^an operator marked program-end at /);
});
