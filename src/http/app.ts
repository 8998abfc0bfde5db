import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest, type FastifySchemaCompiler } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import dashboard from '../dashboard/dashboard.js';
import { DEFAULT_INTERVAL_MS } from '../schemas/target.js';
import type { Sources } from '../sources/index.js';
import type { Store } from '../storage/store.js';
import { AJV_OPTIONS, createAjv, extendAjv } from '../validation.js';
import auth from './plugins/auth.js';
import context from './plugins/context.js';
import docs from './plugins/docs.js';
import errors, { schemaErrorFormatter, sendError } from './plugins/errors.js';
import metrics from './plugins/metrics.js';
import alertRoutes from './routes/alerts.js';
import claimRoutes from './routes/claims.js';
import healthRoutes from './routes/health.js';
import liveRoutes, { type LiveOptions } from './routes/live.js';
import markRoutes from './routes/marks.js';
import metricsRoutes from './routes/metrics.js';
import observationRoutes from './routes/observations.js';
import reportRoutes from './routes/report.js';
import seriesRoutes from './routes/series.js';
import targetRoutes from './routes/targets.js';
import timelineRoutes from './routes/timeline.js';
import { TargetView } from './schemas/target.js';

export interface AppOptions {
  store: Store;
  sources: Sources;
  /** Passed in, never prom-client's global registry. HTTP metrics (and default process metrics, if absent) are added to it. */
  registry: Registry;
  /** Root logger; the app logs through a child that redacts credentials. Without it, logging is off. */
  log?: Logger;
  /** SPACEWATCH_TOKEN. When set, POST/PUT/PATCH/DELETE need `Authorization: Bearer <token>`. */
  token?: string;
  /** Largest request body; default 1 MiB. */
  bodyLimitBytes?: number;
  /** Most rows one import request may carry; default 10,000. */
  importMaxRows?: number;
  /** Called after a target is created, changed or deleted, so an in-process poller picks it up at once. */
  onTargetsChanged?: (id: string) => void;
  /** What /readyz reports; default: the store answers a ping. */
  readiness?: () => Promise<{ ok: boolean; reason?: string }>;
  /** intervalMs given to targets created without one; default DEFAULT_INTERVAL_MS. */
  defaultIntervalMs?: number;
  /** Folder of the dashboard pages; default src/dashboard/public. */
  publicDir?: string;
  /** Limits of the live (SSE) streams; defaults in src/http/routes/live.ts. */
  live?: LiveOptions;
}

const DEFAULT_BODY_LIMIT_BYTES = 1_048_576;
const DEFAULT_IMPORT_MAX_ROWS = 10_000;

// Fixed paths, so a credential never reaches a log line even if a serializer starts including headers.
const REDACT = ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'headers.cookie'];

function serializeRequest(req: FastifyRequest) {
  // No headers and no body: bodies may carry source credentials, headers the bearer token.
  return { method: req.method, url: req.url, route: req.routeOptions?.url, remoteAddress: req.ip };
}

function positiveInt(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v <= 0) throw new TypeError(`buildApp: ${name} must be a positive integer, got ${String(value)}`);
  return v;
}

/**
 * Query strings are text, so they need ajv's coercion ("100" → 100) where bodies must not get it:
 * a body sending "5000" for a number is a client bug worth a 400. Fastify's one `ajv` option cannot
 * differ per part, so routes with a querystring schema get this compiler instead.
 */
function queryAwareCompiler(): FastifySchemaCompiler<unknown> {
  const strict = createAjv();
  const coercing = createAjv({ coerceTypes: 'array' });
  return ({ schema, httpPart }) => (httpPart === 'querystring' ? coercing : strict).compile(schema as object);
}

// @fastify/ajv-compiler adds ajv-formats itself unless one of the plugins is named `formatsPlugin`;
// extendAjv adds them too, and twice throws ("Keyword formatMaximum is already defined").
const formatsPlugin: typeof extendAjv = (ajv) => extendAjv(ajv);

/** The whole HTTP service as an unlistened Fastify instance: main.ts listens, tests use inject(). */
export async function buildApp(opts: AppOptions): Promise<FastifyInstance> {
  const bodyLimitBytes = positiveInt('bodyLimitBytes', opts.bodyLimitBytes, DEFAULT_BODY_LIMIT_BYTES);
  const settings = {
    importMaxRows: positiveInt('importMaxRows', opts.importMaxRows, DEFAULT_IMPORT_MAX_ROWS),
    defaultIntervalMs: positiveInt('defaultIntervalMs', opts.defaultIntervalMs, DEFAULT_INTERVAL_MS),
  };

  const loggerInstance: FastifyBaseLogger | undefined = opts.log?.child({}, { redact: { paths: REDACT, censor: '[redacted]' }, serializers: { req: serializeRequest } });
  const app = Fastify({
    ...(loggerInstance ? { loggerInstance } : { logger: false }),
    bodyLimit: bodyLimitBytes,
    ajv: { customOptions: AJV_OPTIONS, plugins: [formatsPlugin] },
    schemaErrorFormatter,
    // Malformed percent-encoding and over-long path params are caught by the router before any
    // route exists to carry an error handler; route them through the same one.
    frameworkErrors: (err, request, reply) => sendError(err, request, reply),
  }).withTypeProvider<TypeBoxTypeProvider>();

  const queryCompiler = queryAwareCompiler();
  app.addHook('onRoute', (route) => {
    if (route.schema?.querystring && !route.validatorCompiler) route.validatorCompiler = queryCompiler;
  });

  await app.register(errors);
  await app.register(context, { store: opts.store, sources: opts.sources, settings, onTargetsChanged: opts.onTargetsChanged });
  await app.register(metrics, { registry: opts.registry });
  await app.register(auth, { token: opts.token });
  await app.register(docs);
  app.addSchema(TargetView);

  await app.register(
    async (api) => {
      await api.register(targetRoutes);
      await api.register(seriesRoutes);
      await api.register(observationRoutes);
      await api.register(alertRoutes);
      await api.register(claimRoutes);
      await api.register(markRoutes);
      await api.register(timelineRoutes);
      await api.register(reportRoutes);
      await api.register(liveRoutes, opts.live ?? {});
    },
    { prefix: '/api/v1' },
  );
  await app.register(healthRoutes, { readiness: opts.readiness });
  await app.register(metricsRoutes);
  await app.register(dashboard, { publicDir: opts.publicDir });

  return app;
}
