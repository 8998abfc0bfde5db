import { Type } from '@sinclair/typebox';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { AudioLevelConfig } from '../../src/sources/audio-level-config.js';
import { ffmpegArgs, LEVEL_FLOOR_DB, LevelError, measureLevel, parseAstats, STARTUP_ALLOWANCE_MS, withAudioLevel, type Level } from '../../src/sources/audio-level.js';
import type { ProbeResult, SourceDefinition } from '../../src/sources/source.js';
import { captureLog, harness, serve, target, type TestServer } from './helpers.js';

// Real ffmpeg throughout: it makes the test audio (lavfi sources) and it measures it, served by a
// real HTTP server the way a radio stream or an HLS origin would serve it.

const h = harness();
const AMPLITUDE = 0.5;
const QUIET_AMPLITUDE = 0.001;
// A sine of peak amplitude A has peak level 20·log10(A) dBFS and RMS A/√2, so 20·log10(A/√2) dBFS.
const toneDb = (a: number): Level => ({ meanDb: 20 * Math.log10(a / Math.SQRT2), maxDb: 20 * Math.log10(a) });
const TONE = toneDb(AMPLITUDE); // about -9.03 dBFS mean, -6.02 peak
const QUIET = toneDb(QUIET_AMPLITUDE); // about -63 dBFS mean: not digital silence, but dead air to a listener

let dir: string;
let server: TestServer;
let base: string;
/** Connections to /live.mp3 still open. */
let liveOpen = 0;
/** Connections to /slow that have closed. */
let slowClosed = 0;
const files: Record<string, { type: string; body: Buffer }> = {};

function ffmpeg(...args: string[]): void {
  execFileSync('ffmpeg', ['-y', '-hide_banner', '-loglevel', 'error', ...args], { stdio: 'ignore' });
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'spacewatch-level-'));
  const sine = (a: number) => `aevalsrc=${a}*sin(2*PI*440*t):s=44100:d=3`;
  ffmpeg('-f', 'lavfi', '-i', sine(AMPLITUDE), '-c:a', 'pcm_s16le', join(dir, 'tone.wav'));
  ffmpeg('-f', 'lavfi', '-i', sine(QUIET_AMPLITUDE), '-c:a', 'pcm_s16le', join(dir, 'quiet.wav'));
  ffmpeg('-f', 'lavfi', '-i', 'aevalsrc=0:s=44100:d=3', '-c:a', 'pcm_s16le', join(dir, 'silence.wav'));
  ffmpeg('-f', 'lavfi', '-i', sine(AMPLITUDE), '-c:a', 'libmp3lame', '-b:a', '128k', join(dir, 'tone.mp3'));
  mkdirSync(join(dir, 'hls'));
  ffmpeg('-f', 'lavfi', '-i', sine(AMPLITUDE), '-c:a', 'aac', '-f', 'hls', '-hls_time', '1', '-hls_playlist_type', 'vod', join(dir, 'hls', 'out.m3u8'));
  // A playlist from a stranger pointing ffmpeg at a local file.
  writeFileSync(join(dir, 'hls', 'evil.m3u8'), `#EXTM3U\n#EXT-X-TARGETDURATION:3\n#EXTINF:3.0,\nfile://${join(dir, 'tone.wav')}\n#EXT-X-ENDLIST\n`);
  for (const name of ['tone.wav', 'quiet.wav', 'silence.wav']) files[`/${name}`] = { type: 'audio/wav', body: readFileSync(join(dir, name)) };
  for (const name of ['out.m3u8', 'evil.m3u8', 'out0.ts', 'out1.ts', 'out2.ts']) {
    files[`/hls/${name}`] = { type: name.endsWith('.ts') ? 'video/mp2t' : 'application/vnd.apple.mpegurl', body: readFileSync(join(dir, 'hls', name)) };
  }
  const mp3 = readFileSync(join(dir, 'tone.mp3'));

  server = await serve((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/live.mp3') {
      // An endless live stream at its own bitrate (128 kbit/s = 1.6 KB per 100 ms), looping the tone.
      liveOpen++;
      res.on('close', () => liveOpen--);
      res.writeHead(200, { 'content-type': 'audio/mpeg' });
      let at = 0;
      const timer = setInterval(() => {
        const end = Math.min(at + 1600, mp3.length);
        res.write(mp3.subarray(at, end));
        at = end === mp3.length ? 0 : end;
      }, 100);
      res.on('close', () => clearInterval(timer));
      return;
    }
    if (path === '/slow') {
      res.on('close', () => slowClosed++);
      return void res.writeHead(200, { 'content-type': 'audio/mpeg' }).flushHeaders();
    }
    if (path === '/page') return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Stream offline</body></html>');
    const file = files[path];
    if (!file) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': file.type, 'content-length': file.body.length }).end(file.body);
  });
  base = server.url;
});

