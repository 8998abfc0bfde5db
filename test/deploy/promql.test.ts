import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkQuery, exposedNames, parseQuery } from './promql.js';

// The tokenizer the Grafana dashboard test relies on: if it mistook a function or a label for a
// metric, or missed a metric, the dashboard check would pass or fail for the wrong reason.

const metrics = (q: string) => parseQuery(q).selectors.map((s) => s.metric);

describe('parseQuery', () => {
  test('finds metric names and only them', () => {
    const cases: [string, string[]][] = [
      ['up', ['up']],
      ['spacewatch_listeners{target=~"$target"}', ['spacewatch_listeners']],
      ['rate(spacewatch_join_attempts_total[5m])', ['spacewatch_join_attempts_total']],
      ['sum by (target) (rate(a_total{result!="ok"}[$__rate_interval])) / sum by (target) (rate(a_total[$__rate_interval]))', ['a_total', 'a_total']],
      ['histogram_quantile(0.99, sum by (le, source) (rate(x_seconds_bucket[1m])))', ['x_seconds_bucket']],
      ['sum(rate(x_total[5m])) without (instance)', ['x_total']],
      ['a_total / on (target) group_left (rule) b', ['a_total', 'b']],
      ['x > bool 1 and y unless z or w', ['x', 'y', 'z', 'w']],
      ['x offset 1h30m', ['x']],
      ['x @ start()', ['x']],
      ['sum(x) or vector(0)', ['x']],
      ['max_over_time(x[1h:5m])', ['x']],
      ['label_replace(x, "dst", "$1", "src", "(.*)")', ['x']],
      ['x{a="sum(y)", b=~"by (z)"}', ['x']],
      ['count(x) by(target)', ['x']],
      ['topk(5, sum by (route) (x))', ['x']],
      ['x == 1 # a comment naming y', ['x']],
      ['{__name__="x"}', ['']],
      ['sum(x) * 1e3 + 0x1f - .5', ['x']],
    ];
    for (const [q, want] of cases) assert.deepEqual(metrics(q), want, q);
  });

  test('collects matcher labels, grouping labels, functions and variables', () => {
    const p = parseQuery('histogram_quantile(0.99, sum by (le, route) (rate(h_bucket{route!="/metrics", status=~"5.."}[$__rate_interval]))) / ${scale} + [[old]]');
    assert.deepEqual(p.selectors, [{ metric: 'h_bucket', labels: ['route', 'status'] }]);
    assert.deepEqual(p.groupingLabels, ['le', 'route']);
    assert.deepEqual(p.functions, ['histogram_quantile', 'sum', 'rate']);
    assert.deepEqual(p.variables.sort(), ['old', 'scale']);
    assert.deepEqual(p.unknownFunctions, []);
  });

  test('flags identifiers called as functions that PromQL does not have', () => {
    assert.deepEqual(parseQuery('rat(x[5m])').unknownFunctions, ['rat']);
    assert.deepEqual(parseQuery('histogram_quantile(0.9, x)').unknownFunctions, []);
  });

  test('throws on unbalanced brackets', () => {
    assert.throws(() => parseQuery('sum(rate(x[5m])'), /unbalanced/);
    assert.throws(() => parseQuery('x{a="b"'), /unclosed \{/);
    assert.throws(() => parseQuery('rate(x[5m)'), /unclosed \[|unbalanced/);
  });
});

describe('exposedNames', () => {
  test('a histogram is _bucket (with le), _sum and _count; a counter or gauge its own name', () => {
    assert.deepEqual([...exposedNames('h_seconds', { type: 'histogram', labels: ['source'] })], [
      ['h_seconds_bucket', ['source', 'le']],
      ['h_seconds_sum', ['source']],
      ['h_seconds_count', ['source']],
    ]);
    assert.deepEqual([...exposedNames('c_total', { type: 'counter', labels: [] })], [['c_total', []]]);
    assert.deepEqual([...exposedNames('s', { type: 'summary', labels: [] })].map(([n]) => n), ['s', 's_sum', 's_count']);
  });
});

describe('checkQuery', () => {
  const series = new Map<string, readonly string[]>([
    ['spacewatch_listeners', ['target']],
    ['h_bucket', ['route', 'le']],
  ]);
  const vars = new Set(['target']);

  test('passes a query that reads what exists', () => {
    assert.deepEqual(checkQuery('sum by (target) (spacewatch_listeners{target=~"$target", job="spacewatch"})', series, vars), []);
    assert.deepEqual(checkQuery('histogram_quantile(0.99, sum by (le, route) (rate(h_bucket[$__rate_interval])))', series, vars), []);
    assert.deepEqual(checkQuery('min(up)', series, vars), [], 'up is written by Prometheus itself');
  });

  test('fails a query that reads a metric that does not exist', () => {
    const problems = checkQuery('sum(rate(spacewatch_listener_count{target=~"$target"}[5m]))', series, vars);
    assert.equal(problems.length, 1);
    assert.match(problems[0] as string, /no metric named spacewatch_listener_count/);
    assert.match(checkQuery('rate(h[5m])', series, vars)[0] as string, /no metric named h$/, 'a histogram is not readable under its bare name');
  });

  test('fails unknown labels, groupings, functions, variables, and a query that reads nothing', () => {
    assert.match(checkQuery('spacewatch_listeners{rule="x"}', series, vars).join(), /has no label rule/);
    assert.match(checkQuery('sum by (source) (spacewatch_listeners)', series, vars).join(), /groups by source/);
    assert.match(checkQuery('rat(spacewatch_listeners[5m])', series, vars).join(), /rat\(\) is not a PromQL function/);
    assert.match(checkQuery('spacewatch_listeners{target=~"$tgt"}', series, vars).join(), /uses \$tgt/);
    assert.match(checkQuery('vector(1)', series, vars).join(), /reads no metric/);
    assert.match(checkQuery('sum(spacewatch_listeners', series, vars).join(), /unbalanced/);
  });
});
