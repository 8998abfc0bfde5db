import { Type, type Static } from '@sinclair/typebox';
import { TARGET_STATUSES } from '../../status/status.js';

const IsoTime = Type.String({ format: 'date-time' });

export const StatusView = Type.Object(
  {
    status: Type.Union(
      TARGET_STATUSES.map((s) => Type.Literal(s)),
      { description: 'scheduled → delayed → on-air ⇄ degraded / off-air → ended (README "Target status")' },
    ),
    scheduledStart: Type.Optional(IsoTime),
    onAirAt: Type.Optional(Type.String({ format: 'date-time', description: 'First moment the broadcast was live and joinable, or a program-start mark' })),
    delayMs: Type.Optional(Type.Integer({ description: 'Running (now − scheduled start) while delayed; final (on air − scheduled start; negative = early) once on air' })),
    endedAt: Type.Optional(IsoTime),
    reason: Type.String({ description: 'Why this status, in one line' }),
  },
  { additionalProperties: false },
);
export type StatusView = Static<typeof StatusView>;
