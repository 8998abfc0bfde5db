import { Type, type Static } from '@sinclair/typebox';
import { sourceConfigSchema } from '../sources/index.js';
import { RulesConfig } from '../detect/rules.js';
import { IntervalMs, ScheduleSchema, TargetId, TimeoutMs } from './common.js';

const SourceConfigSchema = sourceConfigSchema();

/** Body of POST /targets and an entry of `targets:` in the config file. */
export const TargetInput = Type.Object(
  {
    id: TargetId,
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    source: SourceConfigSchema,
    intervalMs: Type.Optional(IntervalMs),
    timeoutMs: Type.Optional(TimeoutMs),
    schedule: Type.Optional(ScheduleSchema),
    rules: Type.Optional(RulesConfig),
  },
  { additionalProperties: false, $id: 'TargetInput' },
);
export type TargetInput = Static<typeof TargetInput>;

/** Body of PATCH /targets/:id: any field but the id. */
export const TargetPatch = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    source: Type.Optional(SourceConfigSchema),
    intervalMs: Type.Optional(IntervalMs),
    timeoutMs: Type.Optional(TimeoutMs),
    schedule: Type.Optional(Type.Union([ScheduleSchema, Type.Null()])),
    rules: Type.Optional(Type.Union([RulesConfig, Type.Null()])),
  },
  { additionalProperties: false, minProperties: 1, errorMessage: undefined },
);
export type TargetPatch = Static<typeof TargetPatch>;

export const DEFAULT_INTERVAL_MS = 5_000;
