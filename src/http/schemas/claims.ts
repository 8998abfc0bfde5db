import { Type, type Static } from '@sinclair/typebox';
import { CLAIM_METRICS, CLAIM_STATES } from '../../claims/claim.js';
import { VERDICT_LABELS } from '../../claims/verdict.js';
import { HttpUrl, Instant } from '../../schemas/common.js';
import { STREAM_STATES } from '../../types.js';

export const CLAIMANT_MAX = 200;
export const QUOTE_MAX = 2000;
/** Above any audience anyone has claimed with a straight face; keeps every store exact. */
export const CLAIM_VALUE_MAX = 1_000_000_000_000_000;

const literals = <T extends string>(values: readonly T[], extra: object = {}) =>
  Type.Union(
    values.map((v) => Type.Literal(v)),
    { errorMessage: `must be one of ${values.join(', ')}`, ...extra },
  );

const ClaimMetric = literals(CLAIM_METRICS, {
  description: '`listeners`: concurrent, live; `views`: cumulative impressions (never compared); `capacity`: concurrent capacity; `state`: e.g. ended',
});
const ClaimState = literals(CLAIM_STATES);

// Text is stored as given and escaped where it is rendered (the pages set textContent); only lengths
// are bounded here.
export const ClaimInput = Type.Object(
  {
    // The instant the claim is about; it may be in the future ("a replay will reach …").
    at: Instant,
    metric: ClaimMetric,
    value: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: CLAIM_VALUE_MAX,
        errorMessage: `must be an integer between 0 and ${CLAIM_VALUE_MAX}`,
        description: 'The claimed figure; required unless metric is state',
      }),
    ),
    // Required when metric is state, and only then (claimShapeProblem in src/claims/claim.ts: the message names the field).
    stateValue: Type.Optional(ClaimState),
    claimant: Type.String({ minLength: 1, maxLength: CLAIMANT_MAX, errorMessage: `must be a string of 1–${CLAIMANT_MAX} characters`, description: 'Who made the claim' }),
    quote: Type.Optional(Type.String({ maxLength: QUOTE_MAX, errorMessage: `must be a string of at most ${QUOTE_MAX} characters` })),
    sourceUrl: Type.Optional(HttpUrl('Where the claim was made')),
  },
  { additionalProperties: false },
);
export type ClaimInput = Static<typeof ClaimInput>;

const IsoTime = Type.String({ format: 'date-time' });

export const VerdictView = Type.Object({
  label: literals(VERDICT_LABELS),
  reason: Type.String(),
  measured: Type.Optional(Type.Number({ description: 'The measured count set against the claim (listeners: nearest within tolerance; capacity: the ceiling or the peak)' })),
  measuredAt: Type.Optional(IsoTime),
  measuredState: Type.Optional(literals(STREAM_STATES, { description: 'state claims: the state reported nearest the instant' })),
  peakSoFar: Type.Optional(Type.Number({ description: 'Highest count in the 24 h up to the claim (capacity: within 24 h either side, up to now)' })),
  ratio: Type.Optional(Type.Number({ description: 'claimed ÷ measured; never for views' })),
});

export const ClaimView = Type.Object({
  id: Type.String({ description: 'Event ID in the target\'s event stream' }),
  at: IsoTime,
  metric: ClaimMetric,
  value: Type.Optional(Type.Integer()),
  stateValue: Type.Optional(ClaimState),
  claimant: Type.String(),
  quote: Type.Optional(Type.String()),
  sourceUrl: Type.Optional(Type.String()),
  verdict: VerdictView,
});

export const ClaimList = Type.Object({
  toleranceMs: Type.Integer({ description: 'How far from a claim\'s instant a measurement may be: max(2 × intervalMs, 60 s)' }),
  claims: Type.Array(ClaimView, { description: 'Oldest instant first; verdicts computed at read time' }),
});
