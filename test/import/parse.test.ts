// The importer's pure core: CSV records, rows and their problems by line, NDJSON, batching.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Batcher, halve, rejectedRow, toNdjson, without } from '../../src/import/batches.js';
import { CsvReader, MAX_RECORD_CHARS } from '../../src/import/csv.js';
import { createParser, FileError, formatOf, type Parsed } from '../../src/import/parse.js';

/** Feeds `text` in pieces of `size` characters, as a file stream would in chunks. */
function feed<T>(p: { push(s: string): T[]; end(): T[] }, text: string, size = text.length): T[] {
  const out: T[] = [];
  for (let i = 0; i < text.length; i += size) out.push(...p.push(text.slice(i, i + size)));
  out.push(...p.end());
  return out;
}

test('CSV records: quoted fields, doubled quotes, newlines in quotes, CRLF, comments, blank lines, any chunking', () => {
  const text = [
    '# methodology: every 5 s',
    'a,b,c',
    '1,"two, with comma","say ""hi"""',
    '',
    '"multi',
    'line",,"#not a comment"',
    '#a comment, "with a quote',
    'x,y,z',
  ].join('\r\n');
  const expected = [
    { line: 2, fields: ['a', 'b', 'c'] },
    { line: 3, fields: ['1', 'two, with comma', 'say "hi"'] },
    { line: 5, fields: ['multi\r\nline', '', '#not a comment'] },
    { line: 8, fields: ['x', 'y', 'z'] },
  ];
  for (const size of [1, 2, 3, 7, 1000]) assert.deepEqual(feed(new CsvReader(), text, size), expected, `chunks of ${size}`);
  assert.deepEqual(feed(new CsvReader(), 'a,b\n1,2\n'), [{ line: 1, fields: ['a', 'b'] }, { line: 2, fields: ['1', '2'] }]);
});

test('CSV records: broken quoting is a problem of that record only; an unclosed quote is bounded', () => {
  assert.deepEqual(feed(new CsvReader(), 'a,b\n"x"y,1\nq"r,2\n3,4\n"open,5'), [
    { line: 1, fields: ['a', 'b'] },
    { line: 2, problem: 'text after a closing quote (a quote inside a field must be doubled: "")' },
    { line: 3, problem: 'a quote inside an unquoted field (quote the whole field and double the quote)' },
    { line: 4, fields: ['3', '4'] },
    { line: 5, problem: 'a quoted field is never closed' },
  ]);
  const huge = `a\n"${'x'.repeat(MAX_RECORD_CHARS + 10)}\n1\n`;
  const items = feed(new CsvReader(), huge, 65_536);
  assert.deepEqual(items[1], { line: 2, problem: `record longer than ${MAX_RECORD_CHARS} characters (an unclosed quote?)` });
  assert.deepEqual(items[2], { line: 3, fields: ['1'] }, 'reading goes on at the next line');
});

const REPORT_CSV = [
  '# spacewatch report: observations of night-show',
  '# sha256 of the data lines: 0123',
  'at,time,state,listeners,join_ok,join_ms,join_error,source',
  '1763740800000,2025-11-21T16:00:00.000Z,live,1234,true,120,,poll',
  '1763740805000,2025-11-21T16:00:05.000Z,unknown,,false,5000,http_5xx,poll',
  ',2025-11-21T16:00:10.000Z,live,1300,,,,',
  '',
].join('\n');

test('CSV rows: the report\'s CSV reads back as API rows; empty cells are absent; source defaults', () => {
  assert.deepEqual(feed(createParser('csv', 'import:x.csv'), REPORT_CSV, 5), [
    { line: 4, row: { at: 1763740800000, state: 'live', listeners: 1234, join: { ok: true, ms: 120 }, source: 'poll' } },
    { line: 5, row: { at: 1763740805000, state: 'unknown', join: { ok: false, ms: 5000, error: 'http_5xx' }, source: 'poll' } },
    { line: 6, row: { at: '2025-11-21T16:00:10.000Z', state: 'live', listeners: 1300, source: 'import:x.csv' } },
  ]);
});

