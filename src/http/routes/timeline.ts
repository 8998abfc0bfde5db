import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { SpacewatchError } from '../../errors.js';
import { END_OF_TIME, toIso } from '../../schemas/common.js';
import { spans } from '../../status/spans.js';
import { instantMs } from '../instant.js';
import { withErrors } from '../schemas/error.js';
import { TargetParams } from '../schemas/target.js';
import { TIMELINE_MAX_ENTRIES, TimelineQuery, TimelineResponse, type TimelineEntry } from '../schemas/timeline.js';
import { loadTarget } from './targets.js';


const timeline: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/targets/:id/timeline',
    {
      schema: {
        tags: ['events'],
        summary: 'Every event of a target in time order, with spans',
        description:
          'Alert transitions (`alert-pending`, `alert-firing`, `alert-resolved`), marks, claims, state changes, source-reported schedule/start/end, ' +
          'silence and restarts. An entry that opens a span carries `until` and `durationMs` once it closed, or `ongoing: true` (and the duration so far): ' +
          'an alert transition until the rule\'s next transition, `silence-start` until `silence-end`, a `program-start` mark until the `program-end` mark. ' +
          'A span closing after `to` still gets its `until`.',
        params: TargetParams,
        querystring: TimelineQuery,
        response: withErrors({ 200: TimelineResponse }),
      },
    },
    async (request) => {
      const target = await loadTarget(app, request.params.id);
      const q = request.query;
      const from = q.from === undefined ? 0 : instantMs(q.from, 'query.from');
      const to = q.to === undefined ? END_OF_TIME : instantMs(q.to, 'query.to');
      if (from > to) throw new SpacewatchError('SW_RANGE_INVALID', 'query.from: must not be after query.to');
      const now = Date.now();
      // Read past `to` so a span opened in the range still learns when it closed.
      const events = await app.store.events(target.id, from, END_OF_TIME);
      const spanOf = spans(events);
      const out: TimelineEntry[] = [];
      let truncated = false;
      for (let i = 0; i < events.length; i++) {
        const e = events[i]!;
        if (e.at > to) break;
        if (out.length === TIMELINE_MAX_ENTRIES) {
          truncated = true;
          break;
        }
        const span = spanOf[i];
        const entry: TimelineEntry = { id: e.id ?? '', at: toIso(e.at), type: e.type, data: e.data ?? {} };
        if (span?.until !== undefined) Object.assign(entry, { until: toIso(span.until), durationMs: span.until - e.at });
        else if (span?.ongoing) Object.assign(entry, { ongoing: true, durationMs: Math.max(0, now - e.at) });
        out.push(entry);
      }
      return { events: out, truncated };
    },
  );
};

export default timeline;
