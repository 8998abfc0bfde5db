import { Type, type Static } from '@sinclair/typebox';
import { Instant } from '../../schemas/common.js';
import { MARK_KINDS, MARK_TEXT_MAX } from '../../status/marks.js';

export const MarkKind = Type.Union(
  MARK_KINDS.map((k) => Type.Literal(k)),
  { errorMessage: `must be one of ${MARK_KINDS.join(', ')}` },
);

export const MarkInput = Type.Object(
  {
    // Defaults to the server's clock: "program start, now" is the common case.
    at: Type.Optional(Instant),
    kind: MarkKind,
    text: Type.Optional(Type.String({ maxLength: MARK_TEXT_MAX, errorMessage: `must be a string of at most ${MARK_TEXT_MAX} characters` })),
  },
  { additionalProperties: false },
);
export type MarkInput = Static<typeof MarkInput>;

export const MarkView = Type.Object({
  id: Type.String({ description: 'Event ID in the target\'s event stream' }),
  at: Type.String({ format: 'date-time' }),
  kind: MarkKind,
  text: Type.Optional(Type.String()),
});
