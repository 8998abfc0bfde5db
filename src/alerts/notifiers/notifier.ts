import { Type, type TSchema } from '@sinclair/typebox';
import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import { HttpUrl, TimeoutMs } from '../../schemas/common.js';
import type { Transition } from '../types.js';

// A notifier turns one alert transition into one request to one receiver (as gatus's
// alerting/provider/<name>). It knows nothing of queues, retries or timers: the dispatcher
// (src/alerts/dispatcher.ts) owns those, so every notifier gets them alike.

/** What the dispatcher hands each `send`. */
export interface SendContext {
  /** Aborted at the per-request timeout or at shutdown; every request must honour it. */
  signal: AbortSignal;
  /** Base URL of spacewatch as receivers reach it (links, Alertmanager's generatorURL); unset = no links. */
  publicUrl?: string;
}

export interface Notifier {
  /** Unique among the configured notifiers; the `notifier` label of the metrics. */
  name: string;
  kind: string;
  /** Where it sends, safe to log: the URL's origin only (a Slack webhook's path is its secret). */
  endpoint: string;
  /**
   * Delivers one firing or resolved transition. Resolves on a 2xx answer; throws otherwise — a
   * `NotifyError` for a refused, failed or timed-out exchange (its `retryable` tells the dispatcher
   * whether to try again), anything else is a bug and is not retried.
   */
  send(t: Transition, ctx: SendContext): Promise<void>;
  /** Re-send every firing alert this often until it resolves (Alertmanager); unset = once per transition. */
  repeatIntervalMs?: number;
  /** Per-request time budget; unset = the dispatcher's default. */
  timeoutMs?: number;
}

/** What a factory gets. main.ts builds the undici pool (separate from the poller's) and the logger. */
export interface NotifierDeps {
  dispatcher: Dispatcher;
  log: Logger;
  /** Clock for signature timestamps; defaults to Date.now. */
  now?: () => number;
}

/** One entry of the registry in `notifiers/index.ts`. */
export interface NotifierDefinition<C extends { kind: string; name?: string } = { kind: string; name?: string }> {
  kind: string;
  /** TypeBox schema of this kind's config; must have `kind: Literal(kind)` (the union's discriminator). */
  configSchema: TSchema;
  /** One line for docs. */
  description: string;
  /** `config.name` has already been made unique (see `createNotifiers`). */
  create(config: C & { name: string }, deps: NotifierDeps): Notifier;
}

/** Fields every notifier's config has. `name` becomes a metric label, hence the tight pattern. */
export const notifierBaseFields = () => ({
  name: Type.Optional(
    Type.String({
      pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$',
      errorMessage: 'must be 1–64 characters of A-Z, a-z, 0-9, ".", "-" and "_", starting with a letter or digit',
    }),
  ),
  url: HttpUrl(),
  timeoutMs: Type.Optional(TimeoutMs),
});

// RFC 9110 §5.1: a field name is a token.
const HEADER_NAME = "^[A-Za-z0-9!#$%&'*+.^_`|~-]+$";

/** Extra request headers (e.g. `Authorization` for a receiver behind a proxy). Values are secrets: never logged. */
export const HeadersSchema = () =>
  Type.Unsafe<Record<string, string>>({
    type: 'object',
    propertyNames: { pattern: HEADER_NAME, errorMessage: 'header names must be HTTP tokens (letters, digits and !#$%&\'*+.^_`|~-)' },
    additionalProperties: { type: 'string', maxLength: 8192, pattern: '^[^\\r\\n]*$', errorMessage: 'must be a single-line string' },
  });
