import { Type, type Static } from '@sinclair/typebox';
import { notifierConfigSchema, type AnyNotifierConfig } from '../alerts/notifiers/index.js';
import { HttpUrl, IntervalMs, TimeoutMs } from '../schemas/common.js';
import { TargetInput } from '../schemas/target.js';

// The config file's shape. Validated once at boot (src/config/load.ts), then frozen. Every field has a
// default an operator would accept without reading the docs; README.md "Configuration" lists them.

const LogLevel = Type.Union(
  ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
  { errorMessage: 'must be one of fatal, error, warn, info, debug, trace, silent' },
);

const Port = Type.Integer({ minimum: 0, maximum: 65535, errorMessage: 'must be an integer port number 0–65535' });

export const ServerConfig = Type.Object(
  {
    host: Type.String({ default: '0.0.0.0', minLength: 1 }),
    port: { ...Port, default: 8080 },
    /** Bearer token required on write endpoints; prefer the SPACEWATCH_TOKEN environment variable. */
    token: Type.Optional(Type.String({ minLength: 16, errorMessage: 'must be at least 16 characters' })),
    /** Where people reach this spacewatch: links in notifications, Alertmanager's generatorURL. */
    publicUrl: Type.Optional(HttpUrl('Base URL people use to reach spacewatch (links in notifications)')),
    bodyLimitBytes: Type.Integer({ minimum: 1024, maximum: 512 * 1024 * 1024, default: 16 * 1024 * 1024 }),
    importMaxRows: Type.Integer({ minimum: 1, maximum: 10_000_000, default: 200_000 }),
  },
  { additionalProperties: false, default: {} },
);

export const StorageConfig = Type.Object(
  {
    /** Unset = embedded memory store (nothing kept across restarts). */
    redisUrl: Type.Optional(
      Type.String({ pattern: '^rediss?://', errorMessage: 'must be a redis:// or rediss:// URL' }),
    ),
    keyPrefix: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9:_-]{0,32}$' })),
    retentionDays: Type.Number({ exclusiveMinimum: 0, maximum: 3650, default: 30 }),
  },
  { additionalProperties: false, default: {} },
);

export const PollerConfig = Type.Object(
  {
    /** Probes in flight at once across all targets. */
    concurrency: Type.Integer({ minimum: 1, maximum: 10_000, default: 256 }),
    defaultIntervalMs: { ...IntervalMs, default: 5_000 },
    defaultTimeoutMs: { ...TimeoutMs, default: 5_000 },
    /** Largest response body a probe reads. */
    maxResponseBytes: Type.Integer({ minimum: 1024, maximum: 64 * 1024 * 1024, default: 1024 * 1024 }),
    /** Each probe is scheduled up to this share of its interval early or late, so targets spread out. */
    jitter: Type.Number({ minimum: 0, maximum: 0.5, default: 0.1 }),
    /** Observations buffered for writing before new ones are dropped (and counted). */
    bufferLimit: Type.Integer({ minimum: 100, maximum: 10_000_000, default: 100_000 }),
    flushIntervalMs: Type.Integer({ minimum: 10, maximum: 60_000, default: 250 }),
    flushBatchSize: Type.Integer({ minimum: 1, maximum: 100_000, default: 1_000 }),
    /** Several pollers share targets through leases; a dead poller's targets move within this time. */
    leaseTtlMs: Type.Integer({ minimum: 1_000, maximum: 600_000, default: 15_000 }),
  },
  { additionalProperties: false, default: {} },
);

/**
 * One `notifiers[]` entry: a union over the notifier registry (src/alerts/notifiers/index.ts), each
 * kind's fields declared beside its code, so an unknown kind is answered with the known ones.
 */
export const NotifierConfig = notifierConfigSchema();
export type NotifierConfig = AnyNotifierConfig;

export const ConfigSchema = Type.Object(
  {
    server: ServerConfig,
    storage: StorageConfig,
    poller: PollerConfig,
    log: Type.Object({ level: { ...LogLevel, default: 'info' } }, { additionalProperties: false, default: {} }),
    alerts: Type.Object(
      {
        /** A firing alert resolves only after its condition has been clear this long (or the rule's forMs, if longer). */
        minClearForMs: Type.Integer({ minimum: 0, maximum: 86_400_000, default: 30_000, errorMessage: 'must be an integer number of milliseconds between 0 and 86400000' }),
        /** Targets are also evaluated this often without new observations (no data, a growing delay). */
        evaluateEveryMs: Type.Integer({ minimum: 250, maximum: 600_000, default: 5_000, errorMessage: 'must be an integer number of milliseconds between 250 and 600000' }),
      },
      { additionalProperties: false, default: {} },
    ),
    /** Which parts this process runs: the API, the poller, or both. */
    role: Type.Union([Type.Literal('all'), Type.Literal('api'), Type.Literal('poller')], {
      default: 'all',
      errorMessage: 'must be one of all, api, poller',
    }),
    targets: Type.Array(TargetInput, { default: [] }),
    /** Notification receivers (used by alerting). */
    notifiers: Type.Array(NotifierConfig, { default: [] }),
  },
  { additionalProperties: false },
);

export type Config = Static<typeof ConfigSchema>;
