import type { TargetEvent } from '../types.js';

// Events that open a span and the events that close it, so a timeline reads "join failures firing
// 00:05–00:41, 36 min" rather than two unrelated lines. Pure.
//
//   alert-pending, alert-firing   → the next alert transition of the same rule (firing, resolved)
//   silence-start                 → the next silence-start or silence-end
//   mark program-start            → the next program-start or program-end mark

export interface Span {
  /** When the span closed, epoch ms; absent while it is open. */
  until?: number;
  ongoing?: true;
}

function keyOf(e: TargetEvent): { key: string; opens: boolean } | undefined {
  if (e.type.startsWith('alert-')) return { key: `alert:${String(e.data?.rule ?? '')}`, opens: e.type === 'alert-pending' || e.type === 'alert-firing' };
  if (e.type === 'silence-start' || e.type === 'silence-end') return { key: 'silence', opens: e.type === 'silence-start' };
  if (e.type === 'mark' && (e.data?.kind === 'program-start' || e.data?.kind === 'program-end')) return { key: 'program', opens: e.data.kind === 'program-start' };
  return undefined;
}

/** For events oldest first: the span each one opens (by index), or nothing for events that open none. */
export function spans(events: readonly TargetEvent[]): (Span | undefined)[] {
  const out: (Span | undefined)[] = new Array(events.length).fill(undefined);
  const open = new Map<string, number>();
  events.forEach((e, i) => {
    const k = keyOf(e);
    if (!k) return;
    const prev = open.get(k.key);
    if (prev !== undefined) {
      out[prev] = { until: e.at };
      open.delete(k.key);
    }
    if (k.opens) open.set(k.key, i);
  });
  for (const i of open.values()) out[i] = { ongoing: true };
  return out;
}
