import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { VIEWS_REASON } from '../../src/claims/verdict.js';
import { build } from '../helpers/app.js';
import { createTarget, importRows } from './scenarios.js';

const TOKEN = 's3cret-token-0123456789';
const T = Date.UTC(2024, 7, 13, 0, 41, 0);
const iso = (ms: number) => new Date(ms).toISOString();
const postClaim = (app: FastifyInstance, id: string, payload: unknown, headers: Record<string, string> = {}) =>
  app.inject({ method: 'POST', url: `/api/v1/targets/${id}/claims`, payload: payload as object, headers });
const getClaims = async (app: FastifyInstance, id: string) => {
  const res = await app.inject({ url: `/api/v1/targets/${id}/claims` });
  assert.equal(res.statusCode, 200, res.body);
  return res.json();
};

test('a claim made before any measurement is re-judged when imported observations arrive', async (t) => {
  const app = await build(t);
  await createTarget(app, 'space');
  const claim = { at: iso(T), metric: 'listeners', value: 60_000_000, claimant: 'Owner', quote: '60 million people are listening', sourceUrl: 'https://x.example/status/1' };
  const posted = await postClaim(app, 'space', claim);
  assert.equal(posted.statusCode, 201, posted.body);
  const unverifiable = { label: 'unverifiable', reason: 'no measurement within tolerance: no listener count within ±1 m of 2024-08-13T00:41:00Z' };
  assert.deepEqual(posted.json().verdict, unverifiable);
  assert.deepEqual((await getClaims(app, 'space')).claims[0].verdict, unverifiable);

  // The count measured 3 s before the claim, and an earlier higher one for the peak, arrive by import.
  const imported = await importRows(app, 'space', [
    { at: T - 600_000, state: 'live', listeners: 1_201_000, source: 'partner-export' },
    { at: T - 3000, state: 'live', listeners: 1_184_233, source: 'partner-export' },
  ]);
  assert.deepEqual(imported.json(), { written: 2, duplicates: 0 });

  const after = await getClaims(app, 'space');
  assert.equal(after.toleranceMs, 60_000);
  assert.deepEqual(after.claims, [
    {
      id: posted.json().id,
      ...claim,
      at: '2024-08-13T00:41:00.000Z',
      verdict: {
        label: 'overstated',
        reason: 'claimed 60,000,000 listeners; 1,184,233 measured at 2024-08-13T00:40:57Z (50.7×)',
        measured: 1_184_233,
        measuredAt: '2024-08-13T00:40:57.000Z',
        peakSoFar: 1_201_000,
        ratio: 60_000_000 / 1_184_233,
      },
    },
  ]);

  // A second, honest claim from the same import is consistent.
  const honest = await postClaim(app, 'space', { at: T, metric: 'listeners', value: 1_200_000, claimant: 'Reporter' });
  assert.equal(honest.json().verdict.label, 'consistent');
});

test('views, future, capacity and state claims over HTTP', async (t) => {
  const app = await build(t);
  await createTarget(app, 'space');
  const rows = [];
  for (let i = 0; i < 120; i++) rows.push({ at: T - 600_000 + i * 5000, state: 'live', listeners: 1_000_000, join: { ok: i % 3 !== 0, ms: 100, ...(i % 3 === 0 ? { error: 'http_5xx' } : {}) }, source: 'import' });
  rows.push({ at: T + 60_000, state: 'ended', source: 'import' });
  assert.equal((await importRows(app, 'space', rows)).json().written, 121);

  const views = (await postClaim(app, 'space', { at: T, metric: 'views', value: 60_000_000, claimant: 'Owner' })).json().verdict;
  assert.deepEqual(views, { label: 'unverifiable', reason: VIEWS_REASON, peakSoFar: 1_000_000 });

  const future = Date.now() + 86_400_000;
  const replay = (await postClaim(app, 'space', { at: future, metric: 'listeners', value: 100_000_000, claimant: 'Owner', quote: 'the replay will reach 100M' })).json().verdict;
  assert.equal(replay.label, 'unverifiable');
  assert.match(replay.reason, /which has not happened yet/);
  assert.equal('ratio' in replay, false);

  const capacity = (await postClaim(app, 'space', { at: T - 3_600_000, metric: 'capacity', value: 10_000_000, claimant: 'Platform' })).json().verdict;
  assert.equal(capacity.label, 'overstated');
  assert.equal(capacity.measured, 1_000_000);
  assert.equal(capacity.ratio, 10);
  assert.match(capacity.reason, /plateaued at 1,000,000 .* while 33\.3 % of joins failed/);

  const ended = (await postClaim(app, 'space', { at: T + 50_000, metric: 'state', stateValue: 'ended', claimant: 'Owner' })).json().verdict;
  assert.deepEqual(ended, { label: 'consistent', reason: 'claimed "ended"; the source reported "ended" at 2024-08-13T00:42:00Z', measuredState: 'ended', measuredAt: '2024-08-13T00:42:00.000Z' });

  // The list is in the order of the instants claimed about.
  const list = await getClaims(app, 'space');
  assert.deepEqual(
    list.claims.map((c: { metric: string }) => c.metric),
    ['capacity', 'views', 'state', 'listeners'],
  );
});

