import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { END_MARK, START_MARK, writeApiLoadSection } from '../../load-tests/lib/api-load-report.js';
import { parseFrames } from '../../load-tests/lib/sse-subscribers.js';

// The pieces of `npm run load:api` whose mistakes would not show in its figures: a frame parser that
// drops or merges frames would report fewer or wrong deliveries, and a section writer that touched
// the rest of BENCHMARKS.md would erase `npm run bench`'s figures.

describe('parseFrames', () => {
  test('splits complete frames, skips comments and the retry line, and keeps an unfinished frame for later', () => {
    const { frames, rest } = parseFrames('retry: 2000\n\nevent: observation\ndata: {"at":1}\n\n: keep-alive\n\nevent: event\ndata: {"id":"1-0"}\n\nevent: obs');
    assert.deepEqual(frames, [
      { event: 'observation', data: '{"at":1}' },
      { event: 'event', data: '{"id":"1-0"}' },
    ]);
    assert.equal(rest, 'event: obs');
    const next = parseFrames(`${rest}ervation\ndata: {"at":2}\n\n`);
    assert.deepEqual(next.frames, [{ event: 'observation', data: '{"at":2}' }]);
    assert.equal(next.rest, '');
  });

  test('reads CRLF line ends, several data lines, a field without a space and a frame without an event', () => {
    const { frames } = parseFrames('event:observation\r\ndata: a\r\ndata: b\r\n\r\ndata: x\n\n');
    assert.deepEqual(frames, [
      { event: 'observation', data: 'a\nb' },
      { event: 'message', data: 'x' },
    ]);
  });
});

describe('writeApiLoadSection', () => {
  test('appends the section with its markers, then replaces only what is between them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'api-load-'));
    try {
      const file = join(dir, 'BENCHMARKS.md');
      const before = '# Benchmarks\n\nhand-written\n\n<!-- BEGIN GENERATED -->\nbench figures\n<!-- END GENERATED -->\n';
      writeFileSync(file, before);
      writeApiLoadSection(file, `${START_MARK}\nfirst run\n${END_MARK}`);
      assert.equal(readFileSync(file, 'utf8'), `${before}\n${START_MARK}\nfirst run\n${END_MARK}\n`);
      writeFileSync(file, `${readFileSync(file, 'utf8')}\nwritten after\n`);
      writeApiLoadSection(file, `${START_MARK}\nsecond run\n${END_MARK}`);
      assert.equal(readFileSync(file, 'utf8'), `${before}\n${START_MARK}\nsecond run\n${END_MARK}\n\nwritten after\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
