import { Type, type Static } from '@sinclair/typebox';

const STATES = ['pending', 'firing', 'resolved'] as const;

export const AlertsQuery = Type.Object(
  {
    state: Type.Optional(Type.Union(STATES.map((s) => Type.Literal(s)), { errorMessage: `must be one of ${STATES.join(', ')}` })),
    target: Type.Optional(Type.String({ maxLength: 64 })),
  },
  { additionalProperties: false },
);
export type AlertsQuery = Static<typeof AlertsQuery>;

const Scalar = Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()]);

export const AlertView = Type.Object({
  target: Type.String(),
  rule: Type.String(),
  state: Type.Union(STATES.map((s) => Type.Literal(s))),
  activeAt: Type.String({ format: 'date-time', description: 'When the condition became active (pending since)' }),
  firedAt: Type.Optional(Type.String({ format: 'date-time' })),
  resolvedAt: Type.Optional(Type.String({ format: 'date-time' })),
  value: Type.Union([Type.Number(), Type.Null()], { description: 'The measured value of the latest evaluation' }),
  threshold: Type.Number(),
  summary: Type.String(),
  details: Type.Optional(Type.Record(Type.String(), Scalar)),
});

export const AlertList = Type.Array(AlertView);
