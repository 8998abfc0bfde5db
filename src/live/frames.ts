import { toIso } from '../schemas/common.js';
import type { Observation, TargetEvent } from '../types.js';
import { sseFrame, type SseFrame } from './sse.js';

// The data of a target stream's frames (the wire contract: README "Live updates"), and the frames
// themselves, serialised once each.

/** The `observation` frame: the stored Observation, `at` in epoch ms as in series. */
export function observationFrame(o: Observation): Observation {
  return { ...o, source: o.source ?? 'poll' };
}

/** The `event` frame: a /timeline entry without the span fields. */
export function eventFrame(e: TargetEvent) {
  return { id: e.id ?? '', at: toIso(e.at), type: e.type, data: e.data ?? {} };
}

/** An observation's frame; its ID is its `at` (the client's position once it has it). */
export const obsFrameOf = (o: Observation): SseFrame => sseFrame('observation', JSON.stringify(observationFrame(o)), o.at);

/** An event's frame, with the ID given (none in a replay: the position is still `since`). */
export const eventFrameOf = (e: TargetEvent, id?: number): SseFrame => sseFrame('event', JSON.stringify(eventFrame(e)), id);
