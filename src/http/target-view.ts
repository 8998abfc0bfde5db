import { SpacewatchError } from '../errors.js';
import { toIso, type Instant } from '../schemas/common.js';
import type { TargetStatus } from '../status/status.js';
import { toStatusView } from '../status/view.js';
import type { Schedule, Target } from '../types.js';
import { instantMs } from './instant.js';
import type { TargetView } from './schemas/target.js';

/** A schedule as stored: both ends ISO-8601, whatever form the client sent. */
export function normaliseSchedule(schedule: { start: Instant; end?: Instant }, field: string): Schedule {
  const start = instantMs(schedule.start, `${field}.start`);
  if (schedule.end === undefined) return { start: toIso(start) };
  const end = instantMs(schedule.end, `${field}.end`);
  if (end < start) throw new SpacewatchError('SW_VALIDATION', `${field}.end: must not be before ${field}.start`);
  return { start: toIso(start), end: toIso(end) };
}

// Targets written before createdAt existed (or by the config loader) may lack the times; the
// response contract always carries them.
const EPOCH = new Date(0).toISOString();

/** The target as the API returns it; with its status on reads. */
export function toTargetView(t: Target, status?: TargetStatus): TargetView {
  return {
    id: t.id,
    name: t.name,
    source: t.source,
    intervalMs: t.intervalMs,
    ...(t.timeoutMs === undefined ? {} : { timeoutMs: t.timeoutMs }),
    ...(t.schedule ? { schedule: t.schedule } : {}),
    ...(t.rules ? { rules: t.rules } : {}),
    origin: t.origin ?? 'api',
    createdAt: t.createdAt ?? t.updatedAt ?? EPOCH,
    updatedAt: t.updatedAt ?? t.createdAt ?? EPOCH,
    ...(status ? { status: toStatusView(status) } : {}),
  };
}
