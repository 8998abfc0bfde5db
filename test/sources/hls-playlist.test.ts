import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import {
  isAudioOnly,
  joinSegment,
  newestSequence,
  parseAttributeList,
  parsePlaylist,
  pickVariant,
  type MediaPlaylist,
  type Variant,
} from '../../src/sources/hls-playlist.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/hls/${name}`, import.meta.url), 'utf8');
const BASE = 'https://cdn.example.com/live/abc/index.m3u8';

function media(text: string, base = BASE): MediaPlaylist {
  const r = parsePlaylist(text, base);
  assert.ok(r.ok, `expected a playlist, got: ${r.ok ? '' : r.reason}`);
  assert.equal(r.playlist.kind, 'media');
  return r.playlist as MediaPlaylist;
}

describe('parsePlaylist: fixtures', () => {
  test('master.m3u8: one audio variant, resolved against the playlist URL', () => {
    const r = parsePlaylist(fixture('master.m3u8'), BASE);
    assert.deepEqual(r, {
      ok: true,
      playlist: { kind: 'master', variants: [{ url: 'https://cdn.example.com/live/abc/playlist_16701.m3u8', bandwidth: 72000, codecs: ['mp4a.40.2'] }] },
    });
  });

  test('media-live.m3u8: target duration, media sequence, numbered segments, no ENDLIST', () => {
    const p = media(fixture('media-live.m3u8'));
    assert.deepEqual(
      { td: p.targetDuration, seq: p.mediaSequence, end: p.endList, n: p.segments.length },
      { td: 3, seq: 1742, end: false, n: 4 },
    );
    assert.deepEqual(p.segments[0], { url: 'https://cdn.example.com/live/abc/chunk_1742_a.aac', duration: 3, sequence: 1742 });
    assert.equal(p.segments[3]!.sequence, 1745);
    assert.equal(newestSequence(p), 1745);
  });

  test('media-ended.m3u8: EXT-X-ENDLIST', () => {
    const p = media(fixture('media-ended.m3u8'));
    assert.equal(p.endList, true);
    assert.deepEqual(p.segments.map((s) => [s.sequence, s.duration]), [[4188, 3], [4189, 1.42]]);
  });
});

