// Event IDs are Redis stream IDs, `<ms>-<seq>` (the memory store makes the same), growing with
// insertion: the order events were written in, which is not the order of the instants they are
// about (a claim or mark may be about an earlier moment). Followers use them as cursors.

export function splitId(id: string): [number, number] {
  const dash = id.indexOf('-');
  return dash < 0 ? [Number(id), 0] : [Number(id.slice(0, dash)), Number(id.slice(dash + 1))];
}

/** Whether `id` was written after `cursor`; an absent cursor is before everything, an absent id after nothing. */
export function idAfter(id: string | undefined, cursor: string | undefined): boolean {
  if (id === undefined) return false;
  if (cursor === undefined) return true;
  const [a, b] = splitId(id);
  const [c, d] = splitId(cursor);
  return a > c || (a === c && b > d);
}

/** The newest ID among `events` (by insertion), or `cursor` when none is newer. */
export function newestId(events: readonly { id?: string }[], cursor: string | undefined): string | undefined {
  let out = cursor;
  for (const e of events) if (idAfter(e.id, out)) out = e.id;
  return out;
}
