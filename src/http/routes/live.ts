import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { LiveClients } from '../../live/clients.js';
import { DEFAULT_HUB_OPTIONS, LiveHub } from '../../live/hub.js';
import { createLiveMetrics } from '../../live/metrics.js';
import { DEFAULT_OVERVIEW_FEED_OPTIONS, OverviewFeed } from '../../live/overview-feed.js';
import { SSE_HEADERS } from '../../live/sse.js';
import { END_OF_TIME } from '../../schemas/common.js';
import { instantMs } from '../instant.js';
import { withErrors } from '../schemas/error.js';
import { EventStream, LiveHeaders, LiveQuery, OverviewResponse } from '../schemas/live.js';
import { TargetParams } from '../schemas/target.js';
import { loadTarget } from './targets.js';

/** Limits of the live streams; every field has a default (buildApp's `live` option). */
export interface LiveOptions {
  /** Open streams (target and overview together) before new ones get 503 SW_LIVE_FULL. */
  maxClients?: number;
  /** Bytes a client may leave unread before it is disconnected. */
  maxBacklogBytes?: number;
  keepAliveMs?: number;
  /** The `retry:` the client is told: how long EventSource waits before reconnecting. */
  retryMs?: number;
  /** How often a watched target is read from the store. */
  pollMs?: number;
  /** How often the overview is checked for changes. */
  overviewTickMs?: number;
}

export const LIVE_DEFAULTS = {
  maxClients: 1000,
  maxBacklogBytes: 512 * 1024,
  keepAliveMs: 15_000,
  retryMs: 2000,
  pollMs: DEFAULT_HUB_OPTIONS.pollMs,
  overviewTickMs: DEFAULT_OVERVIEW_FEED_OPTIONS.tickMs,
} as const satisfies Required<LiveOptions>;

const FRAMES_DOC =
  'On connect: `retry: 2000`; a comment line `: keep-alive` every 15 s. ' +
  'At most ' + LIVE_DEFAULTS.maxClients + ' streams are open at once (503 `SW_LIVE_FULL` beyond); a client that leaves more than ' +
  `${LIVE_DEFAULTS.maxBacklogBytes / 1024} KiB unread is disconnected (reconnect with \`since\`). ` +
  'HEAD answers with the stream\'s headers and no body.';

/**
 * Last-Event-ID as `since`: EventSource sends back the last `id:` it got when it reconnects. A value
 * that is not an ID of ours (another server's, or garbage) is ignored rather than refused: a 400 on
 * a reconnect would make EventSource give up for good.
 */
function lastEventIdMs(header: string | undefined): number | undefined {
  if (header === undefined || !/^\d{1,16}$/.test(header.trim())) return undefined;
  const ms = Number(header.trim());
  return ms <= END_OF_TIME ? ms : undefined;
}

const live: FastifyPluginAsyncTypebox<LiveOptions> = async (app, opts) => {
  const o = { ...LIVE_DEFAULTS, ...opts };
  const metrics = createLiveMetrics(app.registry);
  const clients = new LiveClients({ ...o, metrics });
  const hub = new LiveHub({ ...DEFAULT_HUB_OPTIONS, store: app.store, log: app.log, pollMs: o.pollMs, readers: metrics.readers });
  const feed = new OverviewFeed({ ...DEFAULT_OVERVIEW_FEED_OPTIONS, store: app.store, log: app.log, tickMs: o.overviewTickMs });

  // preClose, not onClose: the server's own close waits for every connection to end, and these never
  // end by themselves. Timers stop with them.
  app.addHook('preClose', async () => {
    hub.close();
    feed.close();
    clients.close();
  });

  app.get(
    '/targets/:id/live',
    {
      schema: {
        tags: ['live'],
        summary: 'Live stream of a target: new observations and events (Server-Sent Events)',
        description:
          '`event: observation` with the stored observation (`at` in epoch ms, as in series), one frame per new observation, oldest first; ' +
          '`event: event` with a new target event (alert transitions, marks, claims, state changes…), shaped like a /timeline entry without the span fields. ' +
          'Whoever wrote to the store (this server\'s poller, another process through Redis, an import), it arrives within about a second. ' +
          'Without `since`, only what is written after the connection; with it, first what is newer than `since` ' +
          `(at most the newest ${DEFAULT_HUB_OPTIONS.replayMaxObservations} observations of the last hour and ${DEFAULT_HUB_OPTIONS.replayMaxEvents} events; ` +
          'an event counts as newer when it is about a later instant or was written later, so one may repeat: the `id` tells). ' +
          'Frames carry `id: <epoch ms>`, the position in the observations (an observation\'s `at`); on connect an `id:` line alone gives the position joined at. ' +
          'A reconnecting EventSource sends it back as `Last-Event-ID`, which is taken as `since` (and wins over the query\'s): ' +
          'no observation is missed or repeated, within the replay\'s bounds; events may repeat. ' +
          'An observation imported with an `at` older than one already sent is not sent. ' +
          FRAMES_DOC,
        params: TargetParams,
        querystring: LiveQuery,
        headers: LiveHeaders,
        response: withErrors({ 200: EventStream('An event stream of `observation` and `event` frames') }),
      },
    },
    async (request, reply) => {
      const query = request.query.since === undefined ? undefined : instantMs(request.query.since, 'query.since');
      const since = lastEventIdMs(request.headers['last-event-id']) ?? query;
      const target = await loadTarget(app, request.params.id);
      // Fastify's HEAD route runs this handler; a stream never ends, and Node sends no head before
      // the end of a HEAD response, so it would hold a connection (and a slot) forever.
      if (request.method === 'HEAD') return reply.headers(SSE_HEADERS).send();
      const client = clients.open(reply, 'target');
      try {
        await hub.subscribe(target.id, client, since);
      } catch (err) {
        client.end();
        throw err;
      }
      return reply;
    },
  );

  app.get(
    '/overview',
    {
      schema: {
        tags: ['live'],
        summary: 'Every target at a glance: status, listeners now and at the peak, join success, open alerts',
        description:
          'Targets in the order of GET /targets. `listeners.peak` is over the current broadcast (since `status.onAirAt`), else the last 24 hours; ' +
          '`joins` counts the last `windowMs` (5 minutes). The same JSON as the `overview` frames of GET /live, from the same computation: ' +
          'while a stream is open, its latest (at most a second old); otherwise requests within a second share one computation.',
        response: withErrors({ 200: OverviewResponse }),
      },
    },
    () => feed.current(),
  );

  app.get(
    '/live',
    {
      schema: {
        tags: ['live'],
        summary: 'Live overview (Server-Sent Events)',
        description:
          '`event: overview` with the JSON of GET /overview at connect, then whenever it changed (checked about every second; ' +
          'computed once for all listeners). ' +
          FRAMES_DOC,
        response: withErrors({ 200: EventStream('An event stream of `overview` frames') }),
      },
    },
    async (request, reply) => {
      if (request.method === 'HEAD') return reply.headers(SSE_HEADERS).send();
      const client = clients.open(reply, 'overview');
      try {
        await feed.subscribe(client);
      } catch (err) {
        client.end();
        throw err;
      }
      return reply;
    },
  );
};

export default live;
