import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get, type ClientRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './redis.js';

// A real Icecast 2.4 of the test's own on a free port, fed by a real ffmpeg, with real listeners.
// Everything started here is stopped by destroy(), which the tests call from `after` hooks so a
// failing test leaves no icecast2 or ffmpeg behind.

export interface TestListener {
  /** Hangs up (the server notices on its next write). */
  close(): Promise<void>;
}

export interface TestIcecast {
  /** Server base URL, e.g. http://127.0.0.1:41234 */
  url: string;
  port: number;
  /** Starts an ffmpeg source (a 440 Hz tone as 64 kbit/s MP3) on `mount` and waits until Icecast lists it. */
  startSource(mount: string): Promise<void>;
  /** Kills the mount's ffmpeg with SIGKILL, as a crash would, and waits until Icecast drops the mount. */
  killSource(mount: string): Promise<void>;
  /** Opens `n` listener connections to `mount` that keep reading; resolves once each has its response headers. */
  listen(n: number, mount: string): Promise<TestListener[]>;
  /** The parsed /status-json.xsl answer. */
  status(): Promise<unknown>;
  /** The last lines Icecast and the ffmpeg sources wrote, for failure messages. */
  logs(): string;
  /** Stops every source, listener and the server, and removes the temp dir. Safe to call twice. */
  destroy(): Promise<void>;
}

const MISSING = (what: string, pkg: string) =>
  new Error(`${what}: the Icecast tests need it. Install with: sudo apt-get install -y ${pkg} (bash .ci/run installs it)`);

/** Throws, naming the package, when icecast2 or ffmpeg (with its icecast:// output and libmp3lame) is missing. */
export function requireIcecastTools(): void {
  if (spawnSync('icecast2', ['-v'], { stdio: 'ignore' }).status !== 0) throw MISSING('icecast2 is not installed', 'icecast2');
  const ffmpeg = spawnSync('ffmpeg', ['-hide_banner', '-protocols'], { encoding: 'utf8' });
  if (ffmpeg.status !== 0) throw MISSING('ffmpeg is not installed', 'ffmpeg');
  if (!/^\s*icecast\s*$/m.test(ffmpeg.stdout)) throw MISSING('this ffmpeg was built without its icecast:// output', 'ffmpeg');
  const encoders = spawnSync('ffmpeg', ['-hide_banner', '-encoders'], { encoding: 'utf8' });
  if (!/libmp3lame/.test(encoders.stdout)) throw MISSING('this ffmpeg has no libmp3lame encoder', 'ffmpeg');
}

// Debian's icecast2 package creates this user and group; Icecast refuses to run as root, so when the
// tests run as root it is told to switch to them after binding its port.
const ICECAST_USER = 'icecast2';
const ICECAST_GROUP = 'icecast';
const WEB_ROOT = '/usr/share/icecast2/web';
const ADMIN_ROOT = '/usr/share/icecast2/admin';
const READY_MS = 10_000;
const LOG_KEEP = 16 * 1024;

export async function startIcecast(): Promise<TestIcecast> {
  requireIcecastTools();
  const dir = mkdtempSync(join(tmpdir(), 'spacewatch-icecast-'));
  const owner = process.getuid?.() === 0 ? icecastOwner() : undefined;
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const sourcePassword = `src${Math.random().toString(36).slice(2, 12)}`;
  const log = new LogTail();
  const sources = new Map<string, ChildProcess>();
  const listeners = new Set<ClientRequest>();
  let server: ChildProcess | undefined;
  let port = 0;

  const status = async (): Promise<unknown> => {
    const res = await fetch(`http://127.0.0.1:${port}/status-json.xsl`, { signal: AbortSignal.timeout(2_000) });
    if (!res.ok) throw new Error(`status-json.xsl answered ${res.status}`);
    return res.json();
  };
  const mounts = async (): Promise<string[]> => {
    const s = (await status()) as { icestats?: { source?: unknown } };
    const raw = s.icestats?.source;
    const list = Array.isArray(raw) ? raw : raw ? [raw] : [];
    return list.map((m: { listenurl?: string }) => new URL(m.listenurl ?? 'http://x/').pathname);
  };
  // If the test process dies without running its `after` hooks, do not leave the servers behind.
  const killAll = () => {
    for (const c of [...sources.values(), server]) if (c?.exitCode === null) c.kill('SIGKILL');
  };
  process.once('exit', killAll);
  const destroy = async (): Promise<void> => {
    process.removeListener('exit', killAll);
    for (const req of listeners) req.destroy();
    listeners.clear();
    await Promise.all([...sources.values()].map((c) => stop(c, 'SIGKILL')));
    sources.clear();
    if (server) await stop(server, 'SIGTERM');
    server = undefined;
    rmSync(dir, { recursive: true, force: true });
  };

  // The free port can be taken between finding it and Icecast binding it; try another then.
  try {
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      const file = join(dir, 'icecast.xml');
      writeFileSync(file, icecastXml({ port, dir, sourcePassword, owner: owner !== undefined }));
      server = spawn('icecast2', ['-c', file], { stdio: ['ignore', 'pipe', 'pipe'] });
      log.follow(server, 'icecast2');
      const started = await waitFor(async () => (await status(), true), READY_MS, server);
      if (started) break;
      await stop(server, 'SIGKILL');
      server = undefined;
      if (attempt === 3) throw new Error(`icecast2 did not start (config ${file}):\n${log.text()}`);
    }
  } catch (err) {
    await destroy();
    throw err;
  }

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    status,
    logs: () => log.text(),
    destroy,
    async startSource(mount) {
      if (sources.has(mount)) throw new Error(`a source already feeds ${mount}`);
      const child = spawn(
        'ffmpeg',
        [
          '-hide_banner', '-nostdin', '-loglevel', 'error',
          // -re: real time, as a live encoder sends; faster would overrun Icecast's queue for listeners.
          '-re', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=44100',
          '-c:a', 'libmp3lame', '-b:a', '64k', '-content_type', 'audio/mpeg', '-f', 'mp3',
          `icecast://source:${sourcePassword}@127.0.0.1:${port}${mount}`,
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      sources.set(mount, child);
      log.follow(child, `ffmpeg ${mount}`);
      if (!(await waitFor(async () => (await mounts()).includes(mount), READY_MS, child))) {
        await stop(child, 'SIGKILL');
        sources.delete(mount);
        throw new Error(`Icecast did not list ${mount} after ffmpeg started:\n${log.text()}`);
      }
    },
    async killSource(mount) {
      const child = sources.get(mount);
      if (!child) throw new Error(`no source feeds ${mount}`);
      sources.delete(mount);
      await stop(child, 'SIGKILL');
      if (!(await waitFor(async () => !(await mounts()).includes(mount), READY_MS))) throw new Error(`Icecast still lists ${mount} after its source was killed`);
    },
    async listen(n, mount) {
      const opened = Array.from({ length: n }, () => openListener(port, mount, listeners));
      return Promise.all(opened);
    },
  };
}

