import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { MOMENT_KINDS } from '../../report/types.js';
import { Instant } from '../../schemas/common.js';
import { ClaimView } from './claims.js';

export const REPORT_FORMATS = ['json', 'md', 'csv'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export const ReportQuery = Type.Object(
  {
    format: Type.Optional(
      Type.Union(
        REPORT_FORMATS.map((f) => Type.Literal(f)),
        { errorMessage: `must be one of ${REPORT_FORMATS.join(', ')}`, description: '`json` (default), `md` (Markdown incident summary) or `csv` (the raw observations)' },
      ),
    ),
    from: Type.Optional(Instant),
    to: Type.Optional(Instant),
  },
  { additionalProperties: false, description: '`from` defaults to the oldest observation kept, `to` to now (and is never later than now); both inclusive' },
);
export type ReportQuery = Static<typeof ReportQuery>;

const IsoTime = Type.String({ format: 'date-time' });
const Nullable = <T extends TSchema>(schema: T, description: string) => Type.Union([schema, Type.Null()], { description });
const NullableTime = (description: string) => Nullable(IsoTime, description);
const Ms = (description: string) => Nullable(Type.Integer(), description);

export const ReportResponse = Type.Object(
  {
    target: Type.Object({ id: Type.String(), name: Type.String(), kind: Type.String(), intervalMs: Type.Integer() }),
    range: Type.Object({ from: NullableTime('null: from the oldest observation kept'), to: IsoTime }),
    generatedAt: IsoTime,
    summary: Type.String({ description: 'The headline paragraph: schedule and delay, peak, join-failure episodes, end, alerts, claims' }),
    schedule: Type.Object({ start: NullableTime("The platform's latest reported schedule, else the target's own") }),
    liveAt: NullableTime(
      "The first observation reporting live, a state change to live, or the platform's reported start, whichever is earliest; " +
        'null when the source was live already in the minute before `from` and no event says since when',
    ),
    onAirAt: NullableTime(
      "The first moment live and joinable (≥ 50 % of the last minute's joins succeeded), or a program-start mark, or a recorded on-air moment (which may lie before `from`)",
    ),
    onAirBy: Nullable(Type.Union([Type.Literal('data'), Type.Literal('mark')]), 'What put it on air'),
    onAirBeforeRange: Type.Boolean({
      description: 'On air when the range began: onAirAt is before `from`, or (onAirAt null) the minute before `from` was on air and no event records since when',
    }),
    delayMs: Ms(
      'On air − scheduled start (negative: early); never on air: the running delay at the range end, once past the delay grace — ' +
        'null once ended without going on air, and when on air before the range without a recorded moment',
    ),
    endedAt: NullableTime("An operator's program-end mark, or the source's end signal after its last live report"),
    endedBy: Nullable(Type.Union([Type.Literal('mark'), Type.Literal('source')]), 'What ended it'),
    durationMs: Ms('onAirAt → endedAt, or → the last observation while not ended'),
    listeners: Type.Object({
      peak: Nullable(Type.Number(), 'Highest count in the range'),
      peakAt: NullableTime('When the peak was first reached'),
      mean: Nullable(Type.Number(), 'Time-weighted mean over the on-air period (meanFrom–meanTo), rounded'),
      meanFrom: NullableTime('Start of the period the mean covers: onAirAt, or `from` when it went on air before the range'),
      meanTo: NullableTime('End of the period the mean covers (endedAt, or the last observation)'),
      listenerMinutes: Nullable(Type.Number(), 'Area under the counts over the range, in listener-minutes (gaps longer than methodology.maxGapMs not bridged)'),
    }),
    joins: Type.Object({ attempts: Type.Integer(), failed: Type.Integer() }, { description: 'Every join attempt in the range' }),
    joinFailures: Type.Array(
      Type.Object({
        from: IsoTime,
        to: IsoTime,
        durationMs: Type.Integer(),
        failed: Type.Integer(),
        attempts: Type.Integer(),
        share: Type.Number({ description: 'failed ÷ attempts, 0–1' }),
        codes: Type.Record(Type.String(), Type.Integer(), { description: 'Failures by join-error code' }),
      }),
      { description: "Episodes: adjacent buckets (methodology.joinFailures.bucketMs) whose failed share reached the join_failures rule's rate with its minimum attempts" },
    ),
    alerts: Type.Array(
      Type.Object({
        rule: Type.String(),
        firedAt: IsoTime,
        resolvedAt: NullableTime('null: still firing'),
        durationMs: Ms('Fired → resolved; null while firing'),
        summary: Nullable(Type.String(), 'The condition when it fired'),
      }),
      { description: 'Alerts that fired, overlapping the range' },
    ),
    claims: Type.Array(ClaimView, { description: 'Claims about instants in the range, with verdicts computed now' }),
    timeline: Type.Array(
      Type.Object({ at: IsoTime, kind: Type.Union(MOMENT_KINDS.map((k) => Type.Literal(k))), text: Type.String() }),
      { description: 'Key moments in time order' },
    ),
    methodology: Type.Object({
      intervalMs: Type.Integer(),
      observations: Type.Integer({ description: 'Observations in the range: the CSV export\'s rows' }),
      sources: Type.Array(Type.Object({ source: Type.String(), observations: Type.Integer() }), { description: 'Observations by provenance; `poll` = spacewatch\'s own probes' }),
      firstAt: NullableTime('The first observation in the range'),
      lastAt: NullableTime('The last observation in the range'),
      joinFailures: Type.Object({ rate: Type.Number(), minAttempts: Type.Integer(), bucketMs: Type.Integer() }),
      maxGapMs: Type.Integer({ description: 'Counts further apart are not joined' }),
      claimToleranceMs: Type.Integer(),
      notes: Type.Array(Type.String(), { description: 'How each figure was obtained, in sentences' }),
    }),
    csv: Type.String({ description: 'API path of the CSV export of exactly the rows hashed' }),
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$', description: "SHA-256 (hex) of the CSV export's data lines: `grep -v '^#' report.csv | sha256sum`" }),
  },
  { additionalProperties: false },
);
export type ReportResponse = Static<typeof ReportResponse>;
