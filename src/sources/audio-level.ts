import { spawn } from 'node:child_process';
import type { Logger } from 'pino';
import type { Observation, SourceConfig } from '../types.js';
import { AUDIO_LEVEL_DEFAULTS, type AudioLevelConfig } from './audio-level-config.js';
import type { Probe, ProbeContext, ProbeResult, SourceDefinition } from './source.js';

// Dead-air check (DESIGN.md "Detection": silence). ffmpeg decodes a few seconds of the stream and
// its astats filter reports the level. astats rather than volumedetect: volumedetect measures on
// 16-bit samples, so digital silence reads -91.0 dB and a silenceDb below that (the config allows
// down to -120) could never fire; astats measures the decoded samples as they are and reports
// digital silence as -inf. Its "Overall" section gives the RMS level (power averaged over every
// channel) and the peak, which are all this needs.

/** The level of a stretch of audio, in dBFS. Digital silence is -Infinity. */
export interface Level {
  /** RMS level over all channels. */
  meanDb: number;
  /** Peak sample level. */
  maxDb: number;
}

/**
 * Why a measurement has no level: no usable ffmpeg (`unavailable`), ffmpeg could not decode audio
 * from the URL (`failed`), it ran past its deadline or the probe was aborted (`timeout`), or the
 * probe's budget could not fit a measurement (`no_budget`, decorator only).
 */
export type LevelFailure = 'unavailable' | 'failed' | 'timeout' | 'no_budget';

export class LevelError extends Error {
  readonly reason: LevelFailure;
  constructor(reason: LevelFailure, message: string) {
    super(message);
    this.name = 'LevelError';
    this.reason = reason;
  }
}

export interface MeasureOptions {
  /** Seconds of audio to decode. */
  seconds: number;
  /** Kills ffmpeg when aborted. */
  signal?: AbortSignal;
  /** Defaults to `ffmpeg` on the PATH. */
  ffmpegPath?: string;
  /** Hard deadline for the whole run, in ms; defaults to `seconds` plus STARTUP_ALLOWANCE_MS. */
  timeoutMs?: number;
}

/** Time ffmpeg gets on top of `seconds`: start, connect, read the stream's headers, open the decoder. */
export const STARTUP_ALLOWANCE_MS = 3_000;
/** Stored levels never go below this: JSON has no -Infinity, and below it everything is silence anyway. */
export const LEVEL_FLOOR_DB = -120;
// The astats summary comes last, so only the end of stderr matters; a stream that makes ffmpeg warn
// on every frame must not grow the buffer. 64 KiB holds the summary for 8 channels several times over.
const STDERR_TAIL_BYTES = 64 * 1024;
const VERSION_TIMEOUT_MS = 5_000;
// ffmpeg opens more than the URL it is given (HLS segments and keys, redirects), and its protocols
// include file:, concat:, subfile: and pipe:. A playlist from a stranger must not make it read local
// files, so everything it opens, at any depth, is limited to these (the whitelist is inherited).
const PROTOCOLS = 'http,https,tcp,tls,crypto,httpproxy';
const USER_AGENT = 'spacewatch';

/**
 * ffmpeg's arguments for one measurement. An argument array for spawn, never a shell line: the URL is
 * user input and stays one argument whatever it contains. `-t` before `-i` bounds what is read from
 * the input, so an endless live stream ends after `seconds`.
 */
export function ffmpegArgs(url: string, seconds: number): string[] {
  return [
    '-hide_banner',
    '-nostdin',
    '-nostats',
    '-loglevel', 'info',
    '-protocol_whitelist', PROTOCOLS,
    '-user_agent', USER_AGENT,
    '-t', String(seconds),
    '-i', url,
    // Video, subtitles and data (a Twitch or HLS rendition may carry them) are not decoded at all.
    '-vn', '-sn', '-dn',
    '-af', 'astats',
    '-f', 'null', '-',
  ];
}

/**
 * The level from ffmpeg's stderr: the RMS and peak of the last astats "Overall" section. Undefined
 * when there is none, a value is not a number, or no samples were measured.
 */
