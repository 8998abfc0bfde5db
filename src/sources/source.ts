import type { TSchema } from '@sinclair/typebox';
import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import type { JoinResult, Observation, SourceConfig, StreamState, Target } from '../types.js';

/** What every probe gets from the poller. Nothing here is global: the poller owns and passes it. */
export interface ProbeContext {
  /** Aborted when the probe's timeout fires or the poller stops. */
  signal: AbortSignal;
  /** The probe's time budget in ms (the signal fires at this point). */
  timeoutMs: number;
  /** Largest response body a probe may read; larger bodies are a `body_too_large` join error. */
  maxBytes: number;
  /** Shared undici pool (keep-alive). Probes must use it for every request. */
  dispatcher: Dispatcher;
  /** Environment (bearer tokens, client IDs); never logged. */
  env: Readonly<Record<string, string | undefined>>;
  log: Logger;
  now(): number;
  /**
   * Per-target memory that survives between probes of the same target (e.g. "this Space was live").
   * Owned by the poller; a probe may read and write it.
   */
  memory: Record<string, unknown>;
}

/** A probe's answer. An unhealthy stream is a result (join.ok = false), never an exception. */
export interface ProbeResult {
  state: StreamState;
  listeners?: number;
  join: JoinResult;
  extra?: Observation['extra'];
  /** Schedule the source reports (X `scheduled_start`, YouTube `scheduledStartTime`), epoch ms. */
  schedule?: { start?: number; end?: number };
  /** Source-reported times, epoch ms (X `started_at`/`ended_at`). */
  startedAt?: number;
  endedAt?: number;
  /** Ask the poller not to probe this target again before this instant (429 with x-rate-limit-reset). */
  notBefore?: number;
  /**
   * Things the probe noticed that belong on the timeline rather than in the series: an Icecast
   * source that reconnected (listener_peak reset), an HLS stream that restarted (media sequence went
   * back). The poller writes each to the target's event stream at the probe's instant.
   */
  events?: { type: string; data?: Record<string, unknown> }[];
}

export type Probe<C extends SourceConfig = SourceConfig> = (
  target: Target & { source: C },
  ctx: ProbeContext,
) => Promise<ProbeResult>;

/** One entry of the registry in `sources/index.ts`. */
export interface SourceDefinition<C extends SourceConfig = SourceConfig> {
  kind: string;
  /** TypeBox schema of this source's config; must have `kind: Literal(kind)` (used as a discriminator). */
  configSchema: TSchema;
  probe: Probe<C>;
  /** One line for docs and `/docs`. */
  description: string;
  /**
   * Time this source needs beyond the join for a given config (the audio-level check decodes a few
   * seconds of audio). The poller adds it to the probe's timeout, so the default timeout stays about
   * the join and a dead-air check still gets its budget.
   */
  extraTimeMs?(config: C): number;
}
