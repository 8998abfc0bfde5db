// One computation shared by every caller that asks while it runs or within `maxAgeMs` after it
// finished: GET /overview reads every target's status, so ten dashboards (or a load test) asking at
// once must cost one read of the store, not ten. A failure is not kept: the next caller tries again.

export function sharedResult<T>(compute: () => Promise<T>, maxAgeMs: number, now: () => number = Date.now): () => Promise<T> {
  let pending: Promise<T> | undefined;
  let done: { value: T; at: number } | undefined;
  return () => {
    if (done && now() - done.at < maxAgeMs) return Promise.resolve(done.value);
    pending ??= compute().then(
      (value) => {
        done = { value, at: now() };
        pending = undefined;
        return value;
      },
      (err: unknown) => {
        pending = undefined;
        throw err;
      },
    );
    return pending;
  };
}
