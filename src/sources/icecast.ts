import { Type, type Static } from '@sinclair/typebox';
import { HttpUrl } from '../schemas/common.js';
import { AudioLevelConfig } from './audio-level-config.js';
import { expectOk, parseJson, ProbeFailure, request, type HttpResponse } from './http.js';
import type { Probe, ProbeContext, ProbeResult, SourceDefinition } from './source.js';
import { countOf, DEFAULT_JOIN_BYTES, JoinBytes, JoinFlag, joinStream, joinWorthTrying, mountResult, type MountStatus } from './stream-join.js';
import { isObject } from './payload.js';

// Icecast 2.4: listeners from /status-json.xsl, and a listener join on the mount itself.

export const MountPath = Type.String({
  pattern: '^/[^\\s?#]+$',
  maxLength: 1024,
  errorMessage: 'must be a mount path starting with "/", such as /live',
  description: 'Mount point, as in the stream URL (e.g. /live)',
});

export const IcecastConfig = Type.Object(
  {
    kind: Type.Literal('icecast'),
    url: HttpUrl('Icecast server base URL, e.g. http://radio.example.org:8000; the status is read from <url>/status-json.xsl and the stream from <url><mount>'),
    mount: MountPath,
    join: Type.Optional(JoinFlag),
    joinBytes: Type.Optional(JoinBytes),
    audioLevel: Type.Optional(AudioLevelConfig),
  },
  { additionalProperties: false, description: 'Icecast 2.4 server: listeners from /status-json.xsl and a listener join on the mount' },
);
export type IcecastConfig = Static<typeof IcecastConfig>;

/** One mount as /status-json.xsl describes it. */
export interface IcecastMount {
  /** Path of `listenurl` (the mount point). */
  mount: string;
  listeners?: number;
  listenerPeak?: number;
  /** `stream_start_iso8601`, epoch ms: when the current source connected. */
  streamStart?: number;
}

// ctx.memory keys (per target, kept by the poller between probes).
const LAST_PEAK = 'icecast.listenerPeak';
const LAST_START = 'icecast.streamStart';

export const probe: Probe<IcecastConfig> = async (target, ctx) => {
  const cfg = target.source;
  const base = cfg.url.replace(/\/+$/, '');
  const mount = mountPathOf(cfg.mount);
  const started = performance.now();
  // The status is read before the join, so the count never includes this probe's own listener.
  // Icecast notices a listener has gone only when it next writes to it (it passes an MP3 source on
  // in 4 KiB blocks: every half second at 64 kbit/s), so probes closer together than that can still
  // count the previous probe's join.
  const status = await readStatus(`${base}/status-json.xsl`, mount, ctx);
  const events = status instanceof ProbeFailure || !status.mount ? [] : reconnects(status.mount, ctx);
  const summary = status instanceof ProbeFailure ? status : summarise(status.mount, status.res);
  if (status instanceof ProbeFailure) ctx.log.debug({ error: status.code, status: status.status, reason: status.message }, 'icecast status read failed');
  // The join is made even when the status page does not list the mount: Icecast leaves `<hidden>`
  // mounts out of it, and only a listener's GET can tell such a mount is on air.
  const join = cfg.join !== false && joinWorthTrying(summary, ctx) ? await joinStream(`${base}${mount}`, ctx, { bytes: cfg.joinBytes ?? DEFAULT_JOIN_BYTES }) : undefined;
  // Status and join are separate evidence: when one fails the other is still recorded (a count
  // without a join, a join without a count); mountResult in stream-join.ts spells out each case.
  const result = mountResult(summary, join, started, ctx);
  if (events.length > 0) result.events = events;
  return result;
};

async function readStatus(url: string, mount: string, ctx: ProbeContext): Promise<{ mount: IcecastMount | undefined; res: HttpResponse } | ProbeFailure> {
  try {
    const res = expectOk(await request(url, { ctx, accept: 'application/json' }));
    const mounts = icecastMounts(parseJson(res.body), res);
    return { mount: mounts.find((m) => m.mount === mount), res };
  } catch (err) {
    if (!(err instanceof ProbeFailure)) throw err;
    return err;
  }
}

