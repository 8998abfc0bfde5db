import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { SpacewatchError } from '../../errors.js';
import { querySeries } from '../../storage/series.js';
import { toIso } from '../../schemas/common.js';
import { instantMs } from '../instant.js';
import { withErrors } from '../schemas/error.js';
import { LatestResponse } from '../schemas/observation.js';
import { DEFAULT_MAX_POINTS, DEFAULT_RANGE_MS, SeriesQuery, SeriesResponse } from '../schemas/series.js';
import { TargetParams } from '../schemas/target.js';
import { loadTarget } from './targets.js';

const series: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/targets/:id/series',
    {
      schema: {
        tags: ['data'],
        summary: 'One metric over a time range, columnar (uPlot\'s native shape)',
        description: 'Long ranges are downsampled to at most `maxPoints` points (default 1000, at most 10000).',
        params: TargetParams,
        querystring: SeriesQuery,
        response: withErrors({ 200: SeriesResponse }),
      },
    },
    async (request) => {
      const target = await loadTarget(app, request.params.id);
      const q = request.query;
      const to = q.to === undefined ? Date.now() : instantMs(q.to, 'query.to');
      const from = q.from === undefined ? to - DEFAULT_RANGE_MS : instantMs(q.from, 'query.from');
      if (from > to) throw new SpacewatchError('SW_RANGE_INVALID', 'query.from: must not be after query.to');
      return querySeries(app.store, {
        targetId: target.id,
        metric: q.metric,
        from,
        to,
        maxPoints: q.maxPoints ?? DEFAULT_MAX_POINTS,
        intervalMs: target.intervalMs,
      });
    },
  );

  // State is not a series metric, and a list page wants "now" for every target in one cheap call.
  app.get(
    '/targets/:id/latest',
    {
      schema: {
        tags: ['data'],
        summary: 'The newest observation of a target',
        params: TargetParams,
        response: withErrors({ 200: LatestResponse }),
      },
    },
    async (request) => {
      const target = await loadTarget(app, request.params.id);
      const obs = await app.store.latest(target.id);
      return { observation: obs ? { ...obs, at: toIso(obs.at) } : null };
    },
  );
};

export default series;
