import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { SpacewatchError } from '../../errors.js';
import { MINUTE_MS, minuteOf } from '../../storage/rollup.js';
import { querySeries } from '../../storage/series.js';
import type { Store } from '../../storage/store.js';
import { toIso } from '../../schemas/common.js';
import type { Observation } from '../../types.js';
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
        summary: 'The newest observation of a target, and the last one that succeeded',
        description:
          'A failed probe records `state: unknown` (it could not tell), so a page showing "now" wants the last known state ' +
          'and listener count too (`lastOk`), and since when probes have been failing (`failingSince`).',
        params: TargetParams,
        response: withErrors({ 200: LatestResponse }),
      },
    },
    async (request) => {
      const target = await loadTarget(app, request.params.id);
      const obs = await app.store.latest(target.id);
      if (!obs) return { observation: null };
      const lastOk = await findLastOk(app.store, target.id, obs);
      // An imported row with nothing in it is not a failed probe: only a failed join starts the clock.
      const failing = obs.join?.ok === false;
      const failingSince = failing ? await firstAfter(app.store, target.id, lastOk?.at ?? -1, obs.at) : undefined;
      return {
        observation: view(obs),
        lastOk: lastOk ? view(lastOk) : null,
        failingSince: failingSince === undefined ? null : toIso(failingSince),
      };
    },
  );
};

const view = (obs: Observation) => ({ ...obs, at: toIso(obs.at) });

/** A probe that told something: its join succeeded, or (an imported row without a join attempt) it carries a state or a count. */
function isOk(obs: Observation): boolean {
  return obs.join ? obs.join.ok : obs.state !== 'unknown' || obs.listeners !== undefined;
}

function newestOk(rows: readonly Observation[]): Observation | undefined {
  for (let i = rows.length - 1; i >= 0; i--) if (isOk(rows[i] as Observation)) return rows[i];
  return undefined;
}

// How far back each step of the search for the last good minute reads rollups, newest first: an
// outage of days costs three rollup reads, never a scan of every raw row since it began. A target
// that never succeeded reads all its rollups (bounded by retention) on each call; a per-target
// "last ok" kept by the store on write would make that constant, if it ever matters.
const LOOKBACK_MS = [3_600_000, 86_400_000, Infinity];

/** The newest observation that succeeded, at or before `newest`. */
async function findLastOk(store: Store, targetId: string, newest: Observation): Promise<Observation | undefined> {
  if (isOk(newest)) return newest;
  // The open minute has no rollup yet (and the one before may not): read those raw. A short run of
  // failures, the common case, ends here.
  const rawFrom = minuteOf(newest.at) - MINUTE_MS;
  const recent = newestOk(await store.range(targetId, rawFrom, newest.at));
  if (recent) return recent;
  let to = rawFrom - 1;
  for (const span of LOOKBACK_MS) {
    if (to < 0) break;
    const from = Math.max(0, to - span);
    const rollups = await store.rollups(targetId, from, to);
    for (let i = rollups.length - 1; i >= 0; i--) {
      const r = rollups[i]!;
      // A successful join, or a row without a join (which may carry a state or a count): read that minute's rows.
      if (r.joins > r.failed || r.count > r.joins) {
        const found = newestOk(await store.range(targetId, r.at, r.at + MINUTE_MS - 1));
        if (found) return found;
      }
    }
    to = from - 1;
  }
  return undefined;
}

/** `at` of the oldest observation in (after, upTo]. */
async function firstAfter(store: Store, targetId: string, after: number, upTo: number): Promise<number | undefined> {
  return (await store.range(targetId, after + 1, upTo, { limit: 1 }))[0]?.at;
}

export default series;
