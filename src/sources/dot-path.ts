// Dot paths into JSON payloads (`data.participant_count`, `items.0.viewers`), as the json source's
// config names them. Only own properties are followed, so a path such as `__proto__.x` or
// `constructor.name` reads nothing instead of walking into prototypes.

/** The value at `path` in `value`, or undefined when any step is missing. Numeric steps index arrays. */
export function getPath(value: unknown, path: string): unknown {
  let cur = value;
  for (const step of path.split('.')) {
    if (Array.isArray(cur)) {
      if (!/^\d+$/.test(step)) return undefined;
      cur = cur[Number(step)];
    } else if (cur !== null && typeof cur === 'object' && Object.hasOwn(cur, step)) {
      cur = (cur as Record<string, unknown>)[step];
    } else {
      return undefined;
    }
  }
  return cur;
}
