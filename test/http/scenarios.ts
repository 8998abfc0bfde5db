import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';

// Targets, import and series scenarios that must hold on every store: data.test.ts runs them on the
// MemoryStore, redis.test.ts on a RedisStore over a real redis-server.

export type Scenario = (app: FastifyInstance) => Promise<void>;

const T0 = Date.parse('2024-05-01T20:00:00.000Z');

export async function createTarget(app: FastifyInstance, id: string, extra: Record<string, unknown> = {}) {
  const res = await app.inject({ method: 'POST', url: '/api/v1/targets', payload: { id, source: { kind: 'json', url: 'http://status.example/x' }, ...extra } });
  assert.equal(res.statusCode, 201, res.body);
  return res.json();
}

export async function importRows(app: FastifyInstance, id: string, payload: unknown, contentType = 'application/json') {
  return app.inject({
    method: 'POST',
    url: `/api/v1/targets/${id}/observations`,
    headers: { 'content-type': contentType },
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });
}

async function series(app: FastifyInstance, id: string, query: string) {
  const res = await app.inject({ url: `/api/v1/targets/${id}/series?${query}` });
  assert.equal(res.statusCode, 200, res.body);
  return res.json() as { metric: string; t: number[]; v: (number | null)[] };
}

export const scenarios: Record<string, Scenario> = {
  async 'targets: create, read, list, patch, delete'(app) {
    const created = await createTarget(app, 'rt-space', { schedule: { start: T0 } });
    assert.deepEqual(
      { ...created, createdAt: undefined, updatedAt: undefined },
      {
        id: 'rt-space',
        name: 'rt-space',
        source: { kind: 'json', url: 'http://status.example/x' },
        intervalMs: 5000,
        schedule: { start: '2024-05-01T20:00:00.000Z' },
        origin: 'api',
        createdAt: undefined,
        updatedAt: undefined,
      },
    );
    assert.ok(!Number.isNaN(Date.parse(created.createdAt)));

    const got = await app.inject({ url: '/api/v1/targets/rt-space' });
    assert.equal(got.statusCode, 200);
    // Reads add the status, computed at read time (test/http/status.test.ts); the rest is the stored target.
    const { status, ...stored } = got.json();
    assert.equal(status.status, 'delayed');
    assert.deepEqual(stored, created);

    await createTarget(app, 'rt-another', { name: 'Another one', intervalMs: 1000, timeoutMs: 800 });
    const list = await app.inject({ url: '/api/v1/targets' });
    assert.deepEqual(
      list.json().map((t: { id: string }) => t.id),
      ['rt-another', 'rt-space'],
    );

    const patched = await app.inject({ method: 'PATCH', url: '/api/v1/targets/rt-space', payload: { name: 'The Big Space', intervalMs: 2000, schedule: null } });
    assert.equal(patched.statusCode, 200, patched.body);
    const p = patched.json();
    assert.equal(p.name, 'The Big Space');
    assert.equal(p.intervalMs, 2000);
    assert.equal(p.schedule, undefined);
    assert.equal(p.createdAt, created.createdAt);
    assert.deepEqual(p.source, created.source);
    assert.deepEqual({ ...(await app.inject({ url: "/api/v1/targets/rt-space" })).json<Record<string, unknown>>(), status: undefined }, { ...p, status: undefined });

    const del = await app.inject({ method: 'DELETE', url: '/api/v1/targets/rt-space' });
    assert.equal(del.statusCode, 204);
    assert.equal(del.body, '');
    const gone = await app.inject({ url: '/api/v1/targets/rt-space' });
    assert.equal(gone.statusCode, 404);
    assert.equal(gone.json().code, 'SW_TARGET_NOT_FOUND');
    const again = await app.inject({ method: 'DELETE', url: '/api/v1/targets/rt-space' });
    assert.equal(again.statusCode, 404);
  },

  async 'import: JSON array rows become a series'(app) {
    await createTarget(app, 'imp-json');
    const rows = [0, 1, 2, 3, 4].map((i) => ({
      at: i % 2 ? new Date(T0 + i * 1000).toISOString() : T0 + i * 1000,
      state: 'live',
      listeners: 100 + i,
      join: { ok: i !== 3, ms: 120 + i, ...(i === 3 ? { error: 'timeout' } : {}) },
      source: 'partner-export',
    }));
    const res = await importRows(app, 'imp-json', rows);
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json(), { written: 5, duplicates: 0 });

    const s = await series(app, 'imp-json', `metric=listeners&from=${T0}&to=${new Date(T0 + 10_000).toISOString()}`);
    assert.deepEqual(s, { metric: 'listeners', t: [0, 1, 2, 3, 4].map((i) => T0 + i * 1000), v: [100, 101, 102, 103, 104] });

    const failures = await series(app, 'imp-json', `metric=join_failures&from=${T0}&to=${T0 + 10_000}`);
    assert.equal(failures.v.reduce<number>((a, b) => a + (b ?? 0), 0), 1);

    const latest = await app.inject({ url: '/api/v1/targets/imp-json/latest' });
    assert.deepEqual(latest.json().observation, {
      at: new Date(T0 + 4000).toISOString(),
      state: 'live',
      listeners: 104,
      join: { ok: true, ms: 124 },
      source: 'partner-export',
    });

    // The same rows again: every one is already there.
    const dup = await importRows(app, 'imp-json', rows);
    assert.deepEqual(dup.json(), { written: 0, duplicates: 5 });
  },

  async 'import: NDJSON lines become a series'(app) {
    await createTarget(app, 'imp-nd');
    const body = [
      JSON.stringify({ at: T0, listeners: 10, source: 'screenshots' }),
      '',
      JSON.stringify({ at: new Date(T0 + 60_000).toISOString(), listeners: 20, state: 'live', source: 'screenshots' }),
      JSON.stringify({ at: T0 + 120_000, listeners: 30, source: 'screenshots', extra: { note: 'peak' } }),
      '',
    ].join('\n');
    const res = await importRows(app, 'imp-nd', body, 'application/x-ndjson');
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json(), { written: 3, duplicates: 0 });
    const s = await series(app, 'imp-nd', `metric=listeners&from=${T0}&to=${T0 + 180_000}`);
    assert.deepEqual(s.t, [T0, T0 + 60_000, T0 + 120_000]);
    assert.deepEqual(s.v, [10, 20, 30]);
  },

  async 'series: maxPoints is honoured'(app) {
    await createTarget(app, 'many', { intervalMs: 1000 });
    const rows = Array.from({ length: 3600 }, (_, i) => ({ at: T0 + i * 1000, listeners: 1000 + (i % 50), join: { ok: i % 10 !== 0, ms: 50 }, source: 'bulk' }));
    const res = await importRows(app, 'many', rows);
    assert.deepEqual(res.json(), { written: 3600, duplicates: 0 });
    for (const metric of ['listeners', 'join_attempts', 'join_failures', 'join_ms']) {
      for (const maxPoints of [1, 50, 500]) {
        const s = await series(app, 'many', `metric=${metric}&from=${T0}&to=${T0 + 3_600_000}&maxPoints=${maxPoints}`);
        assert.equal(s.metric, metric);
        assert.equal(s.t.length, s.v.length);
        assert.ok(s.t.length > 0 && s.t.length <= maxPoints, `${metric} maxPoints=${maxPoints}: got ${s.t.length}`);
        assert.ok(s.t.every((t, i) => i === 0 || t > s.t[i - 1]!), 'ascending');
      }
    }
    // Default range ends now, so an hour of data from 2024 is not in it.
    const recent = await series(app, 'many', 'metric=listeners');
    assert.deepEqual(recent, { metric: 'listeners', t: [], v: [] });
  },
};
