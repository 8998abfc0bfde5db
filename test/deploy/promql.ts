// Just enough of PromQL to say which metrics and labels a Grafana panel's query reads, so a test can
// hold them against the metrics spacewatch really registers. Not a parser: a tokenizer that knows
// which identifiers are functions, keywords or label names, which is all a rename needs to be caught.
// https://prometheus.io/docs/prometheus/latest/querying/basics/

/** PromQL's functions (Prometheus 3.x). An identifier followed by `(` that is not here is a typo. */
export const FUNCTIONS = new Set([
  'abs', 'absent', 'absent_over_time', 'acos', 'acosh', 'asin', 'asinh', 'atan', 'atanh', 'avg_over_time', 'ceil',
  'changes', 'clamp', 'clamp_max', 'clamp_min', 'cos', 'cosh', 'count_over_time', 'day_of_month', 'day_of_week',
  'day_of_year', 'days_in_month', 'deg', 'delta', 'deriv', 'exp', 'floor', 'histogram_avg', 'histogram_count',
  'histogram_fraction', 'histogram_quantile', 'histogram_stddev', 'histogram_stdvar', 'histogram_sum',
  'double_exponential_smoothing', 'hour', 'idelta', 'increase', 'irate', 'label_join', 'label_replace',
  'last_over_time', 'ln', 'log10', 'log2', 'mad_over_time', 'max_over_time', 'min_over_time', 'minute', 'month',
  'pi', 'predict_linear', 'present_over_time', 'quantile_over_time', 'rad', 'rate', 'resets', 'round', 'scalar',
  'sgn', 'sin', 'sinh', 'sort', 'sort_by_label', 'sort_by_label_desc', 'sort_desc', 'sqrt', 'stddev_over_time',
  'stdvar_over_time', 'sum_over_time', 'tan', 'tanh', 'time', 'timestamp', 'vector', 'year',
]);

/** Aggregation operators: followed by `(` or by a `by`/`without` clause. */
export const AGGREGATIONS = new Set([
  'sum', 'min', 'max', 'avg', 'group', 'stddev', 'stdvar', 'count', 'count_values', 'bottomk', 'topk', 'quantile',
  'limitk', 'limit_ratio',
]);

/** Keywords whose parenthesised list holds label names, not expressions. */
const LABEL_LISTS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);
const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'atan2', 'inf', 'nan', 'start', 'end']);

export interface Selector {
  metric: string;
  /** Label names its `{…}` matchers use. */
  labels: string[];
}

export interface QueryParts {
  selectors: Selector[];
  /** Label names in by/without/on/ignoring/group_left/group_right lists. */
  groupingLabels: string[];
  functions: string[];
  /** Grafana template variables the query uses ($x, ${x}, [[x]]), `__`-prefixed built-ins excluded. */
  variables: string[];
  /** Identifiers followed by `(` that PromQL does not know. */
  unknownFunctions: string[];
}

const IDENT = /[A-Za-z_:][A-Za-z0-9_:]*/y;

/** Splits a PromQL expression (with Grafana variables in it) into what it reads. Throws on unbalanced brackets. */
export function parseQuery(expr: string): QueryParts {
  const variables = new Set<string>();
  // Grafana substitutes variables before Prometheus sees the query; a placeholder keeps the syntax.
  let text = expr.replace(/\$\{(\w+)(?::\w+)?\}|\$(\w+)|\[\[(\w+)(?::\w+)?\]\]/g, (_m, a?: string, b?: string, c?: string) => {
    const name = (a ?? b ?? c) as string;
    if (!name.startsWith('__')) variables.add(name);
    return '0var';
  });
  // Comments, then string literals (label values, label_replace arguments), which may hold anything.
  text = text.replace(/#[^\n]*/g, ' ').replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""');

  const out: QueryParts = { selectors: [], groupingLabels: [], functions: [], variables: [...variables], unknownFunctions: [] };
  let i = 0;
  const skipSpace = () => {
    while (i < text.length && /\s/.test(text[i] as string)) i++;
  };
  /** Reads `(a, b)` after a grouping keyword into label names. */
  const labelList = (): string[] => {
    skipSpace();
    if (text[i] !== '(') throw new SyntaxError(`expected ( at ${i} in ${expr}`);
    const close = text.indexOf(')', i);
    if (close < 0) throw new SyntaxError(`unclosed ( in ${expr}`);
    const names = text.slice(i + 1, close).split(',').map((s) => s.trim()).filter(Boolean);
    i = close + 1;
    return names;
  };
  /** Reads `{a="x", b=~"y"}` into the label names matched. */
  const matchers = (): string[] => {
    const close = text.indexOf('}', i);
    if (close < 0) throw new SyntaxError(`unclosed { in ${expr}`);
    const names = [...text.slice(i + 1, close).matchAll(/([A-Za-z_][A-Za-z0-9_]*)\s*(?:=~|!~|!=|=)/g)].map((m) => m[1] as string);
    i = close + 1;
    return names;
  };

  let depth = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (/\s/.test(ch) || ',+-*/%^=!<>'.includes(ch)) {
      i++;
    } else if (ch === '(') {
      depth++;
      i++;
    } else if (ch === ')') {
      if (--depth < 0) throw new SyntaxError(`unbalanced ) in ${expr}`);
      i++;
    } else if (ch === '[') {
      // A range or subquery: durations and variables only, nothing to collect.
      const close = text.indexOf(']', i);
      if (close < 0) throw new SyntaxError(`unclosed [ in ${expr}`);
      i = close + 1;
    } else if (ch === '{') {
      // A selector without a metric name ({__name__="…"}): its name is a string, not checked here.
      out.selectors.push({ metric: '', labels: matchers() });
    } else if (ch === '"') {
      i += 2;
    } else if (/[0-9.]/.test(ch)) {
      // Numbers and durations (0.99, 1e3, 5m, 1h30m, the variable placeholder) are one token.
      while (i < text.length && /[0-9A-Za-z_.]/.test(text[i] as string)) i++;
    } else if (ch === '@') {
      i++;
    } else {
      IDENT.lastIndex = i;
      const m = IDENT.exec(text);
      if (!m) throw new SyntaxError(`unexpected ${JSON.stringify(ch)} at ${i} in ${expr}`);
      const word = m[0];
      i += word.length;
      skipSpace();
      const next = text[i];
      if (LABEL_LISTS.has(word)) {
        out.groupingLabels.push(...labelList());
      } else if (AGGREGATIONS.has(word) && (next === '(' || /^(by|without)\b/.test(text.slice(i)))) {
        out.functions.push(word);
      } else if (KEYWORDS.has(word.toLowerCase())) {
        // an operator or modifier (`@ start()` included)
      } else if (next === '(') {
        out.functions.push(word);
        if (!FUNCTIONS.has(word)) out.unknownFunctions.push(word);
      } else {
        out.selectors.push({ metric: word, labels: next === '{' ? matchers() : [] });
      }
    }
  }
  if (depth !== 0) throw new SyntaxError(`unbalanced ( in ${expr}`);
  return out;
}

