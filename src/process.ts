import { InvalidArgumentError } from 'commander';
import type { Running } from './main.js';

// What every CLI command shares: argument parsers that explain themselves, and a clean shutdown on
// SIGTERM/SIGINT (a second signal exits without draining).

export function parsePort(v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n > 65535) throw new InvalidArgumentError('must be an integer port number 0–65535');
  return n;
}

export function parsePositive(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number');
  return n;
}

export function onShutdown(running: Pick<Running, 'close'>): void {
  let closing = false;
  const handler = (signal: NodeJS.Signals) => {
    if (closing) {
      process.stderr.write(`${signal} again: exiting without draining\n`);
      process.exit(1);
    }
    closing = true;
    running.close().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`error during shutdown: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}
