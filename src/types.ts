// The domain model every layer shares. One observation is one probe of one target at one instant;
// everything else (series, rollups, alerts, verdicts, reports) derives from observations and events.

/** Stable join-error codes (DESIGN.md "Sources and probes"). Counted in metrics and documented in README. */
export const JOIN_ERROR_CODES = [
  'dns',
  'connect_refused',
  'connect_timeout',
  'tls',
  'timeout',
  'http_4xx',
  'not_found',
  'rate_limited',
  'http_5xx',
  'invalid_payload',
  'body_too_large',
  'no_source',
  'stalled',
  'ended',
] as const;
export type JoinErrorCode = (typeof JOIN_ERROR_CODES)[number];

/** What the platform says about the broadcast. `offline` = the platform answers but nothing is on air. */
export const STREAM_STATES = ['live', 'scheduled', 'ended', 'offline', 'unknown'] as const;
export type StreamState = (typeof STREAM_STATES)[number];

export interface JoinResult {
  ok: boolean;
  /** Time to the first useful byte (API answer, audio byte, segment byte), in ms. */
  ms: number;
  error?: JoinErrorCode;
  /** Bytes read by the probe. */
  bytes?: number;
}

export interface Observation {
  /** Epoch ms. Unique per target: the store rejects a second observation at the same ms. */
  at: number;
  state: StreamState;
  listeners?: number;
  /** Absent only for imported rows that carry no join attempt (e.g. counts read off screenshots). */
  join?: JoinResult;
  /** Source-specific values worth keeping (small: a few scalars). */
  extra?: Record<string, string | number | boolean | null>;
  /** Provenance: 'poll' for spacewatch's own probes, or the importer's label. Absent means 'poll'. */
  source?: string;
}

export interface Schedule {
  /** ISO-8601 */
  start: string;
  end?: string;
}

/** A source's configuration: `kind` picks the probe from the registry; the rest is that probe's own. */
export interface SourceConfig {
  kind: string;
  [key: string]: unknown;
}

export interface Target {
  id: string;
  name: string;
  source: SourceConfig;
  intervalMs: number;
  /** Per-probe timeout; defaults to the poller's. */
  timeoutMs?: number;
  schedule?: Schedule;
  /** Per-target overrides of the alert rules' thresholds (src/detect/rules.ts: RulesConfig). */
  rules?: Record<string, Record<string, number | boolean>>;
  /** 'config' when the target comes from the config file (re-applied at boot), 'api' otherwise. */
  origin?: 'config' | 'api';
  createdAt?: string;
  updatedAt?: string;
}

/** Something that happened to a target, other than an observation: alert transitions, claims, marks, state changes. */
export interface TargetEvent {
  /** Stream entry ID (`<ms>-<seq>`); assigned by the store. */
  id?: string;
  at: number;
  type: string;
  /** Small JSON-serialisable payload. */
  data?: Record<string, unknown>;
}

/** One-minute aggregate of a target's observations (DESIGN.md "Storage in Redis"). */
export interface Rollup {
  /** Start of the minute, epoch ms. */
  at: number;
  count: number;
  /** Listener aggregates over observations that carried a count; absent when none did. */
  min?: number;
  max?: number;
  mean?: number;
  last?: number;
  /** Join attempts and failures within the minute. */
  joins: number;
  failed: number;
  /** Mean join ms over successful joins; absent when none succeeded. */
  joinMs?: number;
}

export const SERIES_METRICS = ['listeners', 'join_attempts', 'join_failures', 'join_ms'] as const;
export type SeriesMetric = (typeof SERIES_METRICS)[number];

/** Columnar series: uPlot's native shape. `v[i]` is null where there is no value. */
export interface Series {
  metric: SeriesMetric;
  t: number[];
  v: (number | null)[];
}
