import { ON_AIR_EVENT, ON_AIR_HORIZON_MS, onAirAt, recordedOnAir, scheduledStart } from '../detect/on-air.js';
import type { Observation, Target, TargetEvent } from '../types.js';

// The first moment a broadcast was live and joinable, written down once seen. Observations age out
// of every window (the detectors' minutes, the status's hour), so whoever sees the moment records it
// as an `on-air` event — the alert engine for a polled target, the import route for imported rows —
// and the delay rule, the status and the report read it back. Pure.

/**
 * The `on-air` event these observations call for, or undefined: they show no on-air moment, or one
 * at or before it is recorded already. An earlier moment than the recorded one (a backfill) is
 * recorded too; readers take the earliest.
 */
export function onAirRecord(target: Target, events: readonly TargetEvent[], observations: readonly Observation[], now: number): TargetEvent | undefined {
  const scheduled = scheduledStart(target, events);
  // A broadcast's on-air moment is not older than half a day before its scheduled start.
  const since = scheduled === undefined ? -Infinity : scheduled - ON_AIR_HORIZON_MS;
  const recorded = recordedOnAir(events, since);
  const at = onAirAt(observations, events, since);
  if (at === undefined || at > now || (recorded !== undefined && recorded <= at)) return undefined;
  return { at, type: ON_AIR_EVENT, data: scheduled === undefined ? {} : { scheduledStart: new Date(scheduled).toISOString(), delayMs: at - scheduled } };
}
