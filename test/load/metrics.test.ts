import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Histogram, Registry } from 'prom-client';
import { histogramBuckets, observed } from '../../load-tests/lib/metrics.js';

// The load tests read spacewatch's histograms back from its registry; a reader that kept one row per
// series instead of summing by `le` would hand the quantile maths duplicate bucket edges.

describe('histogramBuckets', () => {
  const registry = new Registry();
  const h = new Histogram({ name: 'test_seconds', help: 'test', labelNames: ['source', 'code'], buckets: [0.1, 1], registers: [registry] });
  h.observe({ source: 'json', code: 'ok' }, 0.05);
  h.observe({ source: 'json', code: 'timeout' }, 0.5);
  h.observe({ source: 'hls', code: 'ok' }, 0.05);
  h.observe({ source: 'hls', code: 'ok' }, 5);

  test('sums every series by le, in ascending order with +Inf last', async () => {
    const buckets = await histogramBuckets(registry, 'test_seconds');
    assert.deepEqual(buckets, [
      { le: 0.1, count: 2 },
      { le: 1, count: 3 },
      { le: Number.POSITIVE_INFINITY, count: 4 },
    ]);
    assert.equal(observed(buckets), 4);
  });

  test('keeps only the series whose labels match, still one row per le', async () => {
    assert.deepEqual(await histogramBuckets(registry, 'test_seconds', { source: 'json' }), [
      { le: 0.1, count: 1 },
      { le: 1, count: 2 },
      { le: Number.POSITIVE_INFINITY, count: 2 },
    ]);
    assert.deepEqual(await histogramBuckets(registry, 'test_seconds', { source: 'hls', code: 'timeout' }), []);
  });

  test('a histogram that is not registered has no buckets', async () => {
    assert.deepEqual(await histogramBuckets(registry, 'missing_seconds'), []);
    assert.equal(observed([]), 0);
  });
});
