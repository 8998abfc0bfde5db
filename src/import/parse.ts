// The importer's parser: text in (chunk by chunk), checked import rows out, each with its line
// number, or the line's problem. Pure, so test/import/parse.test.ts drives it with strings.

import type { ImportRow } from '../http/schemas/observation.js';
import { CsvReader, isProblem, MAX_RECORD_CHARS } from './csv.js';
import { createRowChecker, csvRow, ndjsonValue, parseCsvHeader, type CsvHeader } from './rows.js';

export const FORMATS = ['csv', 'ndjson'] as const;
export type Format = (typeof FORMATS)[number];

export type Parsed = { line: number; row: ImportRow } | { line: number; problem: string };

/** A file that cannot be imported at all (no header, no usable columns): stop, do not count rows. */
export class FileError extends Error {}

export interface Parser {
  push(chunk: string): Parsed[];
  end(): Parsed[];
  /** Columns of a CSV header this importer ignores (known once the header was read). */
  readonly ignoredColumns: string[];
}

/**
 * The format a file name implies, or undefined (the user must say `--format`). `.json` is read as
 * NDJSON, as many exporters name JSON Lines; a JSON array in it is refused with a way to convert it.
 */
export function formatOf(file: string): Format | undefined {
  const lower = file.toLowerCase();
  if (lower.endsWith('.csv')) return 'csv';
  if (lower.endsWith('.ndjson') || lower.endsWith('.jsonl') || lower.endsWith('.json')) return 'ndjson';
  return undefined;
}

export function createParser(format: Format, defaultSource: string): Parser {
  return format === 'csv' ? csvParser(defaultSource) : ndjsonParser(defaultSource);
}

function csvParser(defaultSource: string): Parser {
  const reader = new CsvReader();
  const rows = createRowChecker();
  let header: CsvHeader | undefined;
  const take = (items: ReturnType<CsvReader['push']>): Parsed[] => {
    const out: Parsed[] = [];
    for (const item of items) {
      if (isProblem(item)) {
        if (!header) throw new FileError(`line ${item.line}: the header cannot be read: ${item.problem}`);
        out.push(item);
        continue;
      }
      if (!header) {
        const h = parseCsvHeader(item.fields);
        if ('problem' in h) throw new FileError(`line ${item.line}: ${h.problem}`);
        header = h;
        continue;
      }
      const r = csvRow(header, item.fields, defaultSource);
      if ('problem' in r) {
        out.push({ line: item.line, problem: r.problem });
        continue;
      }
      const checked = rows.check(r.value);
      out.push(checked.ok ? { line: item.line, row: checked.row } : { line: item.line, problem: checked.problem });
    }
    return out;
  };
  return {
    push: (chunk) => take(reader.push(chunk)),
    end: () => {
      const out = take(reader.end());
      if (!header) throw new FileError('no header line: an observations CSV starts with at,time,state,listeners,… (comment lines aside)');
      return out;
    },
    get ignoredColumns() {
      return header?.ignored ?? [];
    },
  };
}

function ndjsonParser(defaultSource: string): Parser {
  const rows = createRowChecker();
  let rest = '';
  let line = 0;
  const one = (text: string, out: Parsed[]) => {
    line++;
    const trimmed = text.trim();
    if (trimmed === '') return;
    if (trimmed.length > MAX_RECORD_CHARS) {
      out.push({ line, problem: `longer than ${MAX_RECORD_CHARS} characters` });
      return;
    }
    const v = ndjsonValue(trimmed, defaultSource);
    if ('problem' in v) {
      out.push({ line, problem: v.problem });
      return;
    }
    const checked = rows.check(v.value);
    out.push(checked.ok ? { line, row: checked.row } : { line, problem: checked.problem });
  };
  // After a line over the limit: drop text up to that line's end.
  let skipping = false;
  // Until the first character that is not white space: a `[` there is a JSON array, not NDJSON, and
  // every one of its lines would be rejected one by one.
  let opened = false;
  return {
    push(chunk) {
      const out: Parsed[] = [];
      if (!opened) {
        const first = chunk.search(/\S/);
        if (first >= 0) {
          opened = true;
          if (chunk[first] === '[') {
            const at = line + (rest + chunk.slice(0, first)).split('\n').length;
            throw new FileError(
              `line ${at}: this is a JSON array, not NDJSON: the importer reads one JSON object per line (convert it with: jq -c '.[]' file.json > file.ndjson)`,
            );
          }
        }
      }
      let text = chunk;
      if (skipping) {
        const nl = text.indexOf('\n');
        if (nl < 0) return out;
        text = text.slice(nl + 1);
        skipping = false;
      }
      const parts = (rest + text).split('\n');
      rest = parts.pop()!;
      for (const p of parts) one(p, out);
      // A line with no end in sight is reported and dropped rather than held whole in memory.
      if (rest.length > MAX_RECORD_CHARS) {
        line++;
        out.push({ line, problem: `longer than ${MAX_RECORD_CHARS} characters` });
        rest = '';
        skipping = true;
      }
      return out;
    },
    end() {
      const out: Parsed[] = [];
      if (rest !== '') one(rest, out);
      rest = '';
      return out;
    },
    ignoredColumns: [],
  };
}
