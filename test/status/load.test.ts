import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadStatus, STATUS_WINDOW_MS } from '../../src/status/load.js';
import { MemoryStore } from '../../src/storage/memory-store.js';
import type { Observation, Target } from '../../src/types.js';

const NOW = Date.UTC(2024, 7, 13, 3, 0, 0);
const START = NOW - 3 * 3_600_000;
const target: Target = { id: 'long', name: 'long', source: { kind: 'x-space' }, intervalMs: 5000, schedule: { start: new Date(START).toISOString() } };

async function seeded(t: import('node:test').TestContext, withLiveEvent: boolean, source?: string) {
  const store = new MemoryStore();
  t.after(() => store.close());
  await store.putTarget(target);
  const rows: Observation[] = [];
  // Scheduled until 10 minutes past the start, then live and joinable until now.
  for (let at = START - 300_000; at <= NOW; at += 5000) {
    const live = at >= START + 600_000;
    rows.push({ at, state: live ? 'live' : 'scheduled', listeners: live ? 1000 : 0, join: { ok: true, ms: 90 }, ...(source ? { source } : {}) });
  }
  await store.append(rows.map((obs) => ({ targetId: target.id, obs })));
  if (withLiveEvent) await store.appendEvent(target.id, { at: START + 600_000, type: 'state-change', data: { from: 'scheduled', to: 'live' } });
  return store;
}

test('an on-air moment older than the window is found from the poller\'s state-change event', async (t) => {
  const store = await seeded(t, true);
  const s = await loadStatus(store, target, NOW);
  assert.equal(s.status, 'on-air');
  assert.equal(s.onAirAt, START + 600_000);
  assert.equal(s.delayMs, 600_000);
});

test('a polled target without such an event is judged on the window alone', async (t) => {
  const store = await seeded(t, false);
  const s = await loadStatus(store, target, NOW);
  assert.equal(s.status, 'on-air');
  assert.equal(s.onAirAt, NOW - STATUS_WINDOW_MS);
});

test('a target fed only by imports is scanned from an hour before its scheduled start', async (t) => {
  const store = await seeded(t, false, 'import:screenshots');
  const s = await loadStatus(store, target, NOW);
  assert.equal(s.status, 'on-air');
  assert.equal(s.onAirAt, START + 600_000);
  assert.equal(s.delayMs, 600_000);
});

test('imports only, no schedule, data days old: the rollups say where to scan; on air then, off air now', async (t) => {
  const unscheduled: Target = { ...target, id: 'old', schedule: undefined };
  const store = new MemoryStore();
  t.after(() => store.close());
  await store.putTarget(unscheduled);
  const from = NOW - 3 * 86_400_000;
  const rows: Observation[] = [];
  for (let at = from; at <= from + 3_600_000; at += 5000) {
    const live = at >= from + 900_000;
    rows.push({ at, state: live ? 'live' : 'scheduled', ...(live ? { listeners: 500 } : {}), join: { ok: true, ms: 90 }, source: 'archive' });
  }
  await store.append(rows.map((obs) => ({ targetId: unscheduled.id, obs })));
  const s = await loadStatus(store, unscheduled, NOW);
  assert.equal(s.onAirAt, from + 900_000);
  assert.equal(s.status, 'off-air');
});
