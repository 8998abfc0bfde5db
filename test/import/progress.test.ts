// The importer's progress on stderr: a bar on a terminal, plain lines otherwise, and every problem
// line written by the time the import stops.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { createProgress, formatBytes } from '../../src/import/progress.js';

function stream(isTTY: boolean): { stream: Writable & { isTTY: boolean }; text: () => string } {
  let text = '';
  const w = new Writable({
    write(chunk: Buffer, _e, done) {
      text += chunk.toString('utf8');
      done();
    },
  });
  return { stream: Object.assign(w, { isTTY, columns: 120 }), text: () => text };
}

test('on a terminal, problems logged just before stop are written (cli-progress only writes them on a redraw)', () => {
  const err = stream(true);
  const p = createProgress({ stream: err.stream, totalBytes: 2048 });
  p.update(1024, 3);
  p.log('line 2: listeners: must be an integer ≥ 0');
  p.log('line 3: at: is required (or time)');
  p.stop();
  const text = err.text();
  assert.ok(text.includes('line 2: listeners: must be an integer ≥ 0\nline 3: at: is required (or time)\n'), JSON.stringify(text));
});

test('elsewhere, problems are plain lines at once and progress a line at most every everyMs', () => {
  const err = stream(false);
  let now = 0;
  const p = createProgress({ stream: err.stream, totalBytes: 2048, now: () => now, everyMs: 1000 });
  p.log('line 2: bad');
  p.update(512, 10);
  now = 1500;
  p.update(1024, 20);
  p.stop();
  assert.equal(err.text(), `line 2: bad\nimporting: ${formatBytes(1024)} of ${formatBytes(2048)} (50 %), 20 rows, 13 rows/s\n`);
});
