import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Alert } from '../../alerts/types.js';
import { withErrors } from '../schemas/error.js';
import { AlertList, AlertsQuery } from '../schemas/alerts.js';

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

function view(a: Alert) {
  return {
    target: a.targetId,
    rule: a.rule,
    state: a.state,
    activeAt: iso(a.activeAt)!,
    ...(a.firedAt !== undefined ? { firedAt: iso(a.firedAt) } : {}),
    ...(a.resolvedAt !== undefined ? { resolvedAt: iso(a.resolvedAt) } : {}),
    value: a.condition.value,
    threshold: a.condition.threshold,
    summary: a.condition.summary,
    ...(a.condition.details ? { details: a.condition.details } : {}),
  };
}

const ORDER = { firing: 0, pending: 1, resolved: 2 } as const;

/** Current alerts across targets, read from the store so any API instance answers the same. */
const alerts: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/alerts',
    {
      schema: {
        tags: ['alerts'],
        summary: 'Current alerts across targets',
        description: 'One entry per (target, rule): firing first, then pending, then the last resolved episode. Filter with `state` and `target`.',
        querystring: AlertsQuery,
        response: withErrors({ 200: AlertList }),
      },
    },
    async (request) => {
      const { state, target } = request.query;
      const all = await app.store.listAlerts();
      return all
        .filter((a) => (state === undefined || a.state === state) && (target === undefined || a.targetId === target))
        .sort((a, b) => ORDER[a.state] - ORDER[b.state] || (b.firedAt ?? b.activeAt) - (a.firedAt ?? a.activeAt))
        .map(view);
    },
  );
};

export default alerts;
