// The report's text outputs, pure: CSV rows and comments, Markdown escaping and content, the
// headline's variants, the JSON view's nulls.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_RULES } from '../../src/detect/rules.js';
import { buildReport } from '../../src/report/build.js';
import { csvComments } from '../../src/report/csv-comments.js';
import { commentText, CSV_HEADER, csvField, csvRow } from '../../src/report/csv.js';
import { mdText, toMarkdown } from '../../src/report/markdown.js';
import { headline } from '../../src/report/summary.js';
import { spanText } from '../../src/report/time-text.js';
import { toReportView } from '../../src/report/view.js';
import type { Observation, Target } from '../../src/types.js';
import { HOSTILE_QUOTE, T } from './scenario.js';

const NOW = Date.parse('2026-01-01T00:00:00.000Z');
const target: Target = { id: 'big-space', name: 'Big | <i>space</i>', source: { kind: 'x-space', spaceId: 'S' }, intervalMs: 5000 };

test('csv: rows as contracts.md §3 spells them, quoted where needed', () => {
  assert.equal(CSV_HEADER, 'at,time,state,listeners,join_ok,join_ms,join_error,source');
  const cases: [Observation, string][] = [
    [{ at: 1763740800000, state: 'live', listeners: 1234, join: { ok: true, ms: 120 }, source: 'poll' }, '1763740800000,2025-11-21T16:00:00.000Z,live,1234,true,120,,poll'],
    [{ at: 1763740805000, state: 'unknown', join: { ok: false, ms: 5000, error: 'http_5xx' } }, '1763740805000,2025-11-21T16:00:05.000Z,unknown,,false,5000,http_5xx,poll'],
    [{ at: 1763740810000, state: 'live', listeners: 0, source: 'screenshot' }, '1763740810000,2025-11-21T16:00:10.000Z,live,0,,,,screenshot'],
    [{ at: 1, state: 'live', source: 'a "b", c' }, '1,1970-01-01T00:00:00.001Z,live,,,,,"a ""b"", c"'],
    [{ at: 2, state: 'live', source: 'two\nlines' }, '2,1970-01-01T00:00:00.002Z,live,,,,,"two\nlines"'],
  ];
  for (const [obs, line] of cases) assert.equal(csvRow(obs), line);
  assert.equal(csvField('plain'), 'plain');
  assert.equal(commentText('a\nb\r\nc\u2028d'), 'a b c d');
});