export function parseAstats(stderr: string): Level | undefined {
  const lines = stderr.split(/\r?\n/);
  let i = lines.length - 1;
  while (i >= 0 && !/\]\s*Overall\s*$/.test(lines[i]!)) i--;
  if (i < 0) return undefined;
  let meanDb: number | undefined;
  let maxDb: number | undefined;
  for (const line of lines.slice(i + 1)) {
    const m = /\]\s*(RMS level dB|Peak level dB|Number of samples):\s*(\S+)\s*$/.exec(line);
    if (!m) continue;
    const value = dbValue(m[2]!);
    if (m[1] === 'Number of samples' && value === 0) return undefined;
    if (m[1] === 'RMS level dB') meanDb ??= value;
    if (m[1] === 'Peak level dB') maxDb ??= value;
  }
  return meanDb === undefined || maxDb === undefined ? undefined : { meanDb, maxDb };
}

function dbValue(text: string): number | undefined {
  if (text === '-inf') return -Infinity;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * Decodes `seconds` of `streamUrl` with ffmpeg and returns its level. Rejects with a LevelError:
 * `unavailable` when ffmpeg cannot be started, `timeout` when aborted or past the deadline (ffmpeg is
 * killed), `failed` when ffmpeg could not produce a level (refused, 404, not audio).
 */
export function measureLevel(streamUrl: string, opts: MeasureOptions): Promise<Level> {
  let url: string;
  try {
    url = httpUrl(streamUrl);
  } catch (err) {
    return Promise.reject(err);
  }
  if (opts.signal?.aborted) return Promise.reject(new LevelError('timeout', 'aborted before ffmpeg started'));
  const deadlineMs = opts.timeoutMs ?? opts.seconds * 1000 + STARTUP_ALLOWANCE_MS;
  return new Promise<Level>((resolve, reject) => {
    const child = spawn(opts.ffmpegPath ?? 'ffmpeg', ffmpegArgs(url, opts.seconds), { stdio: ['ignore', 'ignore', 'pipe'], windowsHide: true });
    let tail = Buffer.alloc(0);
    let spawnError: NodeJS.ErrnoException | undefined;
    let killed = false;
    // SIGKILL, not SIGTERM: ffmpeg answers SIGTERM by finishing its output, and a connection stuck
    // in a read would keep it (and the probe) waiting.
    const kill = () => {
      killed = true;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(kill, deadlineMs);
    opts.signal?.addEventListener('abort', kill, { once: true });
    child.stderr.on('data', (chunk: Buffer) => {
      const joined = Buffer.concat([tail, chunk]);
      tail = joined.length > STDERR_TAIL_BYTES ? joined.subarray(joined.length - STDERR_TAIL_BYTES) : joined;
    });
    child.on('error', (err: NodeJS.ErrnoException) => (spawnError = err));
    // 'close' follows 'error' too (with a negative code), after stderr has ended.
    child.on('close', (code) => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', kill);
      if (spawnError) {
        const missing = spawnError.code === 'ENOENT' || spawnError.code === 'EACCES';
        return reject(new LevelError(missing ? 'unavailable' : 'failed', `cannot run ffmpeg: ${spawnError.code ?? spawnError.message}`));
      }
      if (killed) return reject(new LevelError('timeout', `ffmpeg stopped after ${deadlineMs} ms or on abort`));
      const text = tail.toString('utf8');
      const level = code === 0 ? parseAstats(text) : undefined;
      if (level) return resolve(level);
      reject(new LevelError('failed', `ffmpeg exited ${code}: ${lastWords(text, url)}`));
    });
  });
}

function httpUrl(text: string): string {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new LevelError('failed', 'stream URL is not a URL');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new LevelError('failed', 'stream URL is not http(s)');
  // The parsed form: percent-encoded, no spaces or control characters reach ffmpeg's own URL parser.
  return u.href;
}

/** ffmpeg's last complaint, for a debug log: the stream URL (which may carry a token) replaced. */
function lastWords(stderr: string, url: string): string {
  const lines = stderr.split(/\r?\n/).filter((l) => l.trim() !== '' && !l.includes('Parsed_astats'));
  return (lines.at(-1) ?? 'no output').split(url).join('<stream>').slice(0, 200);
}

/** Whether `ffmpegPath -version` runs and exits 0 (within 5 s). */
export function ffmpegWorks(ffmpegPath = 'ffmpeg'): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(ffmpegPath, ['-hide_banner', '-version'], { stdio: 'ignore', windowsHide: true });
    const timer = setTimeout(() => child.kill('SIGKILL'), VERSION_TIMEOUT_MS);
    child.on('error', () => undefined);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve(code === 0);
    });
  });
}

