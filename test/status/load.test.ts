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

test('without such an event only the window is read: on air since the window began (documented limit)', async (t) => {
  const store = await seeded(t, false);
  const s = await loadStatus(store, target, NOW);
  assert.equal(s.status, 'on-air');
  assert.equal(s.onAirAt, NOW - STATUS_WINDOW_MS);
});

test('an imported broadcast: the on-air moment its import recorded stands in for the rows before the window', async (t) => {
  const store = await seeded(t, false, 'import:screenshots');
  await store.appendEvent(target.id, { at: START + 600_000, type: 'on-air', data: {} });
  const s = await loadStatus(store, target, NOW);
  assert.equal(s.status, 'on-air');
  assert.equal(s.onAirAt, START + 600_000);
  assert.equal(s.delayMs, 600_000);
});
