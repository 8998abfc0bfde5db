import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { after, describe, test, type TestContext } from 'node:test';
import { assessFreshness, hls, SEGMENT_PROBE_BYTES, type HlsConfig } from '../../src/sources/hls.js';
import type { MediaPlaylist } from '../../src/sources/hls-playlist.js';
import type { ProbeResult } from '../../src/sources/source.js';
import { hlsOrigin, type HlsOrigin } from '../helpers/ffmpeg-hls.js';
import { waitFor } from '../helpers/wait.js';
import { harness, serve, target, type Harness, type TestServer } from './helpers.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/hls/${name}`, import.meta.url), 'utf8');
const { probe } = hls;

const hs: Harness[] = [];
after(() => Promise.all(hs.map((h) => h.close())));
function newHarness(...args: Parameters<typeof harness>): Harness {
  const h = harness(...args);
  hs.push(h);
  return h;
}

function stream(url: string, over: Partial<HlsConfig> = {}) {
  return target<HlsConfig>({ kind: 'hls', url, ...over });
}

type Route = string | ((res: ServerResponse, range: string | undefined) => void);

/** A local origin whose answers the test sets per path (and may change between probes). */
async function origin(routes: Record<string, Route>): Promise<TestServer & { routes: Record<string, Route>; paths(): string[] }> {
  const s = await serve((req, res) => {
    const route = routes[new URL(req.url ?? '/', 'http://x').pathname];
    if (route === undefined) {
      res.writeHead(404).end();
      return;
    }
    if (typeof route === 'function') return route(res, req.headers.range);
    res.writeHead(200, { 'content-type': 'application/vnd.apple.mpegurl', 'content-length': Buffer.byteLength(route) });
    res.end(route);
  });
  return Object.assign(s, { routes, paths: () => s.requests.map((r) => r.url ?? '') });
}

/** A segment of `size` bytes that honours Range requests. */
function segment(size: number): Route {
  const body = Buffer.alloc(size, 0x47);
  return (res, range) => {
    const m = /^bytes=(\d+)-(\d+)$/.exec(range ?? '');
    const part = m ? body.subarray(Number(m[1]), Number(m[2]) + 1) : body;
    res.writeHead(m ? 206 : 200, { 'content-type': 'video/mp2t', 'content-length': part.length });
    res.end(part);
  };
}

function mediaText(seq: number, n: number, { td = 3, endList = false, name = (i: number) => `s${i}.ts` } = {}): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:3', `#EXT-X-TARGETDURATION:${td}`, `#EXT-X-MEDIA-SEQUENCE:${seq}`];
  for (let i = seq; i < seq + n; i++) lines.push(`#EXTINF:${td}.000,`, name(i));
  if (endList) lines.push('#EXT-X-ENDLIST');
  return lines.join('\n') + '\n';
}

function joined(r: ProbeResult) {
  return { state: r.state, ok: r.join.ok, error: r.join.error };
}

