import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { Agent } from 'undici';
import type { ProbeContext } from '../../src/sources/source.js';
import type { SourceConfig, Target } from '../../src/types.js';

// Real things for probe tests: an HTTP server on port 0, an undici Agent, and a ProbeContext built
// the way the poller builds one (fresh timeout signal per probe, memory shared across probes).

export interface TestServer {
  url: string;
  port: number;
  server: Server;
  /** Requests seen, in order. */
  requests: IncomingMessage[];
  close(): Promise<void>;
}

export async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<TestServer> {
  const requests: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    requests.push(req);
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export interface CapturedLog {
  log: Logger;
  /** Everything logged so far, one JSON line per entry. */
  text(): string;
  entries(): Record<string, unknown>[];
}

/** A pino logger at the most verbose level whose output is kept for assertions. */
export function captureLog(): CapturedLog {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  const log = pino({ level: 'trace' }, stream);
  return { log, text: () => chunks.join(''), entries: () => chunks.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
}

export interface Harness {
  agent: Agent;
  memory: Record<string, unknown>;
  /** A context for one probe: its own timeout signal, the shared agent and memory. */
  context(over?: Partial<Omit<ProbeContext, 'signal' | 'dispatcher'>>): ProbeContext;
  close(): Promise<void>;
}

export function harness(defaults: Partial<Omit<ProbeContext, 'signal' | 'dispatcher'>> = {}): Harness {
  const agent = new Agent({ connect: { timeout: 2_000 } });
  const memory: Record<string, unknown> = {};
  return {
    agent,
    memory,
    context(over = {}) {
      const o = { ...defaults, ...over };
      const timeoutMs = o.timeoutMs ?? 2_000;
      return {
        signal: AbortSignal.timeout(timeoutMs),
        timeoutMs,
        maxBytes: o.maxBytes ?? 1024 * 1024,
        dispatcher: agent,
        env: o.env ?? {},
        log: o.log ?? pino({ level: 'silent' }),
        now: o.now ?? Date.now,
        memory: o.memory ?? memory,
      };
    },
    close: () => agent.close(),
  };
}

export function target<C extends SourceConfig>(source: C): Target & { source: C } {
  return { id: 'test', name: 'test', intervalMs: 1_000, source };
}

/** A port nothing listens on: bound, then released. */
export async function closedPort(): Promise<number> {
  const s = await serve(() => undefined);
  await s.close();
  return s.port;
}
