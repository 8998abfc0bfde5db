// Progress on stderr, so stdout stays the results. A line per phase; on a terminal, long phases also
// redraw one bar line in place (no dependency: a carriage return and a few characters).

export interface Bar {
  /** Sets how much is done (same unit as total). */
  update(done: number): void;
  /** Ends the bar with a closing line. */
  done(summary?: string): void;
}

export interface Progress {
  phase(message: string): void;
  bar(label: string, total: number): Bar;
  /** Seconds since the run started. */
  elapsed(): number;
}

const WIDTH = 28;
const REDRAW_MS = 100;

export function createProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  const stamp = () => `[bench ${elapsed().toFixed(1).padStart(5)}s]`;
  const tty = stream.isTTY === true;

  return {
    elapsed,
    phase(message) {
      stream.write(`${stamp()} ${message}\n`);
    },
    bar(label, total) {
      let last = 0;
      const draw = (done: number) => {
        const share = total > 0 ? Math.min(1, done / total) : 1;
        const filled = Math.round(share * WIDTH);
        stream.write(`\r${stamp()} ${label} [${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${Math.floor(share * 100)}%\x1b[K`);
      };
      if (tty) draw(0);
      return {
        update(done) {
          const now = performance.now();
          if (!tty || now - last < REDRAW_MS) return;
          last = now;
          draw(done);
        },
        done(summary) {
          if (tty) stream.write('\r\x1b[K');
          stream.write(`${stamp()} ${label}${summary ? `: ${summary}` : ''}\n`);
        },
      };
    },
  };
}
