// The history both the overview and target page tests start from.
import assert from 'node:assert/strict';
import type { BrowserRig } from '../helpers/browser.js';

export const INTERVAL_MS = 2000;
export const XSS_NAME = '<img src=x onerror="window.__xss=1"><script>window.__xss=1</script>';

// A climb of 36 good probes every 2 s, then 4 failed ones (http_5xx) up to 12 s ago.
export const OK_ROWS = 36;
export const FAILED_ROWS = 4;
export const LAST_OK_LISTENERS = 1000 + (OK_ROWS - 1) * 100;

export async function seedNightShow(rig: BrowserRig): Promise<void> {
  const source = { kind: 'x-space', spaceId: '1NightShow', url: 'http://127.0.0.1:9' };
  await rig.api('POST', '/targets', { id: 'night-show', name: 'Night show', source, intervalMs: INTERVAL_MS });
  await rig.api('POST', '/targets', { id: 'xss-name', name: XSS_NAME, source, intervalMs: INTERVAL_MS });

  const t0 = Date.now() - (OK_ROWS + FAILED_ROWS) * INTERVAL_MS - 12_000;
  const rows = [];
  for (let i = 0; i < OK_ROWS; i++) {
    rows.push({ at: t0 + i * INTERVAL_MS, state: 'live', listeners: 1000 + i * 100, join: { ok: true, ms: 120 }, source: 'browser-test' });
  }
  for (let i = OK_ROWS; i < OK_ROWS + FAILED_ROWS; i++) {
    rows.push({ at: t0 + i * INTERVAL_MS, state: 'unknown', join: { ok: false, ms: 5000, error: 'http_5xx' }, source: 'browser-test' });
  }
  const res = await rig.api('POST', '/targets/night-show/observations', rows);
  assert.deepEqual(await res.json(), { written: rows.length, duplicates: 0 });
  await rig.api('POST', '/targets/xss-name/observations', [{ at: t0, state: 'live', listeners: 7, join: { ok: true, ms: 80 }, source: 'browser-test' }]);
}
