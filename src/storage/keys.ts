// Every Redis key spacewatch uses, in one place. All keys of one target share the hash tag `{t:<id>}`
// so a target's stream, late set, rollups and events land in one Redis Cluster slot: multi-key
// commands (the late-row script, MULTI rollup rewrites) stay legal on Cluster unchanged.
// Target ids are restricted to [a-z0-9_-] (src/schemas/common.ts), so an id can never close the tag early.

export interface Keys {
  /** The hash tag shared by every key of the target, prefix included. */
  tag(targetId: string): string;
  /** Observation stream; entry ID = `<at ms>-0`. */
  obs(targetId: string): string;
  /** Observations imported out of order (at ≤ the stream's last ID): sorted set, score = at. */
  late(targetId: string): string;
  /** One-minute rollups: sorted set, score = minute start. */
  rollups(targetId: string): string;
  /** Event stream with auto (insertion-time) IDs. */
  events(targetId: string): string;
  /** Which poller owns the target: string owner id with a TTL (SET NX PX). */
  lease(targetId: string): string;
  /** Every key that holds data of the target (for delete). */
  allOf(targetId: string): string[];
  /** Hash id → target JSON. */
  targets(): string;
  /** Hash `<target>|<rule>` → alert JSON. */
  alerts(): string;
}

export function createKeys(prefix = ''): Keys {
  const tag = (id: string): string => `${prefix}{t:${id}}`;
  const keys: Keys = {
    tag,
    obs: (id) => `${tag(id)}:obs`,
    late: (id) => `${tag(id)}:obs:late`,
    rollups: (id) => `${tag(id)}:obs:1m`,
    events: (id) => `${tag(id)}:events`,
    lease: (id) => `${tag(id)}:lease`,
    allOf: (id) => [keys.obs(id), keys.late(id), keys.rollups(id), keys.events(id), keys.lease(id)],
    targets: () => `${prefix}sw:targets`,
    alerts: () => `${prefix}sw:alerts`,
  };
  return Object.freeze(keys);
}
