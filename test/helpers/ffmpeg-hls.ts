import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from './wait.js';

// A real HLS origin for probe tests: ffmpeg's HLS muxer writing a live audio stream (a sine tone
// from lavfi, AAC in MPEG-TS segments) into a temp folder, served by a static node:http server on
// port 0, with a master playlist beside it. Tests start, kill and restart the encoder to produce
// fresh, stalled, ended, removed and restarted streams.

export const PLAYLIST = 'out.m3u8';
export const MASTER = 'master.m3u8';
const ORPHAN_CAP_SECONDS = 120;

// Two decoy variants the probe must not pick: a cheaper video variant and a richer audio one, both
// pointing at playlists that do not exist, so picking either fails the join.
const MASTER_TEXT = `#EXTM3U
#EXT-X-VERSION:3
#EXT-X-STREAM-INF:BANDWIDTH=256000,CODECS="mp4a.40.2"
hi/${PLAYLIST}
#EXT-X-STREAM-INF:BANDWIDTH=40000,CODECS="avc1.42e00a,mp4a.40.2",RESOLUTION=320x180
video/${PLAYLIST}
#EXT-X-STREAM-INF:BANDWIDTH=72000,CODECS="mp4a.40.2"
${PLAYLIST}
`;

export interface EncoderOptions {
  /** First media sequence number (ffmpeg -start_number). */
  startNumber?: number;
  /** Seconds per segment (-hls_time); the target duration follows. */
  hlsTime?: number;
  /** Stop by itself after this many seconds of audio (-t), writing EXT-X-ENDLIST. */
  seconds?: number;
}

export interface HlsOrigin {
  dir: string;
  /** Media playlist URL. */
  url: string;
  /** Master playlist URL (the media playlist is its lowest-bandwidth audio variant). */
  masterUrl: string;
  /** Starts ffmpeg (removing a previous playlist) and resolves once it has published a playlist. */
  start(opts?: EncoderOptions): Promise<void>;
  /** Signals ffmpeg and resolves when it has exited. SIGKILL leaves the playlist as it was; SIGINT ends cleanly. */
  stop(signal: 'SIGKILL' | 'SIGINT'): Promise<void>;
  /** The current media playlist text ('' when there is none). */
  playlist(): string;
  /** Deletes the served folder: every URL answers 404 from then on. */
  removeFolder(): void;
  /** Kills ffmpeg if it runs, closes the server, deletes the folder. Safe to call twice. */
  close(): Promise<void>;
}

/** Throws a message that says what to install when ffmpeg is missing, instead of a spawn error later. */
export function requireFfmpeg(): void {
  const r = spawnSync('ffmpeg', ['-hide_banner', '-version'], { stdio: 'ignore' });
  if (r.status !== 0) {
    throw new Error('ffmpeg is not installed: the HLS tests run its HLS muxer. Install it with `sudo apt-get install -y ffmpeg` (bash .ci/run installs it).');
  }
}

export async function hlsOrigin(): Promise<HlsOrigin> {
  requireFfmpeg();
  const dir = mkdtempSync(join(tmpdir(), 'spacewatch-hls-'));
  writeFileSync(join(dir, MASTER), MASTER_TEXT);
  let removed = false;
  let child: ChildProcess | undefined;
  let stderr = '';

  const server = createServer((req, res) => {
    const name = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname.slice(1));
    // Flat folder, no traversal, and never ffmpeg's half-written .tmp files.
    if (removed || !/^[A-Za-z0-9_.-]+$/.test(name) || name.endsWith('.tmp')) return notFound(res);
    readFile(join(dir, name)).then(
      (body) => {
        const type = name.endsWith('.m3u8') ? 'application/vnd.apple.mpegurl' : 'video/mp2t';
        const range = /^bytes=(\d+)-(\d*)$/.exec(String(req.headers.range ?? ''));
        if (range) {
          const from = Number(range[1]);
          const to = Math.min(range[2] ? Number(range[2]) : body.length - 1, body.length - 1);
          const part = body.subarray(from, to + 1);
          res.writeHead(206, { 'content-type': type, 'content-length': part.length, 'content-range': `bytes ${from}-${to}/${body.length}` });
          return res.end(part);
        }
        res.writeHead(200, { 'content-type': type, 'content-length': body.length });
        res.end(body);
      },
      () => notFound(res),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  async function stop(signal: 'SIGKILL' | 'SIGINT'): Promise<void> {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((resolve) => c.once('exit', resolve));
    c.kill(signal);
    // A clean stop that hangs is a test failure, not a hang: escalate.
    const escalate = setTimeout(() => c.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(escalate);
  }

  async function start(opts: EncoderOptions = {}): Promise<void> {
    await stop('SIGKILL');
    // A restarted encoder publishes a new playlist; until then, the old one would look like its output.
    rmSync(join(dir, PLAYLIST), { force: true });
    stderr = '';
    const args = [
      '-hide_banner', '-nostdin', '-loglevel', 'error',
      '-re', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100',
      // Without a length of its own, a cap: an encoder orphaned by a killed test run stops by itself.
      '-t', String(opts.seconds ?? ORPHAN_CAP_SECONDS),
      '-c:a', 'aac', '-b:a', '64k',
      '-f', 'hls', '-hls_time', String(opts.hlsTime ?? 1), '-hls_list_size', '5',
      // temp_file: segments appear under their name only once complete (the playlist is always
      // replaced atomically), so the server never serves half a file.
      '-hls_flags', 'delete_segments+temp_file',
      '-start_number', String(opts.startNumber ?? 0),
      PLAYLIST,
    ];
    const c = spawn('ffmpeg', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    child = c;
    c.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    const failed = new Promise<never>((_, reject) => {
      c.once('error', (err) => reject(new Error(`cannot start ffmpeg: ${err.message}`)));
      c.once('exit', (code, signal) => reject(new Error(`ffmpeg exited before publishing a playlist (${code ?? signal}): ${stderr}`)));
    });
    failed.catch(() => undefined);
    await Promise.race([waitFor(() => /#EXTINF/.test(playlist()), 15_000, 'ffmpeg to publish a playlist'), failed]);
  }

  function playlist(): string {
    try {
      return readFileSync(join(dir, PLAYLIST), 'utf8');
    } catch {
      return '';
    }
  }

  let closed = false;
  return {
    dir,
    url: `${base}/${PLAYLIST}`,
    masterUrl: `${base}/${MASTER}`,
    start,
    stop,
    playlist,
    removeFolder() {
      removed = true;
      rmSync(dir, { recursive: true, force: true });
    },
    async close() {
      if (closed) return;
      closed = true;
      await stop('SIGKILL');
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function notFound(res: ServerResponse): void {
  res.writeHead(404, { 'content-type': 'text/plain' });
  res.end('not found');
}