describe('assessFreshness (RFC 8216 §6.2.1, §6.2.2)', () => {
  const p = (seq: number, n: number, td = 2): MediaPlaylist => ({
    kind: 'media',
    targetDuration: td,
    mediaSequence: seq,
    endList: false,
    segments: Array.from({ length: n }, (_, i) => ({ url: `s${seq + i}`, duration: td, sequence: seq + i })),
  });
  // [name, previous state, playlist, now, expected]
  const cases: [string, { newest: number; advancedAt: number } | undefined, MediaPlaylist, number, { stalled: boolean; late: boolean; restart?: { from: number; to: number }; advancedAt: number; newest: number }][] = [
    ['first sighting: fresh, clock starts', undefined, p(10, 3), 1_000, { stalled: false, late: false, advancedAt: 1_000, newest: 12 }],
    ['advanced (sliding window): clock restarts', { newest: 12, advancedAt: 0 }, p(11, 3), 50_000, { stalled: false, late: false, advancedAt: 50_000, newest: 13 }],
    ['advanced (EVENT playlist grows, MEDIA-SEQUENCE unchanged)', { newest: 12, advancedAt: 0 }, p(10, 4), 50_000, { stalled: false, late: false, advancedAt: 50_000, newest: 13 }],
    ['unchanged for 1.5×TD: not yet late', { newest: 12, advancedAt: 0 }, p(10, 3), 3_000, { stalled: false, late: false, advancedAt: 0, newest: 12 }],
    ['unchanged past 1.5×TD: late', { newest: 12, advancedAt: 0 }, p(10, 3), 3_001, { stalled: false, late: true, advancedAt: 0, newest: 12 }],
    ['unchanged just under 3×TD: late, not stalled', { newest: 12, advancedAt: 0 }, p(10, 3), 5_999, { stalled: false, late: true, advancedAt: 0, newest: 12 }],
    ['unchanged for 3×TD: stalled', { newest: 12, advancedAt: 0 }, p(10, 3), 6_000, { stalled: true, late: false, advancedAt: 0, newest: 12 }],
    ['decreased: restart, clock restarts', { newest: 512, advancedAt: 0 }, p(0, 3), 60_000, { stalled: false, late: false, restart: { from: 512, to: 2 }, advancedAt: 60_000, newest: 2 }],
  ];
  for (const [name, prev, playlist, now, want] of cases) {
    test(name, () => {
      const v = assessFreshness(prev, playlist, now);
      const got: typeof want = { stalled: v.stalled, late: v.late, advancedAt: v.next.advancedAt, newest: v.next.newest };
      if (v.restart) got.restart = v.restart;
      assert.deepEqual(got, want);
    });
  }
});

