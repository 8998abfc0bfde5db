import type { TargetEvent } from '../types.js';

// Operator marks: what a person watching the broadcast asserts, written as `mark` events. The set is
// small and fixed so the status, the delay rule and reports can act on it:
//   program-start — the programme is on air (wins over the data: DESIGN.md "Detection", on air)
//   program-end   — the programme is over: the target's status becomes `ended`
//   note          — free text for the timeline
//   incident      — something went wrong (e.g. "host's mic dead"); for the timeline and the report

export const MARK_KINDS = ['program-start', 'program-end', 'note', 'incident'] as const;
export type MarkKind = (typeof MARK_KINDS)[number];

export const MARK_EVENT = 'mark';
export const MARK_TEXT_MAX = 500;

export interface Mark {
  id?: string;
  at: number;
  kind: MarkKind;
  text?: string;
}

export function markEvent(mark: Mark): TargetEvent {
  return { at: mark.at, type: MARK_EVENT, data: { kind: mark.kind, ...(mark.text === undefined ? {} : { text: mark.text }) } };
}

const isKind = (e: TargetEvent, kind: MarkKind) => e.type === MARK_EVENT && e.data?.kind === kind;

/**
 * The operator's end of programme: the latest `program-end` mark, unless a `program-start` mark came
 * after it (the programme was resumed).
 */
export function programEndMark(events: readonly TargetEvent[]): number | undefined {
  let end: number | undefined;
  let start: number | undefined;
  for (const e of events) {
    if (isKind(e, 'program-end') && (end === undefined || e.at > end)) end = e.at;
    if (isKind(e, 'program-start') && (start === undefined || e.at > start)) start = e.at;
  }
  return end !== undefined && (start === undefined || start <= end) ? end : undefined;
}