describe('parsePlaylist: RFC 8216 rules', () => {
  const seg = '#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\na.ts\n';
  // [name, text, expected summary or the invalid reason it must match]
  const cases: [string, string, { seq: number; n: number; td?: number; end?: boolean } | RegExp][] = [
    ['minimal media playlist; MEDIA-SEQUENCE absent = 0 (§4.3.3.2)', `#EXTM3U\n${seg}`, { seq: 0, n: 1, td: 2 }],
    ['CRLF line endings (§4.1)', `#EXTM3U\r\n#EXT-X-TARGETDURATION:2\r\n#EXT-X-MEDIA-SEQUENCE:7\r\n#EXTINF:2,\r\na.ts\r\n`, { seq: 7, n: 1 }],
    ['unknown tags, comments, blank lines are ignored (§6.3.1, §4.1)', `#EXTM3U\n#EXT-X-FUTURE-TAG:FOO=1\n# a comment\n\n#EXT-X-PROGRAM-DATE-TIME:2024-08-13T00:00:00Z\n#EXTGARBAGE\n${seg}#EXT-X-UNKNOWN\n`, { seq: 0, n: 1 }],
    ['a URI line without EXTINF is not a segment', `#EXTM3U\n#EXT-X-TARGETDURATION:2\nstray text here\n#EXTINF:2,\na.ts\n`, { seq: 0, n: 1 }],
    ['EXTINF with a title', `#EXTM3U\n#EXT-X-TARGETDURATION:6\n#EXTINF:5.005,Title, with comma\na.ts\n`, { seq: 0, n: 1, td: 6 }],
    ['ENDLIST', `#EXTM3U\n${seg}#EXT-X-ENDLIST\n`, { seq: 0, n: 1, end: true }],
    ['surrounding whitespace on lines is tolerated', `  #EXTM3U  \n${seg}`, { seq: 0, n: 1 }],
    ['empty body', '', /empty playlist/],
    ['whitespace only', '\n  \n', /empty playlist/],
    ['no #EXTM3U', seg, /first line is not #EXTM3U/],
    ['#EXTM3U not first', `\n#EXTM3U\n${seg}`, /first line is not #EXTM3U/],
    ['HTML error page', '<html><body>502 Bad Gateway</body></html>', /first line is not #EXTM3U/],
    ['byte order mark (§4.1)', `\uFEFF#EXTM3U\n${seg}`, /byte order mark/],
    ['header only', '#EXTM3U\n', /no segments and no variants/],
    ['only garbage tags', '#EXTM3U\n#EXT-X-VERSION:3\n#FOO\nbar\n#EXT-X-WHATEVER:1\n', /no segments and no variants/],
    ['media tags but no segments', '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:4\n', /no segments/],
    ['no TARGETDURATION (§4.3.3.1)', '#EXTM3U\n#EXTINF:2,\na.ts\n', /EXT-X-TARGETDURATION/],
    ['TARGETDURATION zero', '#EXTM3U\n#EXT-X-TARGETDURATION:0\n#EXTINF:2,\na.ts\n', /not a positive number/],
    ['TARGETDURATION garbage', '#EXTM3U\n#EXT-X-TARGETDURATION:soon\n#EXTINF:2,\na.ts\n', /not a positive number/],
    ['MEDIA-SEQUENCE negative', `#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:-3\n${seg}`, /MEDIA-SEQUENCE is not an integer/],
    ['MEDIA-SEQUENCE beyond 2^53', `#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:18446744073709551615\n${seg}`, /MEDIA-SEQUENCE is not an integer/],
    ['EXTINF garbage', '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:two,\na.ts\n', /EXTINF duration/],
    ['master and media tags mixed (§4.3.4)', `#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nv.m3u8\n${seg}`, /mixes master and media/],
    ['master whose variant URI is missing', '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n', /without a usable variant/],
  ];
  for (const [name, text, want] of cases) {
    test(name, () => {
      const r = parsePlaylist(text, BASE);
      if (want instanceof RegExp) {
        assert.equal(r.ok, false, 'expected invalid');
        assert.match((r as { reason: string }).reason, want);
        return;
      }
      const p = media(text);
      assert.equal(p.mediaSequence, want.seq);
      assert.equal(p.segments.length, want.n);
      if (want.td !== undefined) assert.equal(p.targetDuration, want.td);
      assert.equal(p.endList, want.end ?? false);
    });
  }

  test('relative, root-relative and absolute URIs resolve against the playlist URL; non-http(s) ones are dropped', () => {
    const p = media(
      ['#EXTM3U', '#EXT-X-TARGETDURATION:2', '#EXTINF:2,', 'a.ts', '#EXTINF:2,', '../other/b.ts', '#EXTINF:2,', '/root/c.ts', '#EXTINF:2,', 'https://edge.example.net/d.ts?tok=1', '#EXTINF:2,', 'file:///etc/passwd', '#EXTINF:2,', 'data:audio/aac;base64,AAAA'].join('\n'),
    );
    assert.deepEqual(
      p.segments.map((s) => s.url),
      ['https://cdn.example.com/live/abc/a.ts', 'https://cdn.example.com/live/other/b.ts', 'https://cdn.example.com/root/c.ts', 'https://edge.example.net/d.ts?tok=1'],
    );
  });

  test('a playlist type, when given', () => {
    assert.equal(media(`#EXTM3U\n#EXT-X-PLAYLIST-TYPE:EVENT\n${seg}`).playlistType, 'EVENT');
    assert.equal(media(`#EXTM3U\n#EXT-X-PLAYLIST-TYPE:SOMETHING\n${seg}`).playlistType, undefined);
  });
});

describe('parseAttributeList (§4.2)', () => {
  const cases: [string, Record<string, string>][] = [
    ['BANDWIDTH=72000,CODECS="mp4a.40.2"', { BANDWIDTH: '72000', CODECS: 'mp4a.40.2' }],
    ['CODECS="avc1.42e00a,mp4a.40.2",BANDWIDTH=1280000,RESOLUTION=640x360', { CODECS: 'avc1.42e00a,mp4a.40.2', BANDWIDTH: '1280000', RESOLUTION: '640x360' }],
    ['BANDWIDTH=1, AUDIO="aac"', { BANDWIDTH: '1', AUDIO: 'aac' }],
    ['garbage,BANDWIDTH=5', { BANDWIDTH: '5' }],
    ['', {}],
    ['lowercase=1,BANDWIDTH=2', { BANDWIDTH: '2' }],
  ];
  for (const [text, want] of cases) test(JSON.stringify(text), () => assert.deepEqual(parseAttributeList(text), want));
});

describe('pickVariant: lowest-bandwidth audio-only variant', () => {
  const v = (url: string, bandwidth: number | undefined, codecs: string[] = [], resolution?: string): Variant => ({
    url,
    codecs,
    ...(bandwidth === undefined ? {} : { bandwidth }),
    ...(resolution ? { resolution } : {}),
  });
  const cases: [string, Variant[], string | undefined][] = [
    ['lowest of several audio variants', [v('hi', 256000, ['mp4a.40.2']), v('lo', 64000, ['mp4a.40.5']), v('mid', 128000, ['mp4a.40.2'])], 'lo'],
    ['audio-only beats a cheaper video variant', [v('video', 40000, ['avc1.42e00a', 'mp4a.40.2'], '320x180'), v('audio', 72000, ['mp4a.40.2'])], 'audio'],
    ['no CODECS: no RESOLUTION counts as audio', [v('video', 40000, [], '320x180'), v('audio', 90000)], 'audio'],
    ['video only: the cheapest video variant', [v('v2', 800000, ['avc1.4d401f', 'mp4a.40.2']), v('v1', 300000, ['avc1.42e00a', 'mp4a.40.2'])], 'v1'],
    ['a variant without BANDWIDTH ranks last', [v('nobw', undefined, ['mp4a.40.2']), v('bw', 500000, ['mp4a.40.2'])], 'bw'],
    ['Opus, AC-3, E-AC-3 are audio', [v('opus', 50000, ['opus']), v('ac3', 40000, ['ac-3']), v('v', 10000, ['hvc1.1.6.L93.B0'])], 'ac3'],
    ['none', [], undefined],
  ];
  for (const [name, variants, want] of cases) test(name, () => assert.equal(pickVariant(variants)?.url, want));

  test('isAudioOnly', () => {
    assert.equal(isAudioOnly(v('a', 1, ['mp4a.40.2'])), true);
    assert.equal(isAudioOnly(v('a', 1, ['mp4a.40.2', 'avc1.64001f'])), false);
    assert.equal(isAudioOnly(v('a', 1, [], '1x1')), false);
  });
});

describe('joinSegment: where a listener starts (§6.3.3)', () => {
  const playlist = (durations: number[], td: number, endList = false): MediaPlaylist => ({
    kind: 'media',
    targetDuration: td,
    mediaSequence: 100,
    endList,
    segments: durations.map((duration, i) => ({ url: `s${100 + i}`, duration, sequence: 100 + i })),
  });
  const cases: [string, MediaPlaylist, string][] = [
    ['live: the last segment starting ≥ 3 target durations from the end', playlist([3, 3, 3, 3, 3], 3), 's102'],
    ['live, fractional durations', playlist([1.02, 0.99, 1, 0.95, 1.04], 1), 's101'],
    ['live, shorter than 3 target durations: the first', playlist([3, 3], 3), 's100'],
    ['ended: the first', playlist([3, 3, 3, 3, 3], 3, true), 's100'],
  ];
  for (const [name, p, want] of cases) test(name, () => assert.equal(joinSegment(p).url, want));
});
