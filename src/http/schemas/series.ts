import { Type, type Static } from '@sinclair/typebox';
import { Instant } from '../../schemas/common.js';
import { SERIES_METRICS } from '../../types.js';

export const MAX_POINTS_LIMIT = 10_000;
export const DEFAULT_MAX_POINTS = 1_000;
export const DEFAULT_RANGE_MS = 3_600_000;

export const SeriesMetric = Type.Union(
  SERIES_METRICS.map((m) => Type.Literal(m)),
  { errorMessage: `must be one of ${SERIES_METRICS.join(', ')}` },
);

export const SeriesQuery = Type.Object(
  {
    metric: SeriesMetric,
    from: Type.Optional(Instant),
    to: Type.Optional(Instant),
    maxPoints: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: MAX_POINTS_LIMIT,
        default: DEFAULT_MAX_POINTS,
        errorMessage: `must be an integer between 1 and ${MAX_POINTS_LIMIT}`,
        description: 'Upper bound on returned points; longer ranges are downsampled',
      }),
    ),
  },
  { additionalProperties: false, description: '`from` defaults to `to` − 1 h, `to` to now; both inclusive' },
);
export type SeriesQuery = Static<typeof SeriesQuery>;

// `type: [number, null]` rather than a union: the serializer handles it inline, where a union would
// run a validator per element of a 10,000-point array.
const NullableNumber = Type.Unsafe<number | null>({ type: ['number', 'null'] });

export const SeriesResponse = Type.Object({
  metric: Type.String(),
  t: Type.Array(Type.Number(), { description: 'Epoch ms, ascending' }),
  v: Type.Array(NullableNumber, { description: '`v[i]` is the value at `t[i]`; null where there is none' }),
});
