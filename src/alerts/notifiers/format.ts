import { toIso } from '../../schemas/common.js';
import type { Alert } from '../types.js';

// Wording and links shared by the notifiers, so a Slack message, a webhook body and an
// Alertmanager annotation describe the same alert the same way.

/** The dashboard page of the alert's target, or undefined when no public URL is configured. */
export function targetLink(publicUrl: string | undefined, targetId: string): string | undefined {
  if (!publicUrl) return undefined;
  return `${publicUrl.replace(/\/+$/, '')}/targets/${encodeURIComponent(targetId)}`;
}

export const iso = toIso;

/** `3h 4m`, `12m 5s`, `40s`: how long an alert fired, for humans. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${sec}s`;
  return `${sec}s`;
}

/** `value 0.62, threshold 0.5; attempts=50, window=60000`: the numbers behind the summary. */
export function describeValues(alert: Alert): string {
  const c = alert.condition;
  const details = Object.entries(c.details ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  return `value ${c.value ?? 'n/a'}, threshold ${c.threshold}${details ? `; ${details}` : ''}`;
}