test('CSV rows: columns by name in any order, unknown columns ignored and named', () => {
  const p = createParser('csv', 'src');
  const out = feed(p, 'Listeners,note,time\n5,"a, b",2025-01-01T00:00:00Z\n');
  assert.deepEqual(out, [{ line: 2, row: { at: '2025-01-01T00:00:00Z', listeners: 5, source: 'src' } }]);
  assert.deepEqual(p.ignoredColumns, ['note']);
});

test('CSV rows: each bad row is reported with its line and the problem, and the rest still parse', () => {
  const text = [
    'at,state,listeners,join_ok,join_ms,join_error,source',
    '1000,live,-5,,,,',
    '1001,live,12.5,,,,',
    '1002,sideways,5,,,,',
    '1003,live,5,maybe,1,,',
    '1004,live,5,true,,,',
    '1005,live,5,false,10,oops,',
    '1006,live,5,,,,' + 'x'.repeat(65),
    'soon,live,5,,,,',
    '0,live,5,,,,',
    '1007,live,5,,,',
    ',live,5,,,,',
    '1008,live,5,,,,',
  ].join('\n');
  const out = feed(createParser('csv', 'src'), text);
  const problems = out.filter((p): p is Extract<Parsed, { problem: string }> => 'problem' in p);
  assert.deepEqual(
    problems.map((p) => `line ${p.line}: ${p.problem}`),
    [
      'line 2: listeners: must be an integer ≥ 0',
      'line 3: listeners: must be an integer ≥ 0',
      'line 4: state: must be one of live, scheduled, ended, offline, unknown',
      'line 5: join_ok: must be true, false or empty',
      'line 6: join_ms: is required when join_ok is given',
      'line 7: join.error: must be one of dns, connect_refused, connect_timeout, tls, timeout, http_4xx, not_found, rate_limited, http_5xx, invalid_payload, body_too_large, no_source, stalled, ended',
      'line 8: source: must be a label of 1–64 characters saying where the row comes from, not starting with =, +, -, @, a tab or a carriage return',
      'line 9: at: must be epoch milliseconds (an integer)',
      // The server's own words (src/http/instant.ts observationMs), as it would refuse the row.
      'line 10: at: must be after 1970-01-01T00:00:00.000Z',
      'line 11: 6 field(s) where the header has 7',
      'line 12: at: is required (or time)',
    ],
  );
  assert.deepEqual(out.at(-1), { line: 13, row: { at: 1008, state: 'live', listeners: 5, source: 'src' } });
  assert.deepEqual(feed(createParser('csv', 'src'), 'at\n9000000000000000\n'), [
    { line: 2, problem: 'at: must be an instant between 1970 and the year 275760, without a leap second' },
  ]);
});

test('CSV files that are not observations CSVs stop the import', () => {
  assert.throws(() => feed(createParser('csv', 's'), '# only comments\n\n'), (e: Error) => e instanceof FileError && /no header line/.test(e.message));
  assert.throws(
    () => feed(createParser('csv', 's'), '# c\nname,value\n1,2\n'),
    (e: Error) => e instanceof FileError && e.message.startsWith('line 2: the header names no "at" or "time" column'),
  );
});

