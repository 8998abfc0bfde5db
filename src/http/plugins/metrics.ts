import fp from 'fastify-plugin';
import { collectDefaultMetrics, Counter, Histogram, type Registry } from 'prom-client';

export interface MetricsOptions {
  registry: Registry;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The registry passed to buildApp; /metrics serves it and other components may register on it. */
    registry: Registry;
  }
}

// Seconds, from 5 ms to 10 s: API reads are milliseconds, imports and long-range series take longer.
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** HTTP request metrics on the passed registry, labelled by route pattern (never the raw URL, whose ids are unbounded). */
export default fp<MetricsOptions>(
  async (app, { registry }) => {
    app.decorate('registry', registry);
    // Another component on the same registry may have asked for the default metrics already;
    // registering them twice throws.
    if (!registry.getSingleMetric('process_cpu_user_seconds_total')) collectDefaultMetrics({ register: registry });

    const requests =
      (registry.getSingleMetric('spacewatch_http_requests_total') as Counter<'method' | 'route' | 'status'> | undefined) ??
      new Counter({
        name: 'spacewatch_http_requests_total',
        help: 'HTTP requests answered, by method, route pattern and status code',
        labelNames: ['method', 'route', 'status'] as const,
        registers: [registry],
      });
    const duration =
      (registry.getSingleMetric('spacewatch_http_request_duration_seconds') as Histogram<'method' | 'route'> | undefined) ??
      new Histogram({
        name: 'spacewatch_http_request_duration_seconds',
        help: 'Time to answer an HTTP request, by method and route pattern',
        labelNames: ['method', 'route'] as const,
        buckets: DURATION_BUCKETS,
        registers: [registry],
      });

    app.addHook('onResponse', async (request, reply) => {
      const route = request.is404 ? '(unmatched)' : (request.routeOptions.url ?? '(unmatched)');
      requests.inc({ method: request.method, route, status: String(reply.statusCode) });
      duration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
    });
  },
  { name: 'spacewatch-metrics', fastify: '5.x' },
);
