// A streaming CSV reader for `spacewatch import`: text goes in chunk by chunk (files can be
// gigabytes, so nothing is held beyond the record being read) and whole records come out with the
// line they started on, so an error can say "line 17: …". Pure: no I/O.
//
// RFC 4180 with the two liberties real exports need: LF or CRLF line ends, and `#` comment lines
// (contracts.md §3: the report writes its methodology and SHA-256 there). A `#` only starts a
// comment at the beginning of a record, never inside a quoted field. Blank lines are skipped.

export interface CsvRecord {
  /** 1-based line of the file the record starts on. */
  line: number;
  fields: string[];
}

/** A record that cannot be read (an unterminated quote, text after a closing quote); the reader goes on with the next line. */
export interface CsvProblem {
  line: number;
  problem: string;
}

export type CsvItem = CsvRecord | CsvProblem;

export const isProblem = (item: CsvItem): item is CsvProblem => 'problem' in item;

/** The longest record accepted: a quote left open must not make the reader buffer the rest of a huge file. */
export const MAX_RECORD_CHARS = 1_048_576;

export class CsvReader {
  #fields: string[] = [];
  #field = '';
  #quoted = false; // inside a quoted field
  #afterQuote = false; // a quoted field just closed: only a separator or line end may follow
  #fieldWasQuoted = false;
  #atRecordStart = true;
  #comment = false;
  #bad: string | undefined;
  #chars = 0;
  #line = 1; // line the reader is on
  #start = 1; // line the current record started on
  #pendingCr = false;

  /** Feeds the next piece of text; returns the records it completed. */
  push(chunk: string): CsvItem[] {
    const out: CsvItem[] = [];
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (this.#pendingCr) {
        this.#pendingCr = false;
        if (c === '\n') continue; // CRLF: the CR already ended the line
      }
      if (c === '\r' && !this.#quoted) {
        this.#pendingCr = true;
        this.#endLine(out);
        continue;
      }
      if (c === '\n' && !this.#quoted) {
        this.#endLine(out);
        continue;
      }
      if (c === '\n') this.#line++;
      if (this.#comment || this.#bad !== undefined) continue;
      if (this.#atRecordStart) {
        this.#atRecordStart = false;
        if (c === '#') {
          this.#comment = true;
          continue;
        }
      }
      if (++this.#chars > MAX_RECORD_CHARS) {
        this.#fail(`record longer than ${MAX_RECORD_CHARS} characters (an unclosed quote?)`);
        continue;
      }
      this.#char(c);
    }
    return out;
  }

  /** The end of the text: the last record, if it had no line end, and any quote left open. */
  end(): CsvItem[] {
    const out: CsvItem[] = [];
    if (this.#quoted) {
      this.#fail('a quoted field is never closed');
      this.#quoted = false;
    }
    if (!this.#atRecordStart || this.#bad !== undefined) this.#endLine(out);
    return out;
  }

  #char(c: string): void {
    if (this.#quoted) {
      if (c === '"') {
        this.#quoted = false;
        this.#afterQuote = true;
      } else this.#field += c;
      return;
    }
    if (this.#afterQuote) {
      this.#afterQuote = false;
      if (c === '"') {
        // "" inside a quoted field is one quote (RFC 4180 §2.7)
        this.#field += '"';
        this.#quoted = true;
        return;
      }
      if (c !== ',') {
        this.#fail('text after a closing quote (a quote inside a field must be doubled: "")');
        return;
      }
    }
    if (c === ',') {
      this.#fields.push(this.#field);
      this.#field = '';
      this.#fieldWasQuoted = false;
    } else if (c === '"' && this.#field === '' && !this.#fieldWasQuoted) {
      this.#quoted = true;
      this.#fieldWasQuoted = true;
    } else if (c === '"') {
      this.#fail('a quote inside an unquoted field (quote the whole field and double the quote)');
    } else this.#field += c;
  }

  #fail(problem: string): void {
    this.#bad ??= problem;
    // The rest of the line is skipped; the next line end, even one that was inside quotes, ends the record.
    this.#quoted = false;
  }

  #endLine(out: CsvItem[]): void {
    const line = this.#start;
    this.#line++;
    if (this.#bad !== undefined) out.push({ line, problem: this.#bad });
    else if (!this.#comment && !this.#atRecordStart) {
      this.#fields.push(this.#field);
      out.push({ line, fields: this.#fields });
    }
    this.#fields = [];
    this.#field = '';
    this.#quoted = false;
    this.#afterQuote = false;
    this.#fieldWasQuoted = false;
    this.#atRecordStart = true;
    this.#comment = false;
    this.#bad = undefined;
    this.#chars = 0;
    this.#start = this.#line;
  }
}