test('csv: comment lines stay comments whatever the target is called', () => {
  const r = buildReport({ target: { ...target, name: 'evil\n1,2,live,,,,,x' }, rules: DEFAULT_RULES, events: [], range: { to: NOW }, observations: [], now: NOW });
  const lines = csvComments(r).split('\n').filter(Boolean);
  assert.ok(lines.length >= 5);
  for (const l of lines) assert.match(l, /^# /);
  assert.ok(lines.some((l) => l === `# sha256: ${r.sha256}`));
  assert.ok(lines.some((l) => l.includes("grep -v '^#' big-space-report.csv | sha256sum")));
});

test('markdown: user strings cannot open HTML, links, code, emphasis or table cells', () => {
  const cases: [string, string][] = [
    ['<script>alert(1)</script>', '&lt;script&gt;alert(1)&lt;/script&gt;'],
    ['a | b', 'a \\| b'],
    ['[x](http://evil)', '\\[x\\](http://evil)'],
    ['![img](http://evil/p.png)', '!\\[img\\](http://evil/p.png)'],
    ['`code`', '\\`code\\`'],
    ['*bold* _it_ ~~s~~', '\\*bold\\* \\_it\\_ \\~\\~s\\~\\~'],
    ['line\nbreak\r\n# heading', 'line break # heading'],
    ['&lt;', '&amp;lt;'],
    ['back\\slash', 'back\\\\slash'],
    ['http_5xx and join_failures', 'http_5xx and join_failures'],
    ['<http://autolink>', '&lt;http://autolink&gt;'],
  ];
  for (const [input, out] of cases) assert.equal(mdText(input), out, input);
});

test('markdown: a hostile quote, claimant and name stay text in the claims table', () => {
  const obs: Observation[] = [{ at: T, state: 'live', listeners: 100, join: { ok: true, ms: 1 } }];
  const claim = { claim: { at: T, metric: 'listeners' as const, value: 5000, claimant: 'Evil | <b>', quote: HOSTILE_QUOTE }, verdict: { label: 'overstated' as const, reason: 'claimed 5,000; 100 measured', measured: 100, ratio: 50 } };
  const r = buildReport({ target, rules: DEFAULT_RULES, events: [], range: { to: NOW }, observations: obs, claims: [claim], now: NOW });
  const md = toMarkdown(r);
  assert.doesNotMatch(md, /<script|<b>|<i>/i);
  assert.doesNotMatch(md, /(?<!\\)\]\(/, 'no link or image');
  assert.match(md, /^# Post-incident report: Big \\\| &lt;i&gt;space&lt;\/i&gt;$/m);
  const row = md.split('\n').find((l) => l.startsWith('| 2025-11-21 20:00:00 | Evil'))!;
  assert.ok(row, 'the claim row');
  // Nine columns: ten unescaped pipes, however many pipes the strings held.
  assert.equal(row.match(/(?<!\\)\|/g)!.length, 10, row);
  assert.match(row, /&lt;script&gt;window\.\\_\\_xss=1&lt;\/script&gt; \\\| \\\[click\\\]\(http:\/\/evil\.example\) \\`rm -rf\\` \\\*wow\\\* # not a heading/);
});

test('headline: the variants a broadcast can produce', () => {
  const live = (ms: number, listeners: number, ok = true): Observation => ({ at: ms, state: 'live', listeners, join: ok ? { ok: true, ms: 1 } : { ok: false, ms: 1, error: 'timeout' } });
  const scheduled = { ...target, schedule: { start: new Date(T).toISOString() } };
  const make = (t: Target, obs: Observation[], to = NOW) => headline(buildReport({ target: t, rules: DEFAULT_RULES, events: [], range: { to }, observations: obs, now: NOW }));
  assert.equal(make(target, []), 'Not on air in this range (no schedule known). No listener counts recorded.');
  assert.equal(
    make(target, [live(T, 10), live(T + 60_000, 1_180_000)]),
    'On air 2025-11-21 20:00 UTC (no schedule known). Peak 1,180,000 listeners at 20:01. No join attempt failed (2 attempts). Not ended by the last observation, 20:01 (1 min on air).',
  );
  assert.equal(
    make(scheduled, [live(T - 20_000, 5), live(T + 10_000, 6)]),
    'Scheduled 2025-11-21 20:00 UTC; on air 19:59 (20 s early). Peak 6 listeners at 20:00. No join attempt failed (2 attempts). Not ended by the last observation, 20:00 (30 s on air).',
  );
  assert.equal(
    make(scheduled, [live(T + 60_000, 5, false)], T + 3 * 3_600_000),
    'Scheduled 2025-11-21 20:00 UTC; not on air by 23:00 (3 h after the scheduled start). Peak 5 listeners at 20:01. 100 % of 1 join attempt failed; no stretch reached the join_failures rule\'s 20 %.',
  );
  // A broadcast crossing midnight names the new date.
  const night = { ...target, schedule: { start: '2025-11-21T23:50:00.000Z' } };
  assert.match(make(night, [live(Date.parse('2025-11-22T00:10:00.000Z'), 5)]), /^Scheduled 2025-11-21 23:50 UTC; on air 2025-11-22 00:10 \(20 min late\)\./);
});

test('span text: exact to the second below an hour, minutes below a day, as the page writes it', () => {
  const cases: [number, string][] = [
    [45_000, '45 s'],
    [90_000, '1 min 30 s'],
    [610_000, '10 min 10 s'],
    [2_990_000, '49 min 50 s'],
    [3_600_000, '1 h'],
    [3_900_000, '1 h 5 min'],
    [3_930_000, '1 h 6 min'],
    [26 * 3_600_000, '1 d 2 h'],
    [-120_000, '2 min'],
    [250, '250 ms'],
  ];
  for (const [ms, text] of cases) assert.equal(spanText(ms), text, String(ms));
});

test('lateness: one text in the headline, the timeline and the Markdown, exact to the second', () => {
  const scheduled = { ...target, schedule: { start: new Date(T).toISOString() } };
  const cases: [number, string][] = [
    [610_000, '10 min 10 s late'],
    [90_000, '1 min 30 s late'],
    [-20_000, '20 s early'],
    [400, 'on time'],
  ];
  for (const [delay, text] of cases) {
    const r = buildReport({ target: scheduled, rules: DEFAULT_RULES, events: [], range: { to: NOW }, observations: [{ at: T + delay, state: 'live', listeners: 5, join: { ok: true, ms: 1 } }], now: NOW });
    assert.equal(r.delayMs, delay);
    assert.ok(headline(r).includes(`(${text}).`), headline(r));
    assert.equal(r.timeline.find((m) => m.kind === 'on-air')?.text, `on air: live and joinable, ${text}`);
    assert.ok(toMarkdown(r).includes(`| delay | ${text} |`), text);
  }
});

test('json view: unknown figures are null, never missing', () => {
  const v = toReportView(buildReport({ target, rules: DEFAULT_RULES, events: [], range: { to: NOW }, observations: [], now: NOW }));
  for (const key of ['liveAt', 'onAirAt', 'onAirBy', 'delayMs', 'endedAt', 'endedBy', 'durationMs'] as const) assert.equal(v[key], null, key);
  assert.deepEqual(v.schedule, { start: null });
  assert.deepEqual(v.listeners, { peak: null, peakAt: null, mean: null, meanFrom: null, meanTo: null, listenerMinutes: null });
  assert.deepEqual(v.range, { from: null, to: new Date(NOW).toISOString() });
  assert.equal(v.methodology.observations, 0);
  assert.match(v.sha256, /^[0-9a-f]{64}$/);
  assert.equal(v.csv, `/api/v1/targets/big-space/report?format=csv&to=${encodeURIComponent(new Date(NOW).toISOString())}`);
});