after(async () => {
  await server?.close();
  await h.close();
  rmSync(dir, { recursive: true, force: true });
});

async function levelError(p: Promise<unknown>): Promise<LevelError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof LevelError, `expected a LevelError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the measurement to fail');
}

const near = (got: number, want: number, tolerance: number, what: string) =>
  assert.ok(Math.abs(got - want) <= tolerance, `${what}: ${got.toFixed(2)} dB, expected ${want.toFixed(2)} ± ${tolerance}`);

describe('parseAstats', () => {
  const line = (text: string) => `[Parsed_astats_0 @ 0x55e557524d40] ${text}`;
  const overall = (rms: string, peak: string, samples = '132300') => [line('Overall'), line('DC offset: 0.000000'), line(`Peak level dB: ${peak}`), line(`RMS level dB: ${rms}`), line('Flat factor: 0.000000'), line(`Number of samples: ${samples}`)];
  const channel = (n: number, rms: string, peak: string) => [line(`Channel: ${n}`), line(`Peak level dB: ${peak}`), line(`RMS level dB: ${rms}`)];
  const header = ['Input #0, wav, from \'http://127.0.0.1:4000/tone.wav\':', '  Duration: 00:00:03.00, bitrate: 705 kb/s', 'size=N/A time=00:00:01.00 bitrate=N/A speed= 100x'];
  const cases: [string, string[], Level | undefined][] = [
    ['mono: the Overall section', [...header, ...channel(1, '-21.073730', '-18.063656'), ...overall('-21.073730', '-18.063656')], { meanDb: -21.07373, maxDb: -18.063656 }],
    ['stereo: Overall, not the first channel', [...channel(1, '-12.5', '-9.0'), ...channel(2, '-30.5', '-27.0'), ...overall('-15.4', '-9.0')], { meanDb: -15.4, maxDb: -9 }],
    ['digital silence is -inf', [...channel(1, '-inf', '-inf'), ...overall('-inf', '-inf')], { meanDb: -Infinity, maxDb: -Infinity }],
    ['CRLF line ends', [...overall('-3.5', '-0.5')].map((l) => `${l}\r`), { meanDb: -3.5, maxDb: -0.5 }],
    ['the last run when stderr holds two', [...overall('-40', '-30'), ...overall('-20', '-10')], { meanDb: -20, maxDb: -10 }],
    ['no Overall section (ffmpeg failed)', [...header, 'http://127.0.0.1:4000/x: Server returned 404 Not Found'], undefined],
    ['Overall cut short before the RMS line', [line('Overall'), line('Peak level dB: -3.0')], undefined],
    ['no samples measured', overall('-inf', '-inf', '0'), undefined],
    ['a level that is not a number', overall('nan', '-3.0'), undefined],
    ['empty', [], undefined],
  ];
  for (const [name, lines, want] of cases) test(name, () => assert.deepEqual(parseAstats(lines.join('\n')), want));
});

describe('ffmpegArgs', () => {
  test('the URL is one argument, right after -i, whatever it contains; -t bounds the input', () => {
    const url = "http://h/x?a=1;rm -rf /&b=$(id)`id`|'\"";
    const args = ffmpegArgs(url, 3);
    assert.equal(args[args.indexOf('-i') + 1], url);
    assert.equal(args.filter((a) => a === url).length, 1);
    assert.ok(args.indexOf('-t') < args.indexOf('-i'), '-t is an input option');
    assert.equal(args[args.indexOf('-protocol_whitelist') + 1], 'http,https,tcp,tls,crypto,httpproxy');
  });
});

describe('measureLevel (real ffmpeg)', () => {
  test('a tone served over HTTP reads at its computed level', async () => {
    const level = await measureLevel(`${base}/tone.wav`, { seconds: 1 });
    near(level.meanDb, TONE.meanDb, 0.1, 'mean');
    near(level.maxDb, TONE.maxDb, 0.1, 'peak');
  });

  test('digital silence reads -inf', async () => {
    const level = await measureLevel(`${base}/silence.wav`, { seconds: 1 });
    assert.ok(level.meanDb <= -90, `silence read ${level.meanDb} dB`);
    assert.equal(level.meanDb, -Infinity);
  });

  test('an endless live MP3 stream: -t ends the read after `seconds`, and the connection is let go', async () => {
    const started = performance.now();
    const level = await measureLevel(`${base}/live.mp3`, { seconds: 1 });
    const ms = performance.now() - started;
    // MP3 is lossy (and starts with the encoder's delay), so within 1 dB rather than 0.1.
    near(level.meanDb, TONE.meanDb, 1, 'mean');
    assert.ok(ms >= 800 && ms < 4_000, `a 1 s measurement of a real-time stream took ${Math.round(ms)} ms`);
    await waitFor(() => liveOpen === 0, 'the stream connection closed');
  });

  test('HLS: playlist and segments over HTTP', async () => {
    const level = await measureLevel(`${base}/hls/out.m3u8`, { seconds: 2 });
    near(level.meanDb, TONE.meanDb, 1, 'mean');
  });

  // ffmpeg 5's HLS demuxer already limits segments of a network playlist to network protocols; the
  // explicit -protocol_whitelist keeps that true whatever the build, and narrower (no udp, rtp, data).
  test('a playlist pointing at a local file is refused (nothing but network protocols, at any depth)', async () => {
    const err = await levelError(measureLevel(`${base}/hls/evil.m3u8`, { seconds: 1 }));
    assert.equal(err.reason, 'failed');
  });

  test('abort kills ffmpeg at once: timeout, and the connection closes', async () => {
    const before = slowClosed;
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const started = performance.now();
    const err = await levelError(measureLevel(`${base}/slow`, { seconds: 5, signal: controller.signal }));
    assert.equal(err.reason, 'timeout');
    assert.ok(performance.now() - started < 1_500, `returned after ${Math.round(performance.now() - started)} ms`);
    await waitFor(() => slowClosed === before + 1, 'ffmpeg’s connection closed');
  });

  test('its own deadline stops a stream that never sends audio', async () => {
    const started = performance.now();
    const err = await levelError(measureLevel(`${base}/slow`, { seconds: 1, timeoutMs: 500 }));
    assert.equal(err.reason, 'timeout');
    assert.ok(performance.now() - started < 1_500);
  });

  test('an already aborted signal: ffmpeg is not started', async () => {
    const err = await levelError(measureLevel(`${base}/tone.wav`, { seconds: 1, signal: AbortSignal.abort() }));
    assert.equal(err.reason, 'timeout');
  });

  test('404 → failed, with ffmpeg’s reason and without the URL (it may carry a token)', async () => {
    const err = await levelError(measureLevel(`${base}/gone.mp3?token=s3cr3t-T0KEN`, { seconds: 1 }));
    assert.equal(err.reason, 'failed');
    assert.match(err.message, /404/);
    assert.doesNotMatch(err.message, /s3cr3t/);
  });

  test('an HTML page is not audio → failed', async () => {
    assert.equal((await levelError(measureLevel(`${base}/page`, { seconds: 1 }))).reason, 'failed');
  });

  for (const url of ['file:///etc/passwd', 'concat:/etc/passwd|/etc/hosts', 'pipe:0', '-version', '/etc/passwd', 'not a url']) {
    test(`${url} is refused before ffmpeg runs`, async () => {
      const err = await levelError(measureLevel(url, { seconds: 1 }));
      assert.equal(err.reason, 'failed');
      assert.match(err.message, /not (http\(s\)|a URL)/);
    });
  }

  test('shell metacharacters in the URL reach the server as data and run nothing', async () => {
    const marker = join(dir, 'pwned');
    const payload = `;touch \${IFS}${marker};$(touch ${marker})\`touch ${marker}\`|touch ${marker}&&touch ${marker}'"`;
    const seen = server.requests.length;
    const level = await measureLevel(`${base}/tone.wav?q=${payload}`, { seconds: 1 });
    near(level.meanDb, TONE.meanDb, 0.1, 'mean');
    const got = server.requests.slice(seen).map((r) => decodeURIComponent(r.url ?? ''));
    assert.ok(got.some((u) => u.includes(`$(touch ${marker})`) && u.includes('`touch') && u.includes('|touch')), `server saw ${got.join(', ')}`);
    assert.equal(existsSync(marker), false, 'no command ran');
  });

  test('no ffmpeg at the path → unavailable', async () => {
    const err = await levelError(measureLevel(`${base}/tone.wav`, { seconds: 1, ffmpegPath: join(dir, 'no-such-ffmpeg') }));
    assert.equal(err.reason, 'unavailable');
  });
});

