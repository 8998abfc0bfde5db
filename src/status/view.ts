import { toIso } from '../schemas/common.js';
import type { TargetStatus } from './status.js';

/** The status as the API returns it: times ISO-8601. */
export function toStatusView(s: TargetStatus) {
  return {
    status: s.status,
    ...(s.scheduledStart === undefined ? {} : { scheduledStart: toIso(s.scheduledStart) }),
    ...(s.onAirAt === undefined ? {} : { onAirAt: toIso(s.onAirAt) }),
    ...(s.delayMs === undefined ? {} : { delayMs: s.delayMs }),
    ...(s.endedAt === undefined ? {} : { endedAt: toIso(s.endedAt) }),
    reason: s.reason,
  };
}
