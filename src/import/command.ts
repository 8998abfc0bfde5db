import { InvalidArgumentError, type Command } from 'commander';
import { EXIT_FAILED, runImport } from './run.js';

// `spacewatch import <file>`: argument parsing and the exit code; the work is in run.ts.

const DEFAULT_URL = 'http://127.0.0.1:8080';

function parseBatch(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

function parseFormat(v: string): string {
  if (v !== 'csv' && v !== 'ndjson') throw new InvalidArgumentError('must be csv or ndjson');
  return v;
}

export function registerImport(program: Command): void {
  program
    .command('import')
    .description('load observations from a CSV or NDJSON file into a target, through the API (docs/importing.md)')
    .argument('<file>', 'CSV (the report\'s observations CSV) or NDJSON (one API import row per line)')
    .requiredOption('-t, --target <id>', 'target to import into')
    .option('--url <base>', `spacewatch server (default: $SPACEWATCH_URL, else ${DEFAULT_URL})`)
    // No default shown: the token must never be echoed by --help.
    .option('--token <token>', 'bearer token for writes (default: $SPACEWATCH_TOKEN)')
    .option('--source <label>', 'provenance for rows without one (default: import:<file name>)')
    .option('--format <format>', 'csv or ndjson (default: from the file extension)', parseFormat)
    .option('--batch <n>', 'rows per request', parseBatch, 1000)
    .exitOverride((err) => {
      // Usage errors (a missing --target, a bad --batch) exit 2 like every other "could not start".
      process.exit(err.exitCode === 0 ? 0 : EXIT_FAILED);
    })
    .action(async (file: string, opts: { target: string; url?: string; token?: string; source?: string; format?: string; batch: number }) => {
      const code = await runImport(
        {
          file,
          target: opts.target,
          url: opts.url ?? process.env.SPACEWATCH_URL ?? DEFAULT_URL,
          batch: opts.batch,
          ...(opts.token ?? process.env.SPACEWATCH_TOKEN ? { token: opts.token ?? process.env.SPACEWATCH_TOKEN } : {}),
          ...(opts.source !== undefined ? { source: opts.source } : {}),
          ...(opts.format !== undefined ? { format: opts.format } : {}),
        },
        { stderr: process.stderr, stdout: process.stdout },
      );
      process.exitCode = code;
    });
}
