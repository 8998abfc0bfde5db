import { Type, type Static } from '@sinclair/typebox';
import { Instant } from '../../schemas/common.js';
import { StatusView } from './status.js';

const IsoTime = Type.String({ format: 'date-time' });
const IsoOrNull = Type.Union([IsoTime, Type.Null()]);
const Count = Type.Integer({ minimum: 0 });

export const LiveQuery = Type.Object(
  {
    since: Type.Optional(
      Type.Union([...Instant.anyOf], {
        errorMessage: 'must be an ISO-8601 date-time or epoch milliseconds',
        description: 'Replay what is newer than this instant first (bounded), then go live',
      }),
    ),
  },
  { additionalProperties: false },
);
export type LiveQuery = Static<typeof LiveQuery>;

export const LiveHeaders = Type.Object({
  'last-event-id': Type.Optional(
    Type.String({
      description: 'Sent by a reconnecting EventSource: the last `id:` received (epoch ms), replayed from like `since`. Anything else is ignored.',
    }),
  ),
});

export const TargetSummary = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    kind: Type.String({ description: 'The source kind (x-space, icecast, hls, …)' }),
    intervalMs: Type.Integer(),
    status: StatusView,
    listeners: Type.Object(
      {
        now: Type.Union([Type.Number({ minimum: 0 }), Type.Null()], { description: 'The newest count recorded (an observation may carry none, e.g. a failed probe: then this is the last known one)' }),
        nowAt: Type.Union([IsoTime, Type.Null()], { description: 'When `now` was recorded' }),
        peak: Type.Union([Type.Number({ minimum: 0 }), Type.Null()], { description: 'Highest count over the current broadcast (since `status.onAirAt`), else over the last 24 hours' }),
        peakAt: IsoOrNull,
      },
      { additionalProperties: false },
    ),
    joins: Type.Object(
      {
        windowMs: Type.Integer({ description: 'The window counted, ending now' }),
        attempts: Count,
        failed: Count,
        successRate: Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()], { description: '(attempts − failed) / attempts; null without attempts' }),
      },
      { additionalProperties: false },
    ),
    alerts: Type.Array(
      Type.Object(
        {
          rule: Type.String(),
          state: Type.Union([Type.Literal('pending'), Type.Literal('firing')]),
          activeAt: IsoTime,
          firedAt: Type.Optional(IsoTime),
          summary: Type.String({ description: 'The condition in one line' }),
        },
        { additionalProperties: false },
      ),
      { description: 'Open alerts (pending or firing), firing first' },
    ),
    lastAt: Type.Union([IsoTime, Type.Null()], { description: 'The newest observation' }),
  },
  { additionalProperties: false, description: 'One target at a glance (the overview page\'s row)' },
);
export type TargetSummary = Static<typeof TargetSummary>;

export const OverviewResponse = Type.Object(
  {
    at: IsoTime,
    targets: Type.Array(TargetSummary, { description: 'In the order of GET /targets (by id)' }),
  },
  { additionalProperties: false },
);

/** A 200 that is an event stream: documented as such, never serialised (the route writes it itself). */
export const EventStream = (description: string) => ({
  description,
  content: { 'text/event-stream': { schema: Type.String({ description: 'Server-Sent Events (text/event-stream)' }) } },
});
