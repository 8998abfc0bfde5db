import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { SpacewatchError } from '../../errors.js';
import { withErrors } from '../schemas/error.js';

export interface HealthOptions {
  readiness?: () => Promise<{ ok: boolean; reason?: string }>;
}

const Status = Type.Object({ status: Type.Literal('ok') });

/** Liveness and readiness probes (Kubernetes-style), at the root rather than under /api/v1. */
const health: FastifyPluginAsyncTypebox<HealthOptions> = async (app, opts) => {
  const readiness =
    opts.readiness ??
    (async () => ((await app.store.ping()) ? { ok: true } : { ok: false, reason: `${app.store.kind} store does not answer` }));

  app.get(
    '/healthz',
    { schema: { tags: ['ops'], summary: 'The process is alive (always 200 while it can answer)', response: { 200: Status } } },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    { schema: { tags: ['ops'], summary: 'Ready for traffic: the store answers (503 SW_NOT_READY otherwise)', response: withErrors({ 200: Status }) } },
    async (request) => {
      let result: { ok: boolean; reason?: string };
      try {
        result = await readiness();
      } catch (err) {
        // A check that throws means not ready; its error text may name hosts, so it goes to the log only.
        request.log.warn({ err }, 'readiness check failed');
        result = { ok: false, reason: 'readiness check failed' };
      }
      if (!result.ok) throw new SpacewatchError('SW_NOT_READY', result.reason ?? 'unknown reason');
      return { status: 'ok' as const };
    },
  );
};

export default health;
