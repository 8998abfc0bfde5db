import { Type, type Static } from '@sinclair/typebox';
import { TargetId } from '../../schemas/common.js';
import { StatusView } from './status.js';

// Request bodies reuse TargetInput/TargetPatch from src/schemas/target.ts (one schema for config and
// API). What is defined here is the HTTP-only part: path params and the response shape.

export const TargetParams = Type.Object({ id: TargetId }, { additionalProperties: false });
export type TargetParams = Static<typeof TargetParams>;

const IsoTime = Type.String({ format: 'date-time' });

export const TargetView = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    // An open object rather than the discriminated union: the serializer must not drop a field a
    // newer source kind adds, and OpenAPI shows the request union on POST anyway.
    source: Type.Object({ kind: Type.String() }, { additionalProperties: true }),
    intervalMs: Type.Integer(),
    timeoutMs: Type.Optional(Type.Integer()),
    schedule: Type.Optional(Type.Object({ start: IsoTime, end: Type.Optional(IsoTime) })),
    rules: Type.Optional(Type.Record(Type.String(), Type.Record(Type.String(), Type.Union([Type.Number(), Type.Boolean()])), { description: 'Overrides of the alert rules (see README "Alerts")' })),
    origin: Type.Union([Type.Literal('config'), Type.Literal('api')]),
    createdAt: IsoTime,
    updatedAt: IsoTime,
    // Only on reads (GET /targets, GET /targets/:id): it is computed from the data at that moment.
    status: Type.Optional(StatusView),
  },
  { $id: 'Target' },
);
export type TargetView = Static<typeof TargetView>;

export const TargetList = Type.Array(Type.Ref('Target'));
