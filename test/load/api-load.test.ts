import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { STORM_END, STORM_START } from '../../load-tests/join-storm-report.js';
import { API_LOAD_END, API_LOAD_START, markdownSection, type ApiLoadResult } from '../../load-tests/lib/api-load-report.js';
import { BEGIN_MARK, END_MARK, writeSection } from '../../load-tests/lib/report.js';
import { parseFrames } from '../../load-tests/lib/sse-subscribers.js';
import { summarize } from '../../load-tests/lib/stats.js';

// The pieces of `npm run load:api` whose mistakes would not show in its figures: a frame parser that
// drops or merges frames would report fewer or wrong deliveries, a section writer that touched the
// rest of BENCHMARKS.md would erase the other load tests' figures, and a report that counted an
// error twice would make the API look worse than it is.

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

  test('a CRLF split between two chunks is one line end, not two (the frame does not end early)', () => {
    const first = parseFrames('event: observation\r\ndata: a\r');
    assert.deepEqual(first.frames, []);
    const second = parseFrames(`${first.rest}\ndata: b\r\n\r\n`);
    assert.deepEqual(second.frames, [{ event: 'observation', data: 'a\nb' }]);
    assert.equal(second.rest, '');
  });

  test('a lone CR is still a line end once the next chunk shows it is not half of a CRLF', () => {
    const first = parseFrames('data: a\r');
    const second = parseFrames(`${first.rest}\rdata: b\n\n`);
    assert.deepEqual([...first.frames, ...second.frames], [
      { event: 'message', data: 'a' },
      { event: 'message', data: 'b' },
    ]);
  });
});

describe('writeSection', () => {
  test('appends a section with its markers, then replaces only what is between them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'api-load-'));
    try {
      const file = join(dir, 'BENCHMARKS.md');
      const before = `# Benchmarks\n\nhand-written\n\n${BEGIN_MARK}\nbench figures\n${END_MARK}\n`;
      writeFileSync(file, before);
      writeSection(file, `${API_LOAD_START}\nfirst run\n${API_LOAD_END}`, API_LOAD_START, API_LOAD_END);
      assert.equal(readFileSync(file, 'utf8'), `${before}\n${API_LOAD_START}\nfirst run\n${API_LOAD_END}\n`);
      writeFileSync(file, `${readFileSync(file, 'utf8')}\nwritten after\n`);
      writeSection(file, `${API_LOAD_START}\nsecond run\n${API_LOAD_END}`, API_LOAD_START, API_LOAD_END);
      assert.equal(readFileSync(file, 'utf8'), `${before}\n${API_LOAD_START}\nsecond run\n${API_LOAD_END}\n\nwritten after\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("each load test rewrites its own section and leaves the others' as they were", () => {
    const dir = mkdtempSync(join(tmpdir(), 'api-load-'));
    try {
      const file = join(dir, 'BENCHMARKS.md');
      const section = (begin: string, end: string, body: string) => `${begin}\n${body}\n${end}`;
      writeSection(file, section(BEGIN_MARK, END_MARK, 'bench 1'), BEGIN_MARK, END_MARK);
      writeSection(file, section(STORM_START, STORM_END, 'storm 1'), STORM_START, STORM_END);
      writeSection(file, section(API_LOAD_START, API_LOAD_END, 'api 1'), API_LOAD_START, API_LOAD_END);
      writeSection(file, section(STORM_START, STORM_END, 'storm 2'), STORM_START, STORM_END);
      writeSection(file, section(BEGIN_MARK, END_MARK, 'bench 2'), BEGIN_MARK, END_MARK);
      const text = readFileSync(file, 'utf8');
      assert.equal(text, `# Benchmarks\n\n${section(BEGIN_MARK, END_MARK, 'bench 2')}\n\n${section(STORM_START, STORM_END, 'storm 2')}\n\n${section(API_LOAD_START, API_LOAD_END, 'api 1')}\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the API load report', () => {
  const machine = { cpu: 'test cpu', cores: 2, memoryBytes: 2 ** 30, os: 'test', node: 'v20', redis: '7', redisBenchmark: '7', loadAtStart: 0, commit: 'abc' };
  const result = (errors: number, timeouts: number): ApiLoadResult => ({
    machine,
    startedAt: new Date(0),
    seconds: 1,
    setup: [],
    endpoints: [{ label: 'overview', short: 'overview', path: '/api/v1/overview', single: summarize([1, 2]), load: { requestsPerSecond: 100, p50: 5, p99: 12.34, requests: 1500, errors, timeouts, non2xx: 1 } }],
    lag: [],
    sse: { subscribers: 1, opened: 1, frames: 0, unmatched: 0, errors: [] },
    otherCores: 0,
  });

  test('shows autocannon errors once, with the timeouts among them in brackets', () => {
    const md = markdownSection(result(7, 3));
    assert.match(md, /\| overview \| 100 \| 5\.00 ms \| 12\.3 ms \| 7 \(3\) \/ 1 \|/, md);
    assert.doesNotMatch(md, /\| 10 /, 'timeouts are not added to the errors a second time');
  });
});