// A stand-in stream source: its join always succeeds, so what is under test is the decorator alone.
const StreamConfig = Type.Object({ kind: Type.Literal('stream'), url: Type.String(), audioLevel: Type.Optional(AudioLevelConfig) });
type StreamConfig = { kind: 'stream'; url: string; audioLevel?: AudioLevelConfig };

function streamSource(answer: () => ProbeResult = () => ({ state: 'live', listeners: 7, join: { ok: true, ms: 12, bytes: 100 }, extra: { status: 200 } })) {
  let calls = 0;
  const def: SourceDefinition<StreamConfig> = {
    kind: 'stream',
    configSchema: StreamConfig,
    probe: async () => (calls++, answer()),
    description: 'test stream',
  };
  return { def, calls: () => calls };
}

const streamTarget = (path: string, audioLevel?: AudioLevelConfig) => target<StreamConfig>({ kind: 'stream', url: `${base}${path}`, ...(audioLevel ? { audioLevel } : {}) });
const hits = (path: string) => server.requests.filter((r) => r.url === path).length;

describe('withAudioLevel', () => {
  const decorated = (ffmpegPath?: string) => withAudioLevel(streamSource().def, { streamUrl: (c) => c.url, ...(ffmpegPath ? { ffmpegPath } : {}) });

  test('keeps the source’s kind, schema and description', () => {
    const { def } = streamSource();
    const d = withAudioLevel(def, { streamUrl: (c) => c.url });
    assert.deepEqual([d.kind, d.configSchema, d.description], [def.kind, def.configSchema, def.description]);
  });

  test('a tone: levelDb (rounded to 0.1 dB) and silent false, beside the join result', async () => {
    const r = await decorated().probe(streamTarget('/tone.wav', { seconds: 1 }), h.context({ timeoutMs: 8_000, memory: {} }));
    assert.equal(r.join.ok, true);
    assert.equal(r.listeners, 7);
    assert.equal(r.extra?.status, 200);
    assert.equal(r.extra?.silent, false);
    near(r.extra?.levelDb as number, TONE.meanDb, 0.1, 'levelDb');
    assert.equal(r.extra?.levelDb, Math.round((r.extra?.levelDb as number) * 10) / 10);
  });

  test('digital silence: silent, stored at the floor (JSON has no -Infinity)', async () => {
    const r = await decorated().probe(streamTarget('/silence.wav', { seconds: 1 }), h.context({ timeoutMs: 8_000, memory: {} }));
    assert.deepEqual([r.extra?.silent, r.extra?.levelDb], [true, LEVEL_FLOOR_DB]);
  });

  for (const [silenceDb, silent] of [[undefined, true], [-70, false], [-60, true]] as const) {
    test(`a -63 dB hum with silenceDb ${silenceDb ?? 'default (-50)'} → silent ${silent}`, async () => {
      const r = await decorated().probe(streamTarget('/quiet.wav', { seconds: 1, ...(silenceDb === undefined ? {} : { silenceDb }) }), h.context({ timeoutMs: 8_000, memory: {} }));
      assert.equal(r.extra?.silent, silent);
      near(r.extra?.levelDb as number, QUIET.meanDb, 0.5, 'levelDb');
    });
  }

  test('sustained silence is a condition: silence-start at the first silent measurement, silence-end with its duration', async () => {
    let now = 2_000_000;
    const memory = {};
    const source = decorated();
    const probeAt = async (path: string, at: number) => {
      now = 2_000_000 + at;
      return source.probe(streamTarget(path, { seconds: 1, everyMs: 5_000 }), h.context({ timeoutMs: 8_000, memory, now: () => now }));
    };
    assert.equal((await probeAt('/tone.wav', 0)).events, undefined, 'audio: no condition');
    const start = await probeAt('/silence.wav', 5_000);
    assert.deepEqual(start.events, [{ type: 'silence-start', data: { levelDb: LEVEL_FLOOR_DB } }]);
    assert.equal((await probeAt('/silence.wav', 10_000)).events, undefined, 'still silent: no second start');
    const end = await probeAt('/tone.wav', 15_000);
    assert.equal(end.events?.length, 1);
    assert.equal(end.events![0]!.type, 'silence-end');
    assert.equal(end.events![0]!.data!.durationMs, 10_000);
  });

  test('measures at most once per everyMs (by the poller’s clock); nothing extra in between', async () => {
    let now = 1_000_000;
    const memory = {};
    const source = decorated();
    const t = streamTarget('/tone.wav', { seconds: 1, everyMs: 5_000 });
    const before = hits('/tone.wav');
    const measured: number[] = [];
    for (const at of [0, 1_000, 4_999, 5_000, 9_000, 9_999, 10_000]) {
      now = 1_000_000 + at;
      const r = await source.probe(t, h.context({ timeoutMs: 8_000, memory, now: () => now }));
      if (r.extra?.levelDb !== undefined) measured.push(at);
      else assert.deepEqual(r.extra, { status: 200 }, `at ${at}: the join's extra only`);
    }
    assert.deepEqual(measured, [0, 5_000, 10_000]);
    assert.equal(hits('/tone.wav') - before, 3, 'one stream request per measurement');
  });

  test('no audioLevel, a failed join, or no stream URL: the wrapped result as it was, no measurement', async () => {
    const before = hits('/tone.wav');
    const plain = streamSource();
    const wrapped = plain.def.probe(streamTarget('/tone.wav'), h.context());
    const r1 = await withAudioLevel(plain.def, { streamUrl: (c) => c.url }).probe(streamTarget('/tone.wav'), h.context({ memory: {} }));
    assert.deepEqual(r1, await wrapped);

    const failing = streamSource(() => ({ state: 'unknown', join: { ok: false, ms: 3, error: 'http_5xx' } }));
    const r2 = await withAudioLevel(failing.def, { streamUrl: (c) => c.url }).probe(streamTarget('/tone.wav', { seconds: 1 }), h.context({ timeoutMs: 8_000, memory: {} }));
    assert.deepEqual(r2, { state: 'unknown', join: { ok: false, ms: 3, error: 'http_5xx' } });

    const r3 = await withAudioLevel(streamSource().def, { streamUrl: () => undefined }).probe(streamTarget('/tone.wav', { seconds: 1 }), h.context({ timeoutMs: 8_000, memory: {} }));
    assert.equal(r3.extra?.levelDb, undefined);
    assert.equal(hits('/tone.wav'), before);
  });

  test('without ffmpeg: one warning across many probes and targets, the join result stands, level unavailable', async () => {
    const cap = captureLog();
    const { def, calls } = streamSource();
    const source = withAudioLevel(def, { streamUrl: (c) => c.url, ffmpegPath: join(dir, 'no-such-ffmpeg'), log: cap.log });
    let now = 0;
    const memory = {};
    const t = streamTarget('/tone.wav', { seconds: 1, everyMs: 5_000 });
    const results: ProbeResult[] = [];
    // Five targets probing at once (each its own memory), then one target over ten due slots.
    results.push(...(await Promise.all(Array.from({ length: 5 }, () => source.probe(t, h.context({ timeoutMs: 8_000, memory: {} }))))));
    for (let i = 0; i < 10; i++) {
      now += 5_000;
      results.push(await source.probe(t, h.context({ timeoutMs: 8_000, memory, now: () => now })));
    }
    assert.equal(calls(), 15);
    for (const r of results) {
      assert.deepEqual(r.join, { ok: true, ms: 12, bytes: 100 });
      assert.deepEqual(r.extra, { status: 200, level: 'unavailable' });
    }
    const warnings = cap.entries().filter((e) => e.level === 40);
    assert.equal(warnings.length, 1, cap.text());
    assert.match(String(warnings[0]!.msg), /ffmpeg is not available/);
  });

  test('a timeoutMs that cannot fit the measurement: not started, said once per target', async () => {
    const cap = captureLog();
    const source = decorated();
    const memory = {};
    let now = 0;
    const before = hits('/tone.wav');
    for (let i = 0; i < 3; i++) {
      now += 60_000;
      // 1 s of audio + the startup allowance is 4 s; the probe has 2 s.
      const r = await source.probe(streamTarget('/tone.wav', { seconds: 1 }), h.context({ timeoutMs: 2_000, memory, now: () => now, log: cap.log }));
      assert.equal(r.join.ok, true);
      assert.equal(r.extra?.level, 'no_budget');
    }
    assert.equal(hits('/tone.wav'), before);
    const warnings = cap.entries().filter((e) => e.level === 40);
    assert.equal(warnings.length, 1);
    const needed = warnings[0]!.neededMs as number;
    assert.ok(needed >= 4_000 && needed < 4_500, `says ${needed} ms are needed`);
  });

  test('the probe’s abort (timeout or poller stop) kills the measurement; the join result stands', async () => {
    const controller = new AbortController();
    const ctx = { ...h.context({ timeoutMs: 10_000, memory: {} }), signal: controller.signal };
    setTimeout(() => controller.abort(), 300);
    const started = performance.now();
    const r = await decorated().probe(streamTarget('/slow', { seconds: 3 }), ctx);
    assert.ok(performance.now() - started < 1_500);
    assert.equal(r.join.ok, true);
    assert.equal(r.extra?.level, 'timeout');
  });

  test('a stream that is not audio: level failed, the join result stands', async () => {
    const r = await decorated().probe(streamTarget('/page', { seconds: 1 }), h.context({ timeoutMs: 8_000, memory: {} }));
    assert.equal(r.join.ok, true);
    assert.deepEqual(r.extra, { status: 200, level: 'failed' });
  });
});

async function waitFor(cond: () => boolean, what: string, ms = 2_000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) assert.fail(`timed out waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('withAudioLevel time budget', () => {
  test('asks the poller for the measurement’s seconds plus ffmpeg’s start-up, only when configured', () => {
    const inner: SourceDefinition = { kind: 'x', configSchema: Type.Object({}), description: '', probe: async () => ({ state: 'live', join: { ok: true, ms: 1 } }) };
    const wrapped = withAudioLevel(inner, { streamUrl: () => 'http://127.0.0.1/' });
    assert.equal(wrapped.extraTimeMs!({ kind: 'x' }), 0);
    assert.equal(wrapped.extraTimeMs!({ kind: 'x', audioLevel: {} }), 3_000 + STARTUP_ALLOWANCE_MS);
    assert.equal(wrapped.extraTimeMs!({ kind: 'x', audioLevel: { seconds: 5 } }), 5_000 + STARTUP_ALLOWANCE_MS);
  });
});
