// What the importer shows while it runs, on stderr (stdout stays free for the summary a script may
// capture): a cli-progress bar on a terminal, a plain line every few seconds otherwise (CI logs and
// files must not fill with carriage-return redraws). Messages (bad rows) go through the bar so they
// do not tear it; cli-progress writes those only on a redraw (every 200 ms), so stop redraws first:
// the last problems of an import, or every one of a quick import, must not be lost.

import cliProgress from 'cli-progress';

export interface Progress {
  update(bytes: number, rows: number): void;
  log(line: string): void;
  stop(): void;
}

export interface ProgressOptions {
  stream: NodeJS.WritableStream & { isTTY?: boolean };
  totalBytes: number;
  now?: () => number;
  /** Plain mode: one line at most this often. */
  everyMs?: number;
}

const counts = new Intl.NumberFormat('en-US');

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`;
}

export function formatCount(n: number): string {
  return counts.format(Math.round(n));
}

export function createProgress(opts: ProgressOptions): Progress {
  const now = opts.now ?? Date.now;
  const started = now();
  const rate = (rows: number) => formatCount(rows / Math.max(0.001, (now() - started) / 1000));
  const total = Math.max(1, opts.totalBytes);

  if (opts.stream.isTTY) {
    const multi = new cliProgress.MultiBar(
      {
        stream: opts.stream,
        format: 'importing [{bar}] {percentage}% | {done} of {size} | {rows} rows | {rate} rows/s | ETA {eta_formatted}',
        barsize: 30,
        hideCursor: true,
        clearOnComplete: true,
        etaBuffer: 50,
        fps: 5,
      },
      cliProgress.Presets.shades_classic,
    );
    const bar = multi.create(total, 0, { done: formatBytes(0), size: formatBytes(opts.totalBytes), rows: '0', rate: '0' });
    return {
      update: (bytes, rows) => bar.update(Math.min(bytes, total), { done: formatBytes(bytes), rows: formatCount(rows), rate: rate(rows) }),
      log: (line) => multi.log(`${line}\n`),
      stop: () => {
        multi.update();
        multi.stop();
      },
    };
  }

  const everyMs = opts.everyMs ?? 5000;
  let lastAt = started;
  return {
    update(bytes, rows) {
      const t = now();
      if (t - lastAt < everyMs) return;
      lastAt = t;
      const pct = Math.floor((100 * Math.min(bytes, total)) / total);
      opts.stream.write(`importing: ${formatBytes(bytes)} of ${formatBytes(opts.totalBytes)} (${pct} %), ${formatCount(rows)} rows, ${rate(rows)} rows/s\n`);
    },
    log: (line) => opts.stream.write(`${line}\n`),
    stop: () => {},
  };
}