/** What a registry holds, as Prometheus will see it after a scrape. */
export interface KnownMetric {
  /** prom-client type: counter, gauge, histogram, summary. */
  type: string;
  labels: readonly string[];
}

/**
 * The series names one registered metric exposes: a histogram's `_bucket` (with `le`), `_sum` and
 * `_count`; a summary's quantiles (with `quantile`), `_sum` and `_count`; others under their name.
 */
export function exposedNames(name: string, metric: KnownMetric): Map<string, readonly string[]> {
  const out = new Map<string, readonly string[]>();
  if (metric.type === 'histogram') {
    out.set(`${name}_bucket`, [...metric.labels, 'le']);
    out.set(`${name}_sum`, metric.labels);
    out.set(`${name}_count`, metric.labels);
  } else if (metric.type === 'summary') {
    out.set(name, [...metric.labels, 'quantile']);
    out.set(`${name}_sum`, metric.labels);
    out.set(`${name}_count`, metric.labels);
  } else {
    out.set(name, metric.labels);
  }
  return out;
}

/** Labels Prometheus adds to every scraped series, and the series it writes itself per target. */
const TARGET_LABELS = ['job', 'instance'];
const SYNTHETIC: ReadonlyMap<string, readonly string[]> = new Map([['up', []]]);

/**
 * Problems with one query against the exposed series (name → label names): unknown metrics,
 * unknown functions, label names a metric does not carry, template variables the dashboard lacks.
 * An empty list means the query only reads what exists.
 */
export function checkQuery(expr: string, series: ReadonlyMap<string, readonly string[]>, variables: ReadonlySet<string>): string[] {
  let parts: QueryParts;
  try {
    parts = parseQuery(expr);
  } catch (err) {
    return [(err as Error).message];
  }
  const problems: string[] = [];
  const labelsOf = (metric: string) => series.get(metric) ?? SYNTHETIC.get(metric);
  const used = parts.selectors.filter((s) => s.metric !== '');
  if (used.length === 0) problems.push(`${expr}: reads no metric`);
  for (const s of used) {
    const labels = labelsOf(s.metric);
    if (!labels) {
      problems.push(`${expr}: no metric named ${s.metric}`);
      continue;
    }
    for (const l of s.labels) if (!labels.includes(l) && !TARGET_LABELS.includes(l) && l !== '__name__') problems.push(`${expr}: ${s.metric} has no label ${l}`);
  }
  // A grouping label must be carried by at least one of the series the query reads.
  const carried = new Set([...TARGET_LABELS, ...used.flatMap((s) => labelsOf(s.metric) ?? [])]);
  for (const l of parts.groupingLabels) if (!carried.has(l)) problems.push(`${expr}: groups by ${l}, which none of its metrics carries`);
  for (const f of parts.unknownFunctions) problems.push(`${expr}: ${f}() is not a PromQL function`);
  for (const v of parts.variables) if (!variables.has(v)) problems.push(`${expr}: uses $${v}, which the dashboard does not define`);
  return problems;
}