test('NDJSON rows: API import rows per line, blank lines skipped, source defaulted, problems by line', () => {
  const text = [
    '{"at":1000,"state":"live","listeners":10,"join":{"ok":true,"ms":90},"source":"partner"}',
    '',
    '{"at":"2025-01-01T00:00:00Z","listeners":11}',
    '{"at":1001,"listeners":-1}',
    '{"at":1002,"colour":"red"}',
    '[1,2]',
    '{"at":1003,',
    '{"state":"live"}',
    '{"at":1004,"extra":{"bitrate":128}}',
  ].join('\n');
  const out = feed(createParser('ndjson', 'import:f.ndjson'), text, 4);
  assert.deepEqual(out, [
    { line: 1, row: { at: 1000, state: 'live', listeners: 10, join: { ok: true, ms: 90 }, source: 'partner' } },
    { line: 3, row: { at: '2025-01-01T00:00:00Z', listeners: 11, source: 'import:f.ndjson' } },
    { line: 4, problem: 'listeners: must be an integer between 0 and 10000000000' },
    { line: 5, problem: 'colour: is not a known field' },
    { line: 6, problem: 'must be a JSON object (one observation per line)' },
    { line: 7, problem: (out[5] as { problem: string }).problem },
    { line: 8, problem: 'at: is required' },
    { line: 9, row: { at: 1004, extra: { bitrate: 128 }, source: 'import:f.ndjson' } },
  ]);
  assert.match((out[5] as { problem: string }).problem, /^not valid JSON \(/);
});

test('NDJSON: a JSON array (a .json export) stops the import with a way to convert it, not a rejection per line', () => {
  const array = '\n  \n  [\n  {"at": 1000, "listeners": 5},\n  {"at": 2000, "listeners": 6}\n]\n';
  for (const size of [1, 3, 1000]) {
    assert.throws(
      () => feed(createParser('ndjson', 's'), array, size),
      (e: Error) => e instanceof FileError && e.message === "line 3: this is a JSON array, not NDJSON: the importer reads one JSON object per line (convert it with: jq -c '.[]' file.json > file.ndjson)",
      `chunks of ${size}`,
    );
  }
  // Only the file's first character: a later line holding an array is that line's problem.
  assert.deepEqual(feed(createParser('ndjson', 's'), '{"at":1000}\n[1]\n'), [
    { line: 1, row: { at: 1000, source: 's' } },
    { line: 2, problem: 'must be a JSON object (one observation per line)' },
  ]);
});

test('formats from file names', () => {
  assert.equal(formatOf('report.CSV'), 'csv');
  assert.equal(formatOf('a/b.ndjson'), 'ndjson');
  assert.equal(formatOf('rows.jsonl'), 'ndjson');
  assert.equal(formatOf('rows.json'), 'ndjson');
  assert.equal(formatOf('rows.txt'), undefined);
});

test('batches: full at the size, the rest on flush; halves, rejected rows and trimming keep lines', () => {
  const b = new Batcher(2);
  const row = (at: number) => ({ at, source: 's' });
  assert.equal(b.add(row(1), 10), undefined);
  const full = b.add(row(2), 11);
  assert.deepEqual(full, { rows: [row(1), row(2)], lines: [10, 11] });
  assert.equal(b.add(row(3), 14), undefined);
  assert.deepEqual(b.flush(), { rows: [row(3)], lines: [14] });
  assert.equal(b.flush(), undefined);
  assert.throws(() => new Batcher(0), RangeError);

  assert.equal(toNdjson(full!), '{"at":1,"source":"s"}\n{"at":2,"source":"s"}\n');
  const three = { rows: [row(1), row(2), row(3)], lines: [5, 6, 9] };
  assert.deepEqual(halve(three), [{ rows: [row(1), row(2)], lines: [5, 6] }, { rows: [row(3)], lines: [9] }]);
  assert.deepEqual(rejectedRow(three, 'NDJSON line 3: at: must be after 1970-01-01T00:00:00.000Z'), { index: 2, line: 9, problem: 'at: must be after 1970-01-01T00:00:00.000Z' });
  assert.equal(rejectedRow(three, 'NDJSON line 4: x'), undefined, 'a line the batch does not have');
  assert.equal(rejectedRow(three, 'request body is not valid JSON'), undefined);
  assert.deepEqual(without(three, 1), { rows: [row(1), row(3)], lines: [5, 9] });
});
