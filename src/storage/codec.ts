// Observation ↔ Redis stream fields. Compact on purpose: a day of 1 s polls is 86,400 entries per
// target. A stream node stores field names once when an entry has the same fields as the node's
// first entry, so what costs is the number of values and their size: small integers are stored as
// integers, so numbers go in as their decimal strings and come back through Number() (lossless for
// any finite double — but a fractional `ms` costs ~15 bytes more than an integer one).
//
// Fields, always in this order so consecutive entries share one field list:
//   s state (one char)   n listeners   k join ok (1/0)   m join ms   e join error code   b join bytes
//   x extra (JSON)       p source (only when not 'poll')
// `at` is the entry ID (`<at>-0`), never a field. A join is present exactly when `k` is.
import { STREAM_STATES, type JoinErrorCode, type Observation, type Rollup, type StreamState, type TargetEvent } from '../types.js';

/** An entry as ioredis returns it from XRANGE/XREVRANGE. */
export type StreamEntry = [id: string, fields: string[]];

const STATE_TO_CHAR: Record<StreamState, string> = { live: 'l', scheduled: 's', ended: 'e', offline: 'o', unknown: 'u' };
const CHAR_TO_STATE = new Map<string, StreamState>(STREAM_STATES.map((s) => [STATE_TO_CHAR[s], s]));

/** Stream IDs are unsigned integers and `0-0` is not a valid XADD ID, so `at` must be a positive integer. */
export function assertObservationTime(at: number): void {
  if (!Number.isSafeInteger(at) || at < 1) throw new RangeError(`observation at must be a positive integer epoch ms, got ${at}`);
}

/** Flat `[field, value, …]` for XADD. */
export function encodeObservation(obs: Observation): string[] {
  const f: string[] = ['s', STATE_TO_CHAR[obs.state] ?? 'u'];
  if (obs.listeners !== undefined) f.push('n', String(obs.listeners));
  if (obs.join) {
    f.push('k', obs.join.ok ? '1' : '0', 'm', String(obs.join.ms));
    if (obs.join.error !== undefined) f.push('e', obs.join.error);
    if (obs.join.bytes !== undefined) f.push('b', String(obs.join.bytes));
  }
  if (obs.extra !== undefined) f.push('x', JSON.stringify(obs.extra));
  if (obs.source !== undefined && obs.source !== 'poll') f.push('p', obs.source);
  return f;
}

export function decodeObservation(at: number, fields: readonly string[]): Observation {
  const obs: Observation = { at, state: 'unknown' };
  let ok: string | undefined;
  let ms = 0;
  let error: string | undefined;
  let bytes: number | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const v = fields[i + 1] as string;
    switch (fields[i]) {
      case 's': obs.state = CHAR_TO_STATE.get(v) ?? 'unknown'; break;
      case 'n': obs.listeners = Number(v); break;
      case 'k': ok = v; break;
      case 'm': ms = Number(v); break;
      case 'e': error = v; break;
      case 'b': bytes = Number(v); break;
      case 'x': obs.extra = JSON.parse(v) as Observation['extra']; break;
      case 'p': obs.source = v; break;
      default: break; // a field from a newer version: ignore rather than fail the whole read
    }
  }
  if (ok !== undefined) {
    obs.join = { ok: ok === '1', ms };
    if (error !== undefined) obs.join.error = error as JoinErrorCode;
    if (bytes !== undefined) obs.join.bytes = bytes;
  }
  return obs;
}

/** `<ms>-<seq>` → ms. */
export function idToMs(id: string): number {
  const dash = id.indexOf('-');
  return Number(dash < 0 ? id : id.slice(0, dash));
}

/** Same-shaped copy as a read back from Redis would give (drops undefined props and `source: 'poll'`). */
/**
 * Validates a batch's times and groups its rows by target and ms. The first row at a given ms wins
 * and the others count as duplicates, as they would across two batches.
 */
export function groupBatch(items: readonly { targetId: string; obs: Observation }[]): { byTarget: Map<string, Map<number, Observation>>; duplicates: number } {
  for (const { obs } of items) assertObservationTime(obs.at);
  let duplicates = 0;
  const byTarget = new Map<string, Map<number, Observation>>();
  for (const { targetId, obs } of items) {
    let rows = byTarget.get(targetId);
    if (!rows) byTarget.set(targetId, (rows = new Map()));
    if (rows.has(obs.at)) duplicates++;
    else rows.set(obs.at, obs);
  }
  return { byTarget, duplicates };
}

export function normalizeObservation(obs: Observation): Observation {
  return decodeObservation(obs.at, encodeObservation(obs));
}

// Sorted-set members must be unique per key, so both member encodings start with the time: two
// identical rows (or rollups) at different instants would otherwise collapse into one member.

/** Member of the late set: JSON `[at, field, value, …]`. */
export function encodeLateMember(obs: Observation): string {
  return JSON.stringify([obs.at, ...encodeObservation(obs)]);
}

export function decodeLateMember(member: string): Observation {
  const [at, ...fields] = JSON.parse(member) as [number, ...string[]];
  return decodeObservation(at, fields);
}

/** Stream entries and late-set members, each sorted by time, decoded and merged; the stream wins a tie. */
export function decodeRows(stream: StreamEntry[], late: string[]): Observation[] {
  const a = stream.map(([id, fields]) => decodeObservation(idToMs(id), fields));
  if (late.length === 0) return a;
  const b = late.map(decodeLateMember);
  const out: Observation[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = a[i];
    const y = b[j];
    if (y === undefined || (x !== undefined && x.at <= y.at)) {
      out.push(x as Observation);
      i++;
      if (y !== undefined && x !== undefined && y.at === x.at) j++;
    } else {
      out.push(y);
      j++;
    }
  }
  return out;
}

const ROLLUP_FIELDS = 9;

/** `at,count,min,max,mean,last,joins,failed,joinMs`, absent values empty. */
export function encodeRollup(r: Rollup): string {
  const opt = (n: number | undefined): string => (n === undefined ? '' : String(n));
  return [r.at, r.count, opt(r.min), opt(r.max), opt(r.mean), opt(r.last), r.joins, r.failed, opt(r.joinMs)].join(',');
}

export function decodeRollup(member: string): Rollup {
  const p = member.split(',');
  if (p.length !== ROLLUP_FIELDS) throw new Error(`malformed rollup member: ${member}`);
  const num = (i: number): number => Number(p[i]);
  const r: Rollup = { at: num(0), count: num(1), joins: num(6), failed: num(7) };
  if (p[2] !== '') r.min = num(2);
  if (p[3] !== '') r.max = num(3);
  if (p[4] !== '') r.mean = num(4);
  if (p[5] !== '') r.last = num(5);
  if (p[8] !== '') r.joinMs = num(8);
  return r;
}

// Events are few and read by people (redis-cli, XREAD tails), so their fields keep plain names.

export function encodeEvent(event: TargetEvent): string[] {
  const fields = ['at', String(event.at), 'type', event.type];
  if (event.data !== undefined) fields.push('data', JSON.stringify(event.data));
  return fields;
}

export function decodeEvent(id: string, fields: readonly string[]): TargetEvent {
  const event: TargetEvent = { id, at: Number.NaN, type: '' };
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const v = fields[i + 1] as string;
    if (fields[i] === 'at') event.at = Number(v);
    else if (fields[i] === 'type') event.type = v;
    else if (fields[i] === 'data') event.data = JSON.parse(v) as Record<string, unknown>;
  }
  return event;
}
