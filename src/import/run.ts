// `spacewatch import`: stream a file through the parser into batches and post them one at a time.
// The file is read in chunks and the read waits while a batch is in flight (for await applies the
// back-pressure), so memory stays at one chunk plus one batch whatever the file's size.

import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { Batcher, halve, rejectedRow, toNdjson, without, type Batch } from './batches.js';
import { createClient, ImportFailure, normaliseBase } from './client.js';
import { createParser, FileError, formatOf, FORMATS, type Format } from './parse.js';
import { createProgress, formatCount } from './progress.js';

export const EXIT_OK = 0;
/** Some rows were rejected (locally or by the server); the rest were imported. */
export const EXIT_PARTIAL = 1;
/** Nothing sensible could run: bad usage, unreadable file, server unreachable, unknown target, auth. */
export const EXIT_FAILED = 2;

/** Individual bad rows reported before the rest are only counted: a wholly wrong file must not print a million lines. */
export const MAX_REPORTED = 50;
const SOURCE_MAX = 64;

export interface ImportOptions {
  file: string;
  target: string;
  url: string;
  token?: string;
  source?: string;
  format?: string;
  batch: number;
}

export interface ImportIo {
  /** Progress, problems and the one-line failure. */
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  /** The summary. */
  stdout: NodeJS.WritableStream;
  fetch?: typeof fetch;
  now?: () => number;
  /** Retry tuning (tests shorten the backoff). */
  attempts?: number;
  backoffMs?: number;
}

export interface ImportCounts {
  read: number;
  written: number;
  duplicates: number;
  rejected: number;
}

/** Runs one import and returns the process exit code; never throws for anything a user can cause. */
export async function runImport(opts: ImportOptions, io: ImportIo): Promise<number> {
  const now = io.now ?? Date.now;
  const fail = (message: string) => {
    io.stderr.write(`spacewatch import: ${message}\n`);
    return EXIT_FAILED;
  };

  const base = normaliseBase(opts.url);
  if (!base) return fail(`--url: must be an http(s) URL, got "${opts.url}"`);
  const format = (opts.format ?? formatOf(opts.file)) as Format | undefined;
  if (!format) return fail(`cannot tell the format of "${opts.file}" from its name: pass --format csv or --format ndjson`);
  if (!FORMATS.includes(format)) return fail(`--format: must be one of ${FORMATS.join(', ')}`);
  const source = opts.source ?? `import:${basename(opts.file)}`.slice(0, SOURCE_MAX);
  if (source.length < 1 || source.length > SOURCE_MAX) return fail(`--source: must be a label of 1–${SOURCE_MAX} characters`);
  if (!Number.isSafeInteger(opts.batch) || opts.batch < 1) return fail('--batch: must be a positive integer');

  let size: number;
  try {
    const st = await stat(opts.file);
    if (!st.isFile()) return fail(`${opts.file}: not a file`);
    size = st.size;
  } catch (err) {
    return fail(`cannot read ${opts.file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }

  const client = createClient({
    base,
    target: opts.target,
    ...(opts.token ? { token: opts.token } : {}),
    ...(io.fetch ? { fetch: io.fetch } : {}),
    ...(io.attempts ? { attempts: io.attempts } : {}),
    ...(io.backoffMs !== undefined ? { backoffMs: io.backoffMs } : {}),
  });
  try {
    await client.check();
  } catch (err) {
    if (err instanceof ImportFailure) return fail(err.message);
    throw err;
  }

  const started = now();
  const counts: ImportCounts = { read: 0, written: 0, duplicates: 0, rejected: 0 };
  const progress = createProgress({ stream: io.stderr, totalBytes: size, now });
  const reject = (line: number, problem: string) => {
    counts.rejected++;
    if (counts.rejected <= MAX_REPORTED) progress.log(`line ${line}: ${problem}`);
  };

  // Splits a batch the server finds too large, and drops a row it refuses, until the rest goes in.
  const send = async (first: Batch) => {
    const queue = [first];
    while (queue.length) {
      const b = queue.shift()!;
      const r = await client.post(toNdjson(b));
      if (r.ok) {
        counts.written += r.written;
        counts.duplicates += r.duplicates;
        continue;
      }
      if (r.status === 413 && b.rows.length > 1) {
        queue.unshift(...halve(b));
        continue;
      }
      const bad = r.code === 'SW_BAD_NDJSON' ? rejectedRow(b, r.message) : undefined;
      if (bad) {
        reject(bad.line, `refused by the server: ${bad.problem}`);
        if (b.rows.length > 1) queue.unshift(without(b, bad.index));
        continue;
      }
      // Refused as a whole for a reason no single row explains: every row of it is rejected.
      for (const line of b.lines) reject(line, `refused by the server (${r.status}${r.code ? ` ${r.code}` : ''}): ${r.message}`);
    }
  };

  const parser = createParser(format, source);
  const batcher = new Batcher(opts.batch);
  const take = async (items: ReturnType<typeof parser.push>) => {
    for (const item of items) {
      counts.read++;
      if ('problem' in item) {
        reject(item.line, item.problem);
        continue;
      }
      const full = batcher.add(item.row, item.line);
      if (full) await send(full);
    }
  };

  const stream = createReadStream(opts.file, { encoding: 'utf8', highWaterMark: 1 << 20 });
  let told = false;
  let failure: string | undefined;
  try {
    for await (const chunk of stream) {
      await take(parser.push(chunk as string));
      if (!told && parser.ignoredColumns.length) {
        told = true;
        progress.log(`ignoring column(s) this importer does not know: ${parser.ignoredColumns.join(', ')}`);
      }
      progress.update(stream.bytesRead, counts.read);
    }
    await take(parser.end());
    const rest = batcher.flush();
    if (rest) await send(rest);
    progress.update(size, counts.read);
  } catch (err) {
    if (err instanceof FileError || err instanceof ImportFailure) failure = err.message;
    else if ((err as NodeJS.ErrnoException).code) failure = `cannot read ${opts.file}: ${(err as NodeJS.ErrnoException).code}`;
    else throw err;
  } finally {
    stream.destroy();
    progress.stop();
  }

  if (counts.rejected > MAX_REPORTED) io.stderr.write(`… ${formatCount(counts.rejected - MAX_REPORTED)} more rejected row(s) not listed\n`);
  const elapsed = ((now() - started) / 1000).toFixed(1);
  io.stdout.write(
    `${opts.file} → ${opts.target}: ${formatCount(counts.read)} rows read, ${formatCount(counts.written)} written, ` +
      `${formatCount(counts.duplicates)} duplicates, ${formatCount(counts.rejected)} rejected, ${elapsed} s\n`,
  );
  if (failure !== undefined) return fail(failure);
  return counts.rejected > 0 ? EXIT_PARTIAL : EXIT_OK;
}
