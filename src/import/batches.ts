// Grouping checked rows into import requests, pure. A batch remembers each row's line in the file,
// so a row the server still refuses is reported where the user can find it.

import type { ImportRow } from '../http/schemas/observation.js';

export interface Batch {
  rows: ImportRow[];
  lines: number[];
}

/** Collects rows; `add` hands back a full batch once `size` rows are held. */
export class Batcher {
  #rows: ImportRow[] = [];
  #lines: number[] = [];

  constructor(readonly size: number) {
    if (!Number.isSafeInteger(size) || size < 1) throw new RangeError(`batch size must be a positive integer, got ${size}`);
  }

  add(row: ImportRow, line: number): Batch | undefined {
    this.#rows.push(row);
    this.#lines.push(line);
    return this.#rows.length >= this.size ? this.flush() : undefined;
  }

  /** What is held, as a batch (possibly short), or undefined when empty. */
  flush(): Batch | undefined {
    if (this.#rows.length === 0) return undefined;
    const batch = { rows: this.#rows, lines: this.#lines };
    this.#rows = [];
    this.#lines = [];
    return batch;
  }
}

/** The request body: one row per line (application/x-ndjson). */
export function toNdjson(batch: Batch): string {
  let body = '';
  for (const row of batch.rows) body += `${JSON.stringify(row)}\n`;
  return body;
}

/** Two halves, for a server that says the batch is too large (rows or bytes). */
export function halve(batch: Batch): [Batch, Batch] {
  const mid = Math.ceil(batch.rows.length / 2);
  return [
    { rows: batch.rows.slice(0, mid), lines: batch.lines.slice(0, mid) },
    { rows: batch.rows.slice(mid), lines: batch.lines.slice(mid) },
  ];
}

/**
 * The row a server's SW_BAD_NDJSON message names ("NDJSON line 3: at: …" — line 3 of the request
 * body, which is the batch's third row), or undefined when the message names none.
 */
export function rejectedRow(batch: Batch, message: string): { index: number; line: number; problem: string } | undefined {
  const m = /^NDJSON line (\d+): (.*)$/s.exec(message);
  if (!m) return undefined;
  const index = Number(m[1]) - 1;
  if (!(index >= 0 && index < batch.rows.length)) return undefined;
  return { index, line: batch.lines[index]!, problem: m[2]! };
}

/** The batch without one row. */
export function without(batch: Batch, index: number): Batch {
  return { rows: batch.rows.filter((_, i) => i !== index), lines: batch.lines.filter((_, i) => i !== index) };
}
