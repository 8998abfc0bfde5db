import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { MAX_REDIRECTS } from '../../src/sources/http.js';
import type { JoinErrorCode } from '../../src/types.js';

// Servers that misbehave the way real endpoints do — slow, endless, lying, broken — each with the
// join-error code a probe must classify it as. Every server counts what its sockets actually handed
// to the kernel, so a test can show that a probe stopped a firehose early rather than draining it.

export interface Hostile {
  /** What to probe. */
  url: string;
  /** Bytes written to the kernel by every socket the server accepted (TLS records included). */
  bytesWritten(): number;
  /** HTTP requests received (0 for the raw TCP servers). */
  requests(): number;
  close(): Promise<void>;
}

export interface HostileCase {
  name: string;
  code: JoinErrorCode;
  /** The probe's budget against this server. */
  timeoutMs: number;
  /**
   * Where the class is decided: `request` when `request()` itself throws it (network, size, time),
   * `payload` when the answer arrives and only parsing it shows it is unusable.
   */
  decidedBy: 'request' | 'payload';
  /** The source that probes it: the generic JSON source, or HLS for playlists. Default json. */
  source?: 'json' | 'hls';
  /** Most body bytes a probe may read from it. */
  maxBytesRead?: number;
  /** A firehose of this many bytes (Infinity: endless) that a probe must cut off long before the end. */
  firehoseBytes?: number;
  /** HTTP requests one probe makes (redirects included). */
  requestsPerProbe?: number;
  start(): Promise<Hostile>;
}

/** The largest body a probe reads in these cases: the poller's default `maxResponseBytes`. */
export const HOSTILE_MAX_BYTES = 1024 * 1024;
/** What the firehose servers write per call; a probe may read at most one of these past its limit. */
export const FIREHOSE_CHUNK = 64 * 1024;

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** Listens on port 0 and counts every socket's bytes, closed ones included (a socket keeps its count). */
async function listen(server: HttpServer | NetServer, scheme: string, path: string, requests: () => number): Promise<Hostile> {
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => sockets.add(s));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${scheme}://127.0.0.1:${port}${path}`,
    bytesWritten: () => [...sockets].reduce((n, s) => n + s.bytesWritten, 0),
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}

/** An HTTP (or HTTPS, given a key pair) server on port 0 running `handler`. */
export async function hostileHttp(handler: Handler, opts: { tls?: { key: Buffer; cert: Buffer }; path?: string } = {}): Promise<Hostile> {
  let requests = 0;
  const onRequest: Handler = (req, res) => {
    requests++;
    handler(req, res);
  };
  const server = opts.tls ? createHttpsServer({ key: opts.tls.key, cert: opts.tls.cert }, onRequest) : createHttpServer(onRequest);
  return listen(server, opts.tls ? 'https' : 'http', opts.path ?? '/status', () => requests);
}

/** A raw TCP server: for answers that are not HTTP at all. */
export async function hostileTcp(onSocket: (s: Socket) => void, scheme = 'http'): Promise<Hostile> {
  const server = createNetServer((s) => {
    s.on('error', () => undefined);
    onSocket(s);
  });
  return listen(server, scheme, '/status', () => 0);
}

/** Writes `chunk` until `total` bytes are out (forever by default), honouring backpressure, and stops when the client goes. */
export function firehose(res: ServerResponse, chunk: Buffer, total = Infinity): void {
  let sent = 0;
  const pump = () => {
    while (sent < total && !res.destroyed) {
      sent += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', pump);
    }
    if (sent >= total) res.end();
  };
  pump();
}

/** One byte every `everyMs` — each arriving well inside any idle timeout, so only a total deadline stops it. */
export function dribble(res: ServerResponse, everyMs: number): void {
  const timer = setInterval(() => (res.destroyed ? clearInterval(timer) : res.write('{')), everyMs);
  res.on('close', () => clearInterval(timer));
}

/**
 * A compression bomb that inflates to 1 GiB through `content-encoding: gzip, gzip` yet is a couple of
 * KB on the wire. Deflate cannot beat ~1032:1 in one layer, so the inner layer is 1024 concatenated
 * gzip members of 1 MiB of zeros each (RFC 1952 §2.2: a gzip file is a series of members, and a
 * decoder inflates them all); that megabyte of repeating members gzips again to almost nothing.
 */
export function gzipBomb(): { body: Buffer; innerBytes: number; inflatedBytes: number } {
  const member = gzipSync(Buffer.alloc(1024 * 1024), { level: 9 });
  const inner = Buffer.concat(Array.from({ length: 1024 }, () => member));
  return { body: gzipSync(inner, { level: 9 }), innerBytes: inner.length, inflatedBytes: 1024 * 1024 * 1024 };
}