export interface AudioLevelOptions<C extends SourceConfig> {
  /**
   * The URL ffmpeg decodes for a target (the mount, the playlist); undefined skips the check for it.
   * Gets the join's result too, for a source that learns the stream's URL while probing (SHOUTcast's
   * reported streampath).
   */
  streamUrl(config: C, result: ProbeResult): string | undefined;
  /** Where the one "ffmpeg unavailable" warning goes; the logger of the probe that found out when absent. */
  log?: Logger;
  ffmpegPath?: string;
}

/** What the decorator adds to a result's extra: a level, or why there is none. */
export type LevelExtra = { levelDb: number; silent: boolean } | { level: LevelFailure };

// ctx.memory key (per target, kept by the poller between probes; reset when the source config changes).
const MEMORY = 'audioLevel';
interface LevelMemory {
  /** ctx.now() of the last measurement attempt, successful or not. */
  lastAt?: number;
  /** The "timeoutMs too short" warning was given for this target. */
  warnedBudget?: boolean;
  /** ctx.now() of the first silent measurement of the current run of them. */
  silentSince?: number;
}

/**
 * Adds the dead-air check to a stream source. After a successful join, when the target's source has
 * `audioLevel` and `everyMs` has passed since the last attempt, it measures `seconds` of the stream
 * and adds `extra.levelDb` (mean in dBFS, 0.1 dB steps, floored at LEVEL_FLOOR_DB) and `extra.silent`
 * (below `silenceDb`); when no level could be had it adds `extra.level` with the LevelFailure instead.
 * Nothing is added between measurements, so most observations carry no extra keys for it.
 *
 * The measurement runs inside the probe, on the probe's signal and within its timeoutMs, rather than
 * detached from it: the poller's concurrency limit then bounds how many ffmpeg processes run, and
 * its stop (which aborts every probe's signal) kills them — a detached ffmpeg would have no owner to
 * stop it. The price is that a target with audioLevel needs a timeoutMs covering the join plus
 * `seconds` plus STARTUP_ALLOWANCE_MS; when what is left of the budget cannot, the measurement is not
 * started (`level: 'no_budget'`) and the target's log says so once. Measuring after the join also
 * means a source that reads its listener count first (Icecast's status page) never counts the
 * measurement's own connection.
 *
 * ffmpeg's presence is checked once per decorated source, on first use; without it the log says so
 * once and the check is skipped (`level: 'unavailable'`) — the join probe's result always stands.
 */
