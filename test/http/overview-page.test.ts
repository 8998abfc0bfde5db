// The overview page's pure helpers (src/dashboard/public/overview-format.js), table-driven.
import assert from 'node:assert/strict';
import { test } from 'node:test';

const PUBLIC = new URL('../../src/dashboard/public/', import.meta.url);
const f = await import(new URL('overview-format.js', PUBLIC).href);

test('statusText: the running delay while delayed, the status word otherwise', () => {
  const cases: [unknown, number, string][] = [
    [{ status: 'delayed', delayMs: 12 * 60_000 }, 0, 'delayed · 12 min'],
    [{ status: 'delayed', delayMs: 12 * 60_000 + 59_000 }, 2000, 'delayed · 13 min 1 s'],
    [{ status: 'delayed', delayMs: 12 * 60_000 }, -5000, 'delayed · 12 min'],
    [{ status: 'delayed', delayMs: 45_000 }, 0, 'delayed · 45 s'],
    [{ status: 'delayed', delayMs: 65 * 60_000 }, 0, 'delayed · 1 h 5 min'],
    [{ status: 'delayed', delayMs: 120 * 60_000 }, 0, 'delayed · 2 h'],
    // On air the badge is the word alone, as its doc says (how late is on the target page).
    [{ status: 'on-air', delayMs: 3 * 60_000 }, 0, 'on-air'],
    [{ status: 'scheduled' }, 0, 'scheduled'],
    [undefined, 0, 'unknown'],
  ];
  for (const [status, since, want] of cases) assert.equal(f.statusText(status, since), want, JSON.stringify(status));
});

test('the overview words durations as every page does (format.js), not in a wording of its own', async () => {
  const { formatDuration } = await import(new URL('format.js', PUBLIC).href);
  assert.equal(f.formatDelay, undefined, 'no second duration helper');
  for (const ms of [45_000, 65 * 60_000, 12 * 60_000 + 30_000]) assert.equal(f.statusText({ status: 'delayed', delayMs: ms }), `delayed · ${formatDuration(ms)}`);
  assert.equal(f.joinText({ windowMs: 90_000, attempts: 0, failed: 0, successRate: null }).detail, `no join attempts · last ${formatDuration(90_000)}`);
});

test('statusClass: known statuses only reach the class list', () => {
  for (const s of ['scheduled', 'delayed', 'on-air', 'degraded', 'off-air', 'ended']) assert.equal(f.statusClass(s), `st-${s}`);
  assert.equal(f.statusClass('x onclick=1'), 'st-unknown');
});

test('joinText and joinClass: the rate with the attempts behind it', () => {
  const cases: [unknown, { rate: string; detail: string }, string][] = [
    [{ windowMs: 300_000, attempts: 40, failed: 4, successRate: 0.9 }, { rate: '90 %', detail: '36 of 40 joins ok · last 5 min' }, 'good'],
    [{ windowMs: 300_000, attempts: 4, failed: 1, successRate: 0.75 }, { rate: '75 %', detail: '3 of 4 joins ok · last 5 min' }, 'warn'],
    [{ windowMs: 300_000, attempts: 2, failed: 2, successRate: 0 }, { rate: '0 %', detail: '0 of 2 joins ok · last 5 min' }, 'bad'],
    [{ windowMs: 300_000, attempts: 1000, failed: 1, successRate: 0.999 }, { rate: '99.9 %', detail: '999 of 1,000 joins ok · last 5 min' }, 'good'],
    [{ windowMs: 300_000, attempts: 5000, failed: 1, successRate: 0.9998 }, { rate: '99.9 %', detail: '4,999 of 5,000 joins ok · last 5 min' }, 'good'],
    [{ windowMs: 300_000, attempts: 3, failed: 0, successRate: 1 }, { rate: '100 %', detail: '3 of 3 joins ok · last 5 min' }, 'good'],
    [{ windowMs: 300_000, attempts: 0, failed: 0, successRate: null }, { rate: '—', detail: 'no join attempts · last 5 min' }, ''],
  ];
  for (const [joins, text, cls] of cases) {
    assert.deepEqual(f.joinText(joins), text, JSON.stringify(joins));
    assert.equal(f.joinClass(joins), cls, JSON.stringify(joins));
  }
});

test('isLastKnown: only when the count is older than the newest observation', () => {
  assert.equal(f.isLastKnown({ nowAt: '2025-01-01T00:00:00Z' }, '2025-01-01T00:00:10Z'), true);
  assert.equal(f.isLastKnown({ nowAt: '2025-01-01T00:00:10Z' }, '2025-01-01T00:00:10Z'), false);
  assert.equal(f.isLastKnown({ nowAt: null }, '2025-01-01T00:00:10Z'), false);
  assert.equal(f.isLastKnown({ nowAt: '2025-01-01T00:00:00Z' }, null), false);
});

test('alertChip: firing plain, pending dimmed, summary as the tooltip', () => {
  assert.deepEqual(f.alertChip({ rule: 'join_failures', state: 'firing', summary: 'join failures 62 %' }), { text: 'join failures', className: 'chip firing', title: 'firing: join failures 62 %' });
  assert.deepEqual(f.alertChip({ rule: 'drop', state: 'pending', summary: 's' }), { text: 'drop', className: 'chip pending', title: 'pending: s' });
});
