import { Type, type Static } from '@sinclair/typebox';
import { Instant } from '../../schemas/common.js';

export const TIMELINE_MAX_ENTRIES = 10_000;

export const TimelineQuery = Type.Object(
  { from: Type.Optional(Instant), to: Type.Optional(Instant) },
  { additionalProperties: false, description: 'Both inclusive; default: everything kept (retention)' },
);
export type TimelineQuery = Static<typeof TimelineQuery>;

const IsoTime = Type.String({ format: 'date-time' });

export const TimelineEntry = Type.Object({
  id: Type.String({ description: 'Event ID in the target\'s event stream' }),
  at: IsoTime,
  type: Type.String({
    description:
      'alert-pending, alert-firing, alert-resolved, mark, claim, state-change, source-schedule, source-started, source-ended, ' +
      'source-reconnect, stream-restart, silence-start, silence-end, …',
  }),
  data: Type.Object({}, { additionalProperties: true }),
  until: Type.Optional(Type.String({ format: 'date-time', description: 'On an entry that opens a span: when the span closed' })),
  durationMs: Type.Optional(Type.Integer({ description: 'On an entry that opens a span: its length (so far, when ongoing)' })),
  ongoing: Type.Optional(Type.Boolean({ description: 'The span has not closed yet' })),
});
export type TimelineEntry = Static<typeof TimelineEntry>;

export const TimelineResponse = Type.Object({
  events: Type.Array(TimelineEntry, { description: 'Oldest first; equal instants in the order they were written' }),
  truncated: Type.Boolean({ description: `true when the range held more than ${TIMELINE_MAX_ENTRIES} events (the oldest are returned)` }),
});
