// Turning what a file holds into the API's import rows, one at a time, pure. Each row is checked
// here with the same schema the server applies (src/http/schemas/observation.ts), so a bad row is
// reported with its line number and skipped, instead of failing a whole batch on the server.

import { observationMs } from '../http/instant.js';
import { ImportRow } from '../http/schemas/observation.js';
// The report writes this CSV (src/report/csv.ts); reading it back takes the same columns.
import { CSV_COLUMNS } from '../report/csv.js';
import { checker } from '../validation.js';

type Column = (typeof CSV_COLUMNS)[number];

export type RowResult = { ok: true; row: ImportRow } | { ok: false; problem: string };

/** Checks rows against the API's schema. One per import: compiling the schema is not free. */
export interface RowChecker {
  check(value: unknown): RowResult;
}

export function createRowChecker(): RowChecker {
  const schema = checker(ImportRow);
  return {
    check(value) {
      let row: ImportRow;
      try {
        row = schema.parse(value);
      } catch (err) {
        return { ok: false, problem: (err as Error).message };
      }
      // The schema accepts every RFC 3339 time and every integer ≥ 0; the server also wants a
      // Date-sized instant after the epoch, and says so in these words.
      try {
        observationMs(row.at, 'at');
      } catch (err) {
        return { ok: false, problem: (err as Error).message };
      }
      return { ok: true, row };
    },
  };
}

export interface CsvHeader {
  /** Column name → field index. */
  index: Partial<Record<Column, number>>;
  width: number;
  /** Columns this importer does not know; ignored, and said once. */
  ignored: string[];
}

/** Reads the header record; a header without `at` or `time` is not an observations CSV. */
export function parseCsvHeader(fields: string[]): CsvHeader | { problem: string } {
  const index: CsvHeader['index'] = {};
  const ignored: string[] = [];
  fields.forEach((raw, i) => {
    const name = raw.trim().replace(/^\uFEFF/, '').toLowerCase();
    if ((CSV_COLUMNS as readonly string[]).includes(name)) {
      if (index[name as Column] === undefined) index[name as Column] = i;
    } else ignored.push(raw);
  });
  if (index.at === undefined && index.time === undefined) {
    return { problem: `the header names no "at" or "time" column (expected columns: ${CSV_COLUMNS.join(',')})` };
  }
  return { index, width: fields.length, ignored };
}

const INTEGER = /^\d+$/;
const NUMBER = /^\d+(\.\d+)?$/;

/**
 * One CSV record as an import row (not yet schema-checked), or the first problem found. Empty
 * cells are absent values; `source` falls back to `defaultSource`.
 */
export function csvRow(header: CsvHeader, fields: string[], defaultSource: string): { value: Record<string, unknown> } | { problem: string } {
  if (fields.length !== header.width) return { problem: `${fields.length} field(s) where the header has ${header.width}` };
  const cell = (c: Column) => {
    const i = header.index[c];
    return i === undefined ? '' : fields[i]!.trim();
  };
  const row: Record<string, unknown> = {};

  const at = cell('at');
  const time = cell('time');
  if (at !== '') {
    if (!INTEGER.test(at)) return { problem: 'at: must be epoch milliseconds (an integer)' };
    row.at = Number(at);
  } else if (time !== '') {
    if (!Number.isFinite(Date.parse(time))) return { problem: 'time: must be an ISO-8601 date-time' };
    row.at = time;
  } else return { problem: 'at: is required (or time)' };

  const state = cell('state');
  if (state !== '') row.state = state;

  const listeners = cell('listeners');
  if (listeners !== '') {
    if (!INTEGER.test(listeners)) return { problem: 'listeners: must be an integer ≥ 0' };
    row.listeners = Number(listeners);
  }

  const ok = cell('join_ok').toLowerCase();
  const ms = cell('join_ms');
  const error = cell('join_error');
  if (ok === '') {
    if (ms !== '' || error !== '') return { problem: 'join_ok: must be true or false when join_ms or join_error is given' };
  } else {
    if (ok !== 'true' && ok !== 'false') return { problem: 'join_ok: must be true, false or empty' };
    if (ms === '') return { problem: 'join_ms: is required when join_ok is given' };
    if (!NUMBER.test(ms)) return { problem: 'join_ms: must be a number of milliseconds ≥ 0' };
    row.join = { ok: ok === 'true', ms: Number(ms), ...(error === '' ? {} : { error }) };
  }

  row.source = cell('source') || defaultSource;
  return { value: row };
}

/**
 * One NDJSON line as a value to check, or the problem. A row without `source` gets `defaultSource`
 * (the provenance the user gave on the command line).
 */
export function ndjsonValue(line: string, defaultSource: string): { value: unknown } | { problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    return { problem: `not valid JSON (${(err as Error).message})` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { problem: 'must be a JSON object (one observation per line)' };
  const obj = value as Record<string, unknown>;
  return { value: obj.source === undefined ? { ...obj, source: defaultSource } : obj };
}
