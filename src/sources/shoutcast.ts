import { Type, type Static } from '@sinclair/typebox';
import { HttpUrl } from '../schemas/common.js';
import { AudioLevelConfig } from './audio-level-config.js';
import { expectOk, parseJson, ProbeFailure, request, type HttpResponse } from './http.js';
import type { Probe, ProbeContext, SourceDefinition } from './source.js';
import { countOf, DEFAULT_JOIN_BYTES, JoinBytes, JoinFlag, joinStream, joinWorthTrying, mountResult, type MountStatus } from './stream-join.js';

// SHOUTcast DNAS 2: listeners and source status from /stats?sid=N&json=1, and a listener join on
// the stream's path with the same code as Icecast's.

export const ShoutcastConfig = Type.Object(
  {
    kind: Type.Literal('shoutcast'),
    url: HttpUrl('SHOUTcast DNAS 2 server base URL, e.g. http://radio.example.org:8000'),
    sid: Type.Optional(Type.Integer({ minimum: 1, maximum: 2_147_483_647, errorMessage: 'must be a stream ID (an integer from 1)', description: 'Stream ID on the server (default 1)' })),
    streamPath: Type.Optional(
      Type.String({
        pattern: '^/[^\\s#]*$',
        maxLength: 1024,
        errorMessage: 'must be a path starting with "/", such as /stream',
        description: 'Path listeners join; default: the `streampath` the server reports, else /stream/<sid>/',
      }),
    ),
    join: Type.Optional(JoinFlag),
    joinBytes: Type.Optional(JoinBytes),
    audioLevel: Type.Optional(AudioLevelConfig),
  },
  { additionalProperties: false, description: 'SHOUTcast DNAS 2 server: listeners from /stats?json=1 and a listener join on the stream' },
);
export type ShoutcastConfig = Static<typeof ShoutcastConfig>;

/** What `/stats?sid=N&json=1` says about one stream. */
export interface ShoutcastStats {
  live: boolean;
  listeners: number;
  peakListeners?: number;
  streamPath?: string;
}

export const probe: Probe<ShoutcastConfig> = async (target, ctx) => {
  const cfg = target.source;
  const base = cfg.url.replace(/\/+$/, '');
  const sid = cfg.sid ?? 1;
  const started = performance.now();
  const stats = await readStats(`${base}/stats?sid=${sid}&json=1`, ctx);
  if (stats instanceof ProbeFailure) ctx.log.debug({ error: stats.code, status: stats.status, reason: stats.message }, 'shoutcast stats read failed');
  const summary = stats instanceof ProbeFailure ? stats : summarise(stats.stats, stats.res);
  const path = joinPath(cfg, stats instanceof ProbeFailure ? undefined : stats.stats);
  const join = cfg.join !== false && path !== undefined && joinWorthTrying(summary, ctx) ? await joinStream(`${base}${path}`, ctx, { bytes: cfg.joinBytes ?? DEFAULT_JOIN_BYTES }) : undefined;
  return mountResult(summary, join, started, ctx);
};

/**
 * Where a listener joins, or undefined when there is no point. Unlike Icecast's status page, the
 * stats answer for this very stream: streamstatus 0 is the server saying no source is connected,
 * so there is nothing to join. When the stats could not be read, only a configured streamPath is
 * joined: a guessed path on a server that is perhaps not a DNAS at all would turn "wrong URL"
 * (invalid_payload) into a misleading "no source".
 */
function joinPath(cfg: ShoutcastConfig, stats: ShoutcastStats | undefined): string | undefined {
  if (!stats) return cfg.streamPath;
  if (!stats.live) return undefined;
  return cfg.streamPath ?? stats.streamPath ?? `/stream/${cfg.sid ?? 1}/`;
}

async function readStats(url: string, ctx: ProbeContext): Promise<{ stats: ShoutcastStats; res: HttpResponse } | ProbeFailure> {
  try {
    const res = expectOk(await request(url, { ctx, accept: 'application/json' }));
    return { stats: shoutcastStats(parseJson(res.body), res), res };
  } catch (err) {
    if (!(err instanceof ProbeFailure)) throw err;
    return err;
  }
}

/**
 * Reads the DNAS 2 fields spacewatch uses. `streamstatus` (1 = a source is connected, 0 = none)
 * and `currentlisteners` are in every DNAS 2 answer, so an answer without them is not one (a DNAS 1
 * server, a proxy's page): invalid_payload rather than a guess.
 */
export function shoutcastStats(payload: unknown, res?: HttpResponse): ShoutcastStats {
  const invalid = (why: string) => new ProbeFailure('invalid_payload', why, res ? { ms: res.ms, bytes: res.bytes, status: res.status } : {});
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) throw invalid('stats are not a JSON object');
  const p = payload as Record<string, unknown>;
  const status = countOf(p.streamstatus);
  if (status !== 0 && status !== 1) throw invalid('streamstatus is not 0 or 1');
  const listeners = countOf(p.currentlisteners);
  if (listeners === undefined) throw invalid('currentlisteners is not a count');
  const stats: ShoutcastStats = { live: status === 1, listeners };
  const peak = countOf(p.peaklisteners);
  if (peak !== undefined) stats.peakListeners = peak;
  if (typeof p.streampath === 'string' && /^\/[^\s#]*$/.test(p.streampath)) stats.streamPath = p.streampath;
  return stats;
}

function summarise(stats: ShoutcastStats, res: HttpResponse): MountStatus {
  const status: MountStatus = { live: stats.live, listeners: stats.listeners, ms: res.ms, bytes: res.bytes };
  if (stats.peakListeners !== undefined) status.extra = { peakListeners: stats.peakListeners };
  return status;
}

export const shoutcast: SourceDefinition<ShoutcastConfig> = {
  kind: 'shoutcast',
  configSchema: ShoutcastConfig,
  probe,
  description: 'SHOUTcast DNAS 2 server: listeners from /stats?json=1 and a listener join on the stream',
};