function summarise(m: IcecastMount | undefined, res: HttpResponse): MountStatus {
  const status: MountStatus = { live: m !== undefined, ms: res.ms, bytes: res.bytes };
  if (!m) return status;
  if (m.listeners !== undefined) status.listeners = m.listeners;
  if (m.streamStart !== undefined) status.startedAt = m.streamStart;
  if (m.listenerPeak !== undefined) status.extra = { listenerPeak: m.listenerPeak };
  return status;
}

/**
 * The mounts in a /status-json.xsl answer. Icecast's XSLT turns one `<source>` element into an
 * object and several into an array, and leaves the key out when no source is connected; all three
 * become an array here. Entries without a usable `listenurl` cannot be told apart and are skipped.
 */
export function icecastMounts(payload: unknown, res?: HttpResponse): IcecastMount[] {
  const icestats = isObject(payload) ? payload.icestats : undefined;
  if (!isObject(icestats)) throw new ProbeFailure('invalid_payload', 'no icestats object', res ? { ms: res.ms, bytes: res.bytes, status: res.status } : {});
  const raw = icestats.source;
  const sources = Array.isArray(raw) ? raw : raw === undefined || raw === null ? [] : [raw];
  const mounts: IcecastMount[] = [];
  for (const s of sources) {
    if (!isObject(s) || typeof s.listenurl !== 'string') continue;
    const mount = pathOf(s.listenurl);
    if (mount === undefined) continue;
    const m: IcecastMount = { mount };
    const listeners = countOf(s.listeners);
    if (listeners !== undefined) m.listeners = listeners;
    const peak = countOf(s.listener_peak);
    if (peak !== undefined) m.listenerPeak = peak;
    const start = typeof s.stream_start_iso8601 === 'string' ? Date.parse(s.stream_start_iso8601) : NaN;
    if (Number.isFinite(start)) m.streamStart = start;
    mounts.push(m);
  }
  return mounts;
}

/**
 * Icecast forgets a mount's statistics when its source disconnects, so a `listener_peak` lower than
 * the last one seen (or a later `stream_start`) means the source went away and came back, however
 * briefly: between two probes a reconnect leaves no other trace. The poller writes the event to the
 * timeline. A server restart looks the same, and is one for the listeners.
 */
function reconnects(m: IcecastMount, ctx: ProbeContext): NonNullable<ProbeResult['events']> {
  const peakBefore = ctx.memory[LAST_PEAK];
  const startBefore = ctx.memory[LAST_START];
  if (m.listenerPeak !== undefined) ctx.memory[LAST_PEAK] = m.listenerPeak;
  if (m.streamStart !== undefined) ctx.memory[LAST_START] = m.streamStart;
  const peakReset = typeof peakBefore === 'number' && m.listenerPeak !== undefined && m.listenerPeak < peakBefore;
  const restarted = typeof startBefore === 'number' && m.streamStart !== undefined && m.streamStart > startBefore;
  if (!peakReset && !restarted) return [];
  const data: Record<string, unknown> = { peakBefore: typeof peakBefore === 'number' ? peakBefore : null, peakNow: m.listenerPeak ?? null };
  if (typeof startBefore === 'number') data.streamStartBefore = new Date(startBefore).toISOString();
  if (m.streamStart !== undefined) data.streamStartNow = new Date(m.streamStart).toISOString();
  return [{ type: 'source-reconnect', data }];
}

/** `/live` as the URL parser writes it, so a configured mount and a listenurl compare byte for byte. */
function mountPathOf(mount: string): string {
  return new URL(mount, 'http://mount.invalid').pathname;
}

function pathOf(listenurl: string): string | undefined {
  try {
    return new URL(listenurl).pathname;
  } catch {
    return undefined;
  }
}

export const icecast: SourceDefinition<IcecastConfig> = {
  kind: 'icecast',
  configSchema: IcecastConfig,
  probe,
  description: 'Icecast 2.4 server: listeners from /status-json.xsl and a listener join on the mount',
};