describe('hls probe (local origin)', () => {
  test('master → lowest audio variant → media playlist → the segment a listener starts with, with a Range', async (t) => {
    const s = await origin({
      '/live/master.m3u8': fixture('master.m3u8'),
      '/live/playlist_16701.m3u8': fixture('media-live.m3u8'),
      '/live/chunk_1743_a.aac': segment(40_000),
    });
    t.after(() => s.close());
    const r = await probe(stream(`${s.url}/live/master.m3u8`), newHarness().context());
    assert.deepEqual(joined(r), { state: 'live', ok: true, error: undefined });
    assert.equal(r.join.bytes, SEGMENT_PROBE_BYTES);
    assert.ok(r.join.ms > 0);
    assert.deepEqual(r.extra, { targetDuration: 3, mediaSequence: 1742, segments: 4 });
    assert.equal(r.listeners, undefined);
    // §6.3.3: 3×TARGETDURATION (9 s) from the end of 4 × 3 s segments is chunk 1743.
    assert.deepEqual(s.paths(), ['/live/master.m3u8', '/live/playlist_16701.m3u8', '/live/chunk_1743_a.aac']);
    assert.equal(s.requests[2]!.headers.range, `bytes=0-${SEGMENT_PROBE_BYTES - 1}`);
  });

  test('a media playlist URL directly; join.ms counts from the start of the probe to the segment\'s headers', async (t) => {
    const s = await origin({
      '/m.m3u8': (res) => setTimeout(() => res.writeHead(200).end(mediaText(5, 1)), 60),
      '/s5.ts': (res) => setTimeout(() => res.writeHead(200, { 'content-type': 'video/mp2t' }).end(Buffer.alloc(900, 1)), 60),
    });
    t.after(() => s.close());
    const r = await probe(stream(`${s.url}/m.m3u8`), newHarness().context());
    assert.equal(r.join.ok, true);
    assert.equal(r.join.bytes, 900);
    assert.ok(r.join.ms >= 110, `ms ${r.join.ms} covers both requests`);
  });

  test('ENDLIST → ended, join error ended, no segment fetched', async (t) => {
    const s = await origin({ '/m.m3u8': fixture('media-ended.m3u8') });
    t.after(() => s.close());
    const r = await probe(stream(`${s.url}/m.m3u8`), newHarness().context());
    assert.deepEqual(joined(r), { state: 'ended', ok: false, error: 'ended' });
    assert.deepEqual(r.extra, { targetDuration: 3, mediaSequence: 4188, segments: 2 });
    assert.deepEqual(s.paths(), ['/m.m3u8']);
  });

  test('stall clock (ctx.now): live, late past 1.5×TD, stalled at 3×TD, fresh again when a segment arrives', async (t) => {
    const s = await origin({ '/m.m3u8': mediaText(100, 3, { td: 2 }), '/s100.ts': segment(500), '/s101.ts': segment(500) });
    t.after(() => s.close());
    let now = 1_000_000;
    const h = newHarness({ now: () => now });
    const at = async (ms: number) => {
      now = 1_000_000 + ms;
      return probe(stream(`${s.url}/m.m3u8`), h.context());
    };
    assert.deepEqual(joined(await at(0)), { state: 'live', ok: true, error: undefined });
    assert.equal((await at(3_000)).extra?.late, undefined);
    const late = await at(3_001);
    assert.deepEqual([late.join.ok, late.extra?.late], [true, true]);
    assert.deepEqual(joined(await at(5_999)), { state: 'live', ok: true, error: undefined });
    const stalled = await at(6_000);
    assert.deepEqual(joined(stalled), { state: 'live', ok: false, error: 'stalled' });
    assert.deepEqual(stalled.extra, { targetDuration: 2, mediaSequence: 100, segments: 3 });
    s.routes['/m.m3u8'] = mediaText(101, 3, { td: 2 });
    assert.deepEqual(joined(await at(7_000)), { state: 'live', ok: true, error: undefined });
    assert.deepEqual(joined(await at(12_999)), { state: 'live', ok: true, error: undefined });
    assert.equal((await at(13_000)).join.error, 'stalled');
  });

  test('a decreasing media sequence → stream-restart event, and the stall clock restarts', async (t) => {
    const s = await origin({ '/m.m3u8': mediaText(500, 3, { td: 2 }), '/s500.ts': segment(500), '/s0.ts': segment(500) });
    t.after(() => s.close());
    let now = 0;
    const h = newHarness({ now: () => now });
    const first = await probe(stream(`${s.url}/m.m3u8`), h.context());
    assert.equal(first.events, undefined);
    s.routes['/m.m3u8'] = mediaText(0, 3, { td: 2 });
    now = 5_900; // just under 3×TD since the last advance
    const r = await probe(stream(`${s.url}/m.m3u8`), h.context());
    assert.deepEqual(r.events, [{ type: 'stream-restart', data: { from: 502, to: 2 } }]);
    assert.deepEqual(joined(r), { state: 'live', ok: true, error: undefined });
    now = 11_000; // 5.1 s after the restart: not stalled, the clock restarted with it
    const again = await probe(stream(`${s.url}/m.m3u8`), h.context());
    assert.equal(again.join.ok, true);
    assert.equal(again.events, undefined);
  });

  for (const status of [404, 410]) {
    for (const [step, missing] of [
      ['playlist', '/master.m3u8'],
      ['variant', '/playlist_16701.m3u8'],
      ['segment', '/chunk_1743_a.aac'],
    ] as const) {
      test(`${status} on the ${step} request → not_found, step recorded`, async (t) => {
        const s = await origin({
          '/master.m3u8': fixture('master.m3u8'),
          '/playlist_16701.m3u8': fixture('media-live.m3u8'),
          '/chunk_1743_a.aac': segment(1_000),
          [missing]: (res) => res.writeHead(status).end(),
        });
        t.after(() => s.close());
        const r = await probe(stream(`${s.url}/master.m3u8`), newHarness().context());
        assert.deepEqual(joined(r), { state: 'unknown', ok: false, error: 'not_found' });
        assert.deepEqual(r.extra, { status, step });
      });
    }
  }

  for (const [name, body, error] of [
    ['an empty playlist', '', 'invalid_payload'],
    ['a playlist without #EXTM3U', '#EXT-X-TARGETDURATION:3\n#EXTINF:3,\ns0.ts\n', 'invalid_payload'],
    ['a playlist of garbage tags and no segments', '#EXTM3U\n#EXT-X-NONSENSE:1\nhello world\n#EXT-X-VERSION:3\n', 'invalid_payload'],
    ['an HTML error page', '<!doctype html><title>502</title>', 'invalid_payload'],
  ] as const) {
    test(`${name} → ${error}`, async (t) => {
      const s = await origin({ '/m.m3u8': body });
      t.after(() => s.close());
      const r = await probe(stream(`${s.url}/m.m3u8`), newHarness().context());
      assert.deepEqual(joined(r), { state: 'unknown', ok: false, error });
      assert.equal(r.extra?.step, 'playlist');
    });
  }

  test('garbage lines around valid segments are tolerated (RFC 8216 §6.3.1)', async (t) => {
    const text = ['#EXTM3U', '#EXT-X-WHATEVER:X=1', '# just a comment', 'not-a-segment.txt', '#EXT-X-TARGETDURATION:2', '#EXT-X-MEDIA-SEQUENCE:9', '#EXTZZZ', '#EXTINF:2.0,', 's9.ts', '', '#EXT-X-FUTURE'].join('\n');
    const s = await origin({ '/m.m3u8': text, '/s9.ts': segment(2_000) });
    t.after(() => s.close());
    const r = await probe(stream(`${s.url}/m.m3u8`), newHarness().context());
    assert.deepEqual(joined(r), { state: 'live', ok: true, error: undefined });
    assert.deepEqual(s.paths(), ['/m.m3u8', '/s9.ts']);
  });

  test('a playlist that is not UTF-8 → invalid_payload', async (t) => {
    const bytes = Buffer.concat([Buffer.from('#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\n'), Buffer.from([0xff, 0xfe, 0x41]), Buffer.from('.ts\n')]);
    const s = await origin({ '/m.m3u8': (res) => res.writeHead(200).end(bytes) });
    t.after(() => s.close());
    assert.equal((await probe(stream(`${s.url}/m.m3u8`), newHarness().context())).join.error, 'invalid_payload');
  });

  test('a master pointing at another master → invalid_payload', async (t) => {
    const s = await origin({ '/master.m3u8': fixture('master.m3u8'), '/playlist_16701.m3u8': fixture('master.m3u8') });
    t.after(() => s.close());
    const r = await probe(stream(`${s.url}/master.m3u8`), newHarness().context());
    assert.deepEqual([r.join.error, r.extra?.step], ['invalid_payload', 'variant']);
  });

  test('relative URIs resolve against the URL that answered, after a redirect', async (t) => {
    const s = await origin({
      '/entry.m3u8': (res) => res.writeHead(302, { location: '/cdn/a/media.m3u8' }).end(),
      '/cdn/a/media.m3u8': mediaText(0, 1),
      '/cdn/a/s0.ts': segment(300),
    });
    t.after(() => s.close());
    const r = await probe(stream(`${s.url}/entry.m3u8`), newHarness().context());
    assert.equal(r.join.ok, true);
    assert.equal(s.paths().at(-1), '/cdn/a/s0.ts');
  });

  test('a server that ignores Range cannot make the probe download the segment: the cap ends the read, the join succeeds', async (t) => {
    const big = Buffer.alloc(2 * 1024 * 1024, 0x47);
    const s = await origin({
      '/m.m3u8': mediaText(0, 2),
      // Chunked: no declared length, so bytes arrive until the cap is passed.
      '/s0.ts': (res) => {
        res.writeHead(200, { 'content-type': 'video/mp2t' });
        res.write(big.subarray(0, 64 * 1024));
        res.end(big.subarray(64 * 1024));
      },
      '/s1.ts': (res) => res.writeHead(200, { 'content-type': 'video/mp2t', 'content-length': big.length }).end(big),
    });
    t.after(() => s.close());
    const r = await probe(stream(`${s.url}/m.m3u8`), newHarness().context());
    assert.deepEqual(joined(r), { state: 'live', ok: true, error: undefined });
    assert.equal(r.join.bytes, SEGMENT_PROBE_BYTES);
    // With a declared Content-Length over the cap no byte is read; the 2xx answer for it is the evidence.
    s.routes['/m.m3u8'] = mediaText(1, 1);
    const declared = await probe(stream(`${s.url}/m.m3u8`), newHarness().context());
    assert.deepEqual([declared.join.ok, declared.join.bytes], [true, 0]);
  });

  test('the segment read is capped by ctx.maxBytes when that is smaller', async (t) => {
    const s = await origin({ '/m.m3u8': mediaText(0, 1), '/s0.ts': segment(50_000) });
    t.after(() => s.close());
    const r = await probe(stream(`${s.url}/m.m3u8`), newHarness().context({ maxBytes: 4_096 }));
    assert.equal(r.join.bytes, 4_096);
    assert.equal(s.requests[1]!.headers.range, 'bytes=0-4095');
  });

  test('a playlist over ctx.maxBytes → body_too_large', async (t) => {
    const s = await origin({ '/m.m3u8': mediaText(0, 400) });
    t.after(() => s.close());
    assert.equal((await probe(stream(`${s.url}/m.m3u8`), newHarness().context({ maxBytes: 2_048 }))).join.error, 'body_too_large');
  });

  for (const [name, route] of [
    ['an HTML page served as a segment', (res: ServerResponse) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<html>oops</html>')],
    ['an empty segment', (res: ServerResponse) => res.writeHead(200, { 'content-type': 'video/mp2t', 'content-length': 0 }).end()],
  ] as const) {
    test(`${name} → invalid_payload at step segment`, async (t) => {
      const s = await origin({ '/m.m3u8': mediaText(0, 1), '/s0.ts': route });
      t.after(() => s.close());
      const r = await probe(stream(`${s.url}/m.m3u8`), newHarness().context());
      assert.deepEqual([r.join.error, r.extra?.step], ['invalid_payload', 'segment']);
    });
  }

  test('a segment 503 → http_5xx', async (t) => {
    const s = await origin({ '/m.m3u8': mediaText(0, 1), '/s0.ts': (res) => res.writeHead(503).end() });
    t.after(() => s.close());
    assert.equal((await probe(stream(`${s.url}/m.m3u8`), newHarness().context())).join.error, 'http_5xx');
  });

  test('a segment that never answers → timeout within the budget, ms counted from the start', async (t) => {
    const s = await origin({ '/m.m3u8': mediaText(0, 1), '/s0.ts': () => undefined });
    t.after(() => s.close());
    const r = await probe(stream(`${s.url}/m.m3u8`), newHarness().context({ timeoutMs: 300 }));
    assert.deepEqual([r.join.error, r.extra?.step], ['timeout', 'segment']);
    assert.ok(r.join.ms >= 250 && r.join.ms < 1_500, `ms ${r.join.ms}`);
  });

  test('join: false reads the playlists only', async (t) => {
    const s = await origin({ '/m.m3u8': mediaText(0, 1) });
    t.after(() => s.close());
    const r = await probe(stream(`${s.url}/m.m3u8`, { join: false }), newHarness().context());
    assert.deepEqual(joined(r), { state: 'live', ok: true, error: undefined });
    assert.deepEqual(s.paths(), ['/m.m3u8']);
  });
});

describe('hls probe against ffmpeg\'s HLS muxer', () => {
  // hls_time 1 → TARGETDURATION 1, so a stall is due 3 s after the last new segment. Each test has
  // its own origin (folder, server, encoder), closed by its after hook whether it passes or fails.
  async function live(t: TestContext, startNumber = 0): Promise<HlsOrigin> {
    const o = await hlsOrigin();
    t.after(() => o.close());
    await o.start({ startNumber });
    return o;
  }

  /** Probes every 100 ms until `done` says so; returns that result. */
  async function probeUntil(h: Harness, url: string, done: (r: ProbeResult) => boolean, ms: number, what: string): Promise<ProbeResult> {
    let last: ProbeResult | undefined;
    await waitFor(async () => {
      last = await probe(stream(url), h.context());
      return done(last);
    }, ms, `${what} (last: ${JSON.stringify(last)})`);
    return last!;
  }

  test('fresh while ffmpeg runs (through the master playlist), and never stalled over several target durations', async (t) => {
    const o = await live(t);
    const h = newHarness();
    const results: ProbeResult[] = [];
    const until = Date.now() + 4_000;
    while (Date.now() < until) {
      results.push(await probe(stream(o.masterUrl), h.context()));
      await new Promise((r) => setTimeout(r, 200));
    }
    for (const r of results) {
      assert.deepEqual(joined(r), { state: 'live', ok: true, error: undefined }, JSON.stringify(r));
      assert.ok(r.join.ms > 0 && r.join.bytes! > 0, JSON.stringify(r.join));
      assert.equal(r.extra?.targetDuration, 1);
    }
    const seqs = results.map((r) => Number(r.extra?.mediaSequence) + Number(r.extra?.segments));
    assert.ok(seqs.at(-1)! > seqs[0]!, `the stream advanced: ${seqs.join(',')}`);
  });

  test('stalled once 3×TARGETDURATION passes after ffmpeg is SIGKILLed (no ENDLIST)', async (t) => {
    const o = await live(t);
    const h = newHarness();
    await probeUntil(h, o.url, (r) => r.join.ok, 5_000, 'a fresh join');
    await o.stop('SIGKILL');
    const killedAt = Date.now();
    assert.doesNotMatch(o.playlist(), /#EXT-X-ENDLIST/);
    const r = await probeUntil(h, o.url, (x) => x.join.error === 'stalled', 10_000, 'stalled');
    assert.deepEqual(joined(r), { state: 'live', ok: false, error: 'stalled' });
    // The last new segment came at most one target duration before the kill.
    assert.ok(Date.now() - killedAt >= 3_000 - 1_000, `stalled ${Date.now() - killedAt} ms after the kill`);
  });

  test('ended when ffmpeg stops cleanly (SIGINT writes EXT-X-ENDLIST)', async (t) => {
    const o = await live(t);
    const h = newHarness();
    await probeUntil(h, o.url, (r) => r.join.ok, 5_000, 'a fresh join');
    await o.stop('SIGINT');
    assert.match(o.playlist(), /#EXT-X-ENDLIST/);
    const r = await probe(stream(o.masterUrl), h.context());
    assert.deepEqual(joined(r), { state: 'ended', ok: false, error: 'ended' });
  });

  test('a stream-restart event when a new encoder starts the sequence over', async (t) => {
    const o = await live(t, 500);
    const h = newHarness();
    const before = await probeUntil(h, o.url, (r) => r.join.ok, 5_000, 'a fresh join');
    assert.ok(Number(before.extra?.mediaSequence) >= 500);
    await o.start({ startNumber: 0 }); // kills the first encoder, starts another at 0
    const r = await probeUntil(h, o.url, (x) => x.events !== undefined, 10_000, 'a stream-restart event');
    assert.equal(r.events!.length, 1);
    const { type, data } = r.events![0]!;
    assert.equal(type, 'stream-restart');
    assert.ok(Number(data!.from) >= 500 && Number(data!.to) < 500, JSON.stringify(data));
    assert.deepEqual(joined(r), { state: 'live', ok: true, error: undefined });
  });

  test('not_found once the folder is deleted', async (t) => {
    const o = await live(t);
    const h = newHarness();
    await probeUntil(h, o.url, (r) => r.join.ok, 5_000, 'a fresh join');
    await o.stop('SIGKILL');
    o.removeFolder();
    for (const url of [o.url, o.masterUrl]) {
      const r = await probe(stream(url), h.context());
      assert.deepEqual(joined(r), { state: 'unknown', ok: false, error: 'not_found' });
      assert.deepEqual(r.extra, { status: 404, step: 'playlist' });
    }
  });
});