export function withAudioLevel<C extends SourceConfig>(source: SourceDefinition<C>, opts: AudioLevelOptions<C>): SourceDefinition<C> {
  const ffmpegPath = opts.ffmpegPath ?? 'ffmpeg';
  let available: Promise<boolean> | undefined;
  const checkFfmpeg = (log: Logger) =>
    (available ??= ffmpegWorks(ffmpegPath).then((ok) => {
      if (!ok) (opts.log ?? log).warn({ ffmpegPath }, 'ffmpeg is not available; audio-level (dead-air) checks are off');
      return ok;
    }));

  async function level(url: string, cfg: AudioLevelConfig, ctx: ProbeContext, mem: LevelMemory, probeStarted: number): Promise<LevelExtra> {
    if (!(await checkFfmpeg(ctx.log))) return { level: 'unavailable' };
    const seconds = cfg.seconds ?? AUDIO_LEVEL_DEFAULTS.seconds;
    const elapsedMs = performance.now() - probeStarted;
    const needMs = seconds * 1000 + STARTUP_ALLOWANCE_MS;
    if (ctx.timeoutMs - elapsedMs < needMs) {
      if (!mem.warnedBudget) {
        mem.warnedBudget = true;
        ctx.log.warn({ timeoutMs: ctx.timeoutMs, neededMs: Math.ceil(elapsedMs + needMs) }, 'timeoutMs is too short for the audio-level check; raise it');
      }
      return { level: 'no_budget' };
    }
    try {
      const { meanDb } = await measureLevel(url, { seconds, signal: ctx.signal, ffmpegPath });
      const silent = meanDb < (cfg.silenceDb ?? AUDIO_LEVEL_DEFAULTS.silenceDb);
      const levelDb = Math.max(LEVEL_FLOOR_DB, Math.round(meanDb * 10) / 10);
      ctx.log.debug({ levelDb, silent }, 'audio level measured');
      return { levelDb, silent };
    } catch (err) {
      if (!(err instanceof LevelError)) throw err;
      ctx.log.debug({ reason: err.reason, detail: err.message }, 'audio level not measured');
      return { level: err.reason };
    }
  }

  const probe: Probe<C> = async (target, ctx) => {
    const started = performance.now();
    const result = await source.probe(target, ctx);
    const cfg = (target.source as { audioLevel?: AudioLevelConfig }).audioLevel;
    if (!cfg || !result.join.ok) return result;
    const url = opts.streamUrl(target.source, result);
    if (url === undefined) return result;
    const mem = memoryOf(ctx.memory);
    const now = ctx.now();
    if (mem.lastAt !== undefined && now - mem.lastAt < (cfg.everyMs ?? AUDIO_LEVEL_DEFAULTS.everyMs)) return result;
    mem.lastAt = now;
    const measured = await level(url, cfg, ctx, mem, started);
    const extra: Observation['extra'] = { ...result.extra, ...measured };
    return withSilenceEvents({ ...result, extra }, measured, mem, now);
  };

  const extraTimeMs = (config: C): number => {
    const cfg = (config as { audioLevel?: AudioLevelConfig }).audioLevel;
    const own = cfg ? (cfg.seconds ?? AUDIO_LEVEL_DEFAULTS.seconds) * 1000 + STARTUP_ALLOWANCE_MS : 0;
    return own + (source.extraTimeMs?.(config) ?? 0);
  };

  return { ...source, probe, extraTimeMs };
}

/**
 * Dead air is a condition with a start and an end, not a property of one sample: the first silent
 * measurement opens it (`silence-start`) and the first audible one closes it (`silence-end`, with how
 * long it lasted), so the timeline shows it apart from join failures. A measurement that failed says
 * nothing about silence and leaves the condition as it was.
 */
function withSilenceEvents(result: ProbeResult, measured: LevelExtra, mem: LevelMemory, now: number): ProbeResult {
  if (!('silent' in measured)) return result;
  let event: { type: string; data: Record<string, unknown> } | undefined;
  if (measured.silent && mem.silentSince === undefined) {
    mem.silentSince = now;
    event = { type: 'silence-start', data: { levelDb: measured.levelDb } };
  } else if (!measured.silent && mem.silentSince !== undefined) {
    event = { type: 'silence-end', data: { levelDb: measured.levelDb, durationMs: now - mem.silentSince } };
    mem.silentSince = undefined;
  }
  return event ? { ...result, events: [...(result.events ?? []), event] } : result;
}

function memoryOf(memory: Record<string, unknown>): LevelMemory {
  const m = memory[MEMORY];
  if (m !== null && typeof m === 'object') return m as LevelMemory;
  const fresh: LevelMemory = {};
  memory[MEMORY] = fresh;
  return fresh;
}