function openListener(port: number, mount: string, open: Set<ClientRequest>): Promise<TestListener> {
  return new Promise((resolve, reject) => {
    // agent: false, so each listener is its own connection, as separate people listening are.
    const req = get({ host: '127.0.0.1', port, path: mount, agent: false }, (res) => {
      if (res.statusCode !== 200) {
        req.destroy();
        reject(new Error(`listener on ${mount} got HTTP ${res.statusCode}`));
        return;
      }
      res.on('error', () => undefined);
      // Keep reading (and discarding): a listener that stops reading is eventually dropped by Icecast.
      res.resume();
      resolve({
        async close() {
          open.delete(req);
          if (req.destroyed) return;
          const closed = once(req, 'close');
          req.destroy();
          await closed;
        },
      });
    });
    open.add(req);
    req.on('error', (err) => {
      open.delete(req);
      reject(err);
    });
  });
}

/** Polls `check` until it is true (false on the deadline). Stops early, false, when `child` exits. */
async function waitFor(check: () => Promise<boolean>, ms: number, child?: ChildProcess): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) return false;
    try {
      if (await check()) return true;
    } catch {
      // not answering yet
    }
    await sleep(50);
  }
  return false;
}

async function stop(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  const late = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(late);
}

function icecastOwner(): { uid: number; gid: number } {
  const user = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith(`${ICECAST_USER}:`));
  const group = readFileSync('/etc/group', 'utf8').split('\n').find((l) => l.startsWith(`${ICECAST_GROUP}:`));
  if (!user || !group) {
    throw MISSING(`running as root, Icecast must switch to the ${ICECAST_USER} user and ${ICECAST_GROUP} group that Debian's icecast2 package creates, and they do not exist`, 'icecast2');
  }
  return { uid: Number(user.split(':')[2]), gid: Number(group.split(':')[2]) };
}

function icecastXml(o: { port: number; dir: string; sourcePassword: string; owner: boolean }): string {
  // Logs go to stderr ("-"), so Icecast never needs to write the temp dir after dropping root.
  // burst-on-connect is Icecast's default, spelled out because the join tests rely on it: a new
  // listener is sent the last 64 KiB at once instead of waiting for real-time audio.
  return `<icecast>
  <location>spacewatch test</location>
  <admin>test@localhost</admin>
  <hostname>127.0.0.1</hostname>
  <limits>
    <clients>100</clients>
    <sources>4</sources>
    <source-timeout>10</source-timeout>
    <burst-on-connect>1</burst-on-connect>
    <burst-size>65536</burst-size>
  </limits>
  <authentication>
    <source-password>${o.sourcePassword}</source-password>
    <admin-user>admin</admin-user>
    <admin-password>${o.sourcePassword}-admin</admin-password>
  </authentication>
  <listen-socket>
    <port>${o.port}</port>
    <bind-address>127.0.0.1</bind-address>
  </listen-socket>
  <fileserve>1</fileserve>
  <paths>
    <basedir>${o.dir}</basedir>
    <logdir>${o.dir}</logdir>
    <webroot>${WEB_ROOT}</webroot>
    <adminroot>${ADMIN_ROOT}</adminroot>
  </paths>
  <logging>
    <accesslog>-</accesslog>
    <errorlog>-</errorlog>
    <loglevel>3</loglevel>
  </logging>
  <security>
    <chroot>0</chroot>
${o.owner ? `    <changeowner><user>${ICECAST_USER}</user><group>${ICECAST_GROUP}</group></changeowner>\n` : ''}  </security>
</icecast>
`;
}

/** The last LOG_KEEP characters the processes wrote, prefixed with who wrote them. */
class LogTail {
  private buf = '';

  follow(child: ChildProcess, name: string): void {
    const add = (chunk: Buffer) => {
      this.buf = (this.buf + chunk.toString().replace(/^(?=.)/gm, `[${name}] `)).slice(-LOG_KEEP);
    };
    child.stdout?.on('data', add);
    child.stderr?.on('data', add);
    child.on('error', (err) => add(Buffer.from(`spawn failed: ${err.message}\n`)));
  }

  text(): string {
    return this.buf;
  }
}