/** A self-signed certificate for 127.0.0.1 made with openssl, or undefined when openssl is not installed. */
export function selfSignedCert(): { key: Buffer; cert: Buffer } | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'spacewatch-tls-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    return { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
  } catch {
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const HTML_ERROR_PAGE = '<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1><p>The upstream did not answer.</p></body></html>';

/**
 * The table. Budgets are short so the table runs in seconds; what is asserted is that each probe
 * ends within its own budget, whatever the server does.
 */
export function hostileCases(opts: { tls?: { key: Buffer; cert: Buffer } } = {}): HostileCase[] {
  const cases: HostileCase[] = [
    {
      name: 'slow headers: accepts, never answers',
      code: 'timeout',
      timeoutMs: 400,
      decidedBy: 'request',
      start: () => hostileHttp(() => undefined),
    },
    {
      name: 'slow body: 200, then one byte every 100 ms',
      code: 'timeout',
      timeoutMs: 600,
      decidedBy: 'request',
      start: () =>
        hostileHttp((_req, res) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          dribble(res, 100);
        }),
    },
    {
      name: 'endless chunked body',
      code: 'body_too_large',
      timeoutMs: 2_000,
      decidedBy: 'request',
      maxBytesRead: HOSTILE_MAX_BYTES + FIREHOSE_CHUNK,
      firehoseBytes: Infinity,
      start: () =>
        hostileHttp((_req, res) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          firehose(res, Buffer.alloc(FIREHOSE_CHUNK, ' '));
        }),
    },
    {
      name: '50 MB body with its Content-Length',
      code: 'body_too_large',
      timeoutMs: 2_000,
      decidedBy: 'request',
      // The declared length is refused before the first body byte is read.
      maxBytesRead: 0,
      firehoseBytes: 50 * 1024 * 1024,
      start: () =>
        hostileHttp((_req, res) => {
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(50 * 1024 * 1024) });
          firehose(res, Buffer.alloc(FIREHOSE_CHUNK, ' '), 50 * 1024 * 1024);
        }),
    },
    {
      name: '50 MB chunked body (no Content-Length)',
      code: 'body_too_large',
      timeoutMs: 2_000,
      decidedBy: 'request',
      maxBytesRead: HOSTILE_MAX_BYTES + FIREHOSE_CHUNK,
      firehoseBytes: 50 * 1024 * 1024,
      start: () =>
        hostileHttp((_req, res) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          firehose(res, Buffer.alloc(FIREHOSE_CHUNK, ' '), 50 * 1024 * 1024);
        }),
    },
    {
      name: 'invalid JSON',
      code: 'invalid_payload',
      timeoutMs: 1_000,
      decidedBy: 'payload',
      start: () => hostileHttp((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"data": {"participant_count": 12,')),
    },
    {
      name: 'wrong content type: an HTML error page with 200',
      code: 'invalid_payload',
      timeoutMs: 1_000,
      decidedBy: 'payload',
      start: () => hostileHttp((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(HTML_ERROR_PAGE)),
    },
    {
      name: 'gzip bomb: 1 GiB in a few KB, content-encoding gzip, gzip',
      code: 'invalid_payload',
      timeoutMs: 1_000,
      decidedBy: 'payload',
      // Read as sent, never inflated: request() asks for no content-coding and decodes none.
      maxBytesRead: 4 * 1024,
      start: () => {
        const { body } = gzipBomb();
        return hostileHttp((_req, res) => res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip, gzip', 'content-length': String(body.length) }).end(body));
      },
    },
    {
      name: 'redirect loop (/status → /status)',
      code: 'invalid_payload',
      timeoutMs: 1_000,
      decidedBy: 'request',
      requestsPerProbe: 1 + MAX_REDIRECTS,
      start: () => hostileHttp((_req, res) => res.writeHead(302, { location: '/status' }).end()),
    },
    {
      name: 'redirect ping-pong (/a → /b → /a)',
      code: 'invalid_payload',
      timeoutMs: 1_000,
      decidedBy: 'request',
      requestsPerProbe: 1 + MAX_REDIRECTS,
      start: () => hostileHttp((req, res) => res.writeHead(307, { location: req.url === '/b' ? '/a' : '/b' }).end(), { path: '/a' }),
    },
    {
      name: 'connection reset mid-body (RST after 1 KB of a declared 100 KB)',
      code: 'http_5xx',
      timeoutMs: 1_000,
      decidedBy: 'request',
      start: () =>
        hostileHttp((_req, res) => {
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': '102400' });
          res.write(Buffer.alloc(1024, ' '), () => setTimeout(() => res.socket?.resetAndDestroy(), 20));
        }),
    },
    {
      name: 'connection closed mid-chunked-body',
      code: 'http_5xx',
      timeoutMs: 1_000,
      decidedBy: 'request',
      start: () =>
        hostileHttp((_req, res) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.write('{"data":', () => setTimeout(() => res.socket?.destroy(), 20));
        }),
    },
    {
      name: 'connection closed cleanly short of the declared Content-Length',
      code: 'http_5xx',
      timeoutMs: 1_000,
      decidedBy: 'request',
      start: () =>
        hostileHttp((_req, res) => {
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': '102400' });
          res.write('{"data":', () => setTimeout(() => res.socket?.end(), 20));
        }),
    },
    {
      name: 'garbage where a chunk size belongs',
      code: 'invalid_payload',
      timeoutMs: 1_000,
      decidedBy: 'request',
      start: () => hostileTcp((s) => s.once('data', () => s.end('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n'))),
    },
    {
      name: 'not HTTP at all (an SSH banner)',
      code: 'invalid_payload',
      timeoutMs: 1_000,
      decidedBy: 'request',
      start: () => hostileTcp((s) => s.end('SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n')),
    },
    {
      name: 'endless response headers',
      code: 'invalid_payload',
      timeoutMs: 2_000,
      decidedBy: 'request',
      maxBytesRead: 0,
      firehoseBytes: Infinity,
      start: () =>
        hostileTcp((s) => {
          s.once('data', () => {
            s.write('HTTP/1.1 200 OK\r\n');
            const line = Buffer.from(`x-filler: ${'a'.repeat(1000)}\r\n`);
            const pump = () => {
              while (!s.destroyed) if (!s.write(line)) return void s.once('drain', pump);
            };
            pump();
          });
        }),
    },
    {
      name: 'TLS: garbage in answer to the ClientHello',
      code: 'tls',
      timeoutMs: 1_000,
      decidedBy: 'request',
      start: () => hostileTcp((s) => s.once('data', () => s.end(Buffer.from('\x15garbage, not a TLS record\r\n'.repeat(8), 'latin1'))), 'https'),
    },
    {
      name: 'TLS: connection closed during the handshake',
      code: 'tls',
      timeoutMs: 1_000,
      decidedBy: 'request',
      start: () => hostileTcp((s) => s.once('data', () => s.destroy()), 'https'),
    },
    {
      name: 'connection refused',
      code: 'connect_refused',
      timeoutMs: 1_000,
      decidedBy: 'request',
      start: async () => {
        const h = await hostileTcp(() => undefined);
        await h.close();
        return h;
      },
    },
    {
      name: 'HLS: empty playlist (200, no body)',
      code: 'invalid_payload',
      timeoutMs: 1_000,
      decidedBy: 'payload',
      source: 'hls',
      start: () => hostileHttp((_req, res) => res.writeHead(200, { 'content-type': 'application/vnd.apple.mpegurl', 'content-length': '0' }).end(), { path: '/live.m3u8' }),
    },
    {
      name: 'HLS: playlist of garbage lines (20,000 of them, nothing playable)',
      code: 'invalid_payload',
      timeoutMs: 1_000,
      decidedBy: 'payload',
      source: 'hls',
      start: () => {
        const junk = ['#EXT-X-GARBAGE:' + 'x'.repeat(200), 'not a uri at all', '\u0000\u0001\u0002', '::::', '#EXT-X-STREAM-INF', '#EXTM3U', '#', 'http://', '#EXT-X-KEY:METHOD=AES-128,URI="file:///etc/passwd"'];
        const body = `#EXTM3U\n${Array.from({ length: 20_000 }, (_, i) => junk[i % junk.length]).join('\n')}\n`;
        return hostileHttp((_req, res) => res.writeHead(200, { 'content-type': 'application/vnd.apple.mpegurl' }).end(body), { path: '/live.m3u8' });
      },
    },
    {
      name: 'DNS failure (RFC 6761: .invalid never resolves)',
      code: 'dns',
      timeoutMs: 5_000,
      decidedBy: 'request',
      start: async () => ({ url: 'http://spacewatch-hostile.invalid/status', bytesWritten: () => 0, requests: () => 0, close: async () => undefined }),
    },
  ];
  if (opts.tls) {
    const tls = opts.tls;
    cases.push({
      name: 'TLS: self-signed certificate',
      code: 'tls',
      timeoutMs: 1_000,
      decidedBy: 'request',
      start: () => hostileHttp((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'), { tls }),
    });
  }
  return cases;
}
