import { SpacewatchError } from '../errors.js';

/**
 * Splits an NDJSON body (one JSON value per line; blank lines skipped) and checks each row, so an
 * error can name the line the client must fix ("NDJSON line 3: at: is required") rather than an
 * array index the client never saw.
 */
export function parseNdjson(text: string, maxRows: number, check: (row: unknown) => void): unknown[] {
  const lines = text.split('\n');
  let count = 0;
  for (const line of lines) if (line.trim() !== '') count++;
  // Before parsing anything: a body over the row limit is refused without doing the work.
  if (count > maxRows) throw new SpacewatchError('SW_IMPORT_TOO_LARGE', maxRows);
  const rows: unknown[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch (err) {
      throw new SpacewatchError('SW_BAD_NDJSON', `${i + 1}: not valid JSON (${(err as Error).message})`);
    }
    try {
      check(row);
    } catch (err) {
      throw new SpacewatchError('SW_BAD_NDJSON', `${i + 1}: ${(err as Error).message}`);
    }
    rows.push(row);
  }
  return rows;
}
