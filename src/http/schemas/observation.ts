import { Type, type Static } from '@sinclair/typebox';
import { Instant } from '../../schemas/common.js';
import { JOIN_ERROR_CODES, STREAM_STATES } from '../../types.js';

const StreamState = Type.Union(
  STREAM_STATES.map((s) => Type.Literal(s)),
  { errorMessage: `must be one of ${STREAM_STATES.join(', ')}` },
);

const JoinErrorCode = Type.Union(
  JOIN_ERROR_CODES.map((c) => Type.Literal(c)),
  { errorMessage: `must be one of ${JOIN_ERROR_CODES.join(', ')}` },
);

const Join = Type.Object(
  {
    ok: Type.Boolean(),
    ms: Type.Number({ minimum: 0, maximum: 3_600_000, errorMessage: 'must be a number of milliseconds between 0 and 3600000' }),
    error: Type.Optional(JoinErrorCode),
  },
  { additionalProperties: false },
);

// A few scalars only: extra is stored with every observation, so it must stay small.
const Extra = Type.Record(
  Type.String({ maxLength: 64 }),
  Type.Union([Type.String({ maxLength: 256 }), Type.Number(), Type.Boolean(), Type.Null()], {
    errorMessage: 'must be a string of at most 256 characters, a number, a boolean or null',
  }),
  { maxProperties: 16, errorMessage: 'must be an object of at most 16 scalar values' },
);

/** One imported observation: JSON array element or NDJSON line. Validated by the same schema in both. */
export const ImportRow = Type.Object(
  {
    at: Instant,
    state: Type.Optional(StreamState),
    // Ten billion: above any real audience, low enough that every store keeps it exactly.
    listeners: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000_000_000, errorMessage: 'must be an integer between 0 and 10000000000' })),
    join: Type.Optional(Join),
    extra: Type.Optional(Extra),
    // The label goes verbatim into the report's CSV, whose hash and import round trip forbid
    // escaping it there: a spreadsheet would run "=HYPERLINK(…)" as a formula (CSV injection), so a
    // label may not start with what opens one (OWASP's list: = + - @, tab, carriage return).
    source: Type.String({
      minLength: 1,
      maxLength: 64,
      pattern: '^[^=+@\t\r-]',
      errorMessage: 'must be a label of 1–64 characters saying where the row comes from, not starting with =, +, -, @, a tab or a carriage return',
      description: 'Provenance, e.g. "screenshot-2024-05-01" or "partner-export"; 1–64 characters, not starting with = + - @, a tab or a carriage return (spreadsheets read those as formulas)',
    }),
  },
  { additionalProperties: false },
);
export type ImportRow = Static<typeof ImportRow>;

export const ImportBody = Type.Array(ImportRow, {
  description: 'A JSON array of rows, or (as application/x-ndjson) one row per line',
});

export const ImportResult = Type.Object({
  written: Type.Integer(),
  duplicates: Type.Integer({ description: 'Rows dropped because the target already has an observation at that millisecond' }),
});

export const ObservationView = Type.Object({
  at: Type.String({ format: 'date-time' }),
  state: Type.String(),
  listeners: Type.Optional(Type.Integer()),
  join: Type.Optional(Type.Object({ ok: Type.Boolean(), ms: Type.Number(), error: Type.Optional(Type.String()) })),
  extra: Type.Optional(Type.Object({}, { additionalProperties: true })),
  source: Type.Optional(Type.String()),
});

export const LatestResponse = Type.Object({
  observation: Type.Union([ObservationView, Type.Null()], { description: 'null until the first observation' }),
  // Optional so the answer before the first observation stays `{ "observation": null }`.
  lastOk: Type.Optional(
    Type.Union([ObservationView, Type.Null()], {
      description:
        'The newest observation whose join succeeded (for an imported row without a join attempt: that carries a state or a count): ' +
        'the last known state and listener count while probes fail. Equals `observation` when the newest probe succeeded; ' +
        'null when none ever did. Absent before the first observation.',
    }),
  ),
  failingSince: Type.Optional(
    Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
      description:
        'When the current run of failed probes began: the oldest observation after `lastOk` (or the oldest of all when none succeeded). ' +
        'null unless the newest observation is a failed join. Absent before the first observation.',
    }),
  ),
});