test('text is stored as given (the pages escape it), within the length bounds', async (t) => {
  const app = await build(t);
  await createTarget(app, 'c');
  const claimant = '<script>alert("x")</script> & co'.padEnd(200, '.');
  const quote = '"quoted" <b>bold</b>'.padEnd(2000, 'q');
  const res = await postClaim(app, 'c', { at: T, metric: 'listeners', value: 5, claimant, quote, sourceUrl: 'http://example.com/a?b=<c>' });
  assert.equal(res.statusCode, 201, res.body);
  const [stored] = (await getClaims(app, 'c')).claims;
  assert.equal(stored.claimant, claimant);
  assert.equal(stored.quote, quote);
  assert.equal(stored.sourceUrl, 'http://example.com/a?b=<c>');
});

test('POST /claims: each invalid body is a 400 naming the field, never a 5xx', async (t) => {
  const app = await build(t);
  await createTarget(app, 'c');
  const ok = { at: T, metric: 'listeners', value: 5, claimant: 'a' };
  const cases: [unknown, string][] = [
    [{ ...ok, at: undefined }, 'body.at: is required'],
    [{ ...ok, at: 'yesterday' }, 'body.at: must be an ISO-8601 date-time or epoch milliseconds'],
    [{ ...ok, at: -5 }, 'body.at: must be an ISO-8601 date-time or epoch milliseconds'],
    [{ ...ok, at: '2016-12-31T23:59:60Z' }, 'body.at: must be an instant between 1970 and the year 275760, without a leap second'],
    [{ ...ok, metric: undefined }, 'body.metric: is required'],
    [{ ...ok, metric: 'likes' }, 'body.metric: must be one of listeners, views, capacity, state'],
    [{ ...ok, value: undefined }, 'body.value: is required when metric is listeners'],
    [{ ...ok, metric: 'views', value: undefined }, 'body.value: is required when metric is views'],
    [{ ...ok, value: -1 }, 'body.value: must be an integer between 0 and 1000000000000000'],
    [{ ...ok, value: 1.5 }, 'body.value: must be an integer between 0 and 1000000000000000'],
    [{ ...ok, value: '5' }, 'body.value: must be an integer between 0 and 1000000000000000'],
    [{ ...ok, value: 1e16 }, 'body.value: must be an integer between 0 and 1000000000000000'],
    [{ ...ok, stateValue: 'ended' }, 'body.stateValue: only applies when metric is state'],
    [{ ...ok, metric: 'state', stateValue: 'ended' }, 'body.value: must be absent when metric is state (use stateValue)'],
    [{ ...ok, metric: 'state', value: undefined }, 'body.stateValue: is required when metric is state'],
    [{ ...ok, metric: 'state', value: undefined, stateValue: 'exploded' }, 'body.stateValue: must be one of live, scheduled, ended, offline'],
    [{ ...ok, claimant: undefined }, 'body.claimant: is required'],
    [{ ...ok, claimant: '' }, 'body.claimant: must be a string of 1–200 characters'],
    [{ ...ok, claimant: 'x'.repeat(201) }, 'body.claimant: must be a string of 1–200 characters'],
    [{ ...ok, quote: 'x'.repeat(2001) }, 'body.quote: must be a string of at most 2000 characters'],
    [{ ...ok, sourceUrl: 'ftp://example.com/x' }, 'body.sourceUrl: must be an http(s) URL'],
    [{ ...ok, sourceUrl: 'javascript:alert(1)' }, 'body.sourceUrl: must be an http(s) URL'],
    [{ ...ok, sourceUrl: `https://example.com/${'x'.repeat(2048)}` }, 'body.sourceUrl: must be an http(s) URL'],
    [{ ...ok, verdict: { label: 'consistent' } }, 'body.verdict: is not a known field'],
    [[], 'body: must be object'],
  ];
  for (const [payload, message] of cases) {
    const res = await postClaim(app, 'c', payload);
    assert.deepEqual(res.json(), { statusCode: 400, code: 'SW_VALIDATION', error: 'Bad Request', message }, JSON.stringify(payload).slice(0, 200));
  }
  assert.deepEqual((await getClaims(app, 'c')).claims, []);
});

test('claims: unknown target 404; writes need the bearer token when set', async (t) => {
  const app = await build(t, { token: TOKEN });
  assert.equal((await app.inject({ url: '/api/v1/targets/ghost/claims' })).json().code, 'SW_TARGET_NOT_FOUND');
  const auth = { authorization: `Bearer ${TOKEN}` };
  assert.equal((await postClaim(app, 'ghost', { at: T, metric: 'views', value: 1, claimant: 'a' }, auth)).json().code, 'SW_TARGET_NOT_FOUND');
  await app.inject({ method: 'POST', url: '/api/v1/targets', headers: auth, payload: { id: 'c', source: { kind: 'json', url: 'http://status.example/x' } } });
  assert.equal((await postClaim(app, 'c', { at: T, metric: 'views', value: 1, claimant: 'a' })).json().code, 'SW_UNAUTHORIZED');
  assert.equal((await postClaim(app, 'c', { at: T, metric: 'views', value: 1, claimant: 'a' }, auth)).statusCode, 201);
  // Reads stay open.
  assert.equal((await app.inject({ url: '/api/v1/targets/c/claims' })).statusCode, 200);
});
