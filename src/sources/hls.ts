import { Type, type Static } from '@sinclair/typebox';
import { HttpUrl } from '../schemas/common.js';
import { header, expectOk, failedResult, ProbeFailure, request, type HttpResponse } from './http.js';
import { joinSegment, newestSequence, parsePlaylist, pickVariant, type MediaPlaylist, type Playlist } from './hls-playlist.js';
import type { Probe, ProbeContext, ProbeResult, SourceDefinition } from './source.js';
import { AudioLevelConfig } from './audio-level-config.js';

export const HlsConfig = Type.Object(
  {
    kind: Type.Literal('hls'),
    url: HttpUrl('Master or media playlist (.m3u8)'),
    join: Type.Optional(
      Type.Boolean({
        errorMessage: 'must be true or false',
        description: 'Fetch the first bytes of a segment as a listener would (default true); false reads the playlists only',
      }),
    ),
    audioLevel: Type.Optional(AudioLevelConfig),
  },
  { additionalProperties: false, description: 'HLS (RFC 8216) join probe: master → media playlist → first segment bytes, and the playlist\'s freshness' },
);
export type HlsConfig = Static<typeof HlsConfig>;

/** Segment bytes read per join: enough to prove audio flows (about 2 s of 64 kbit/s AAC), not a download. */
export const SEGMENT_PROBE_BYTES = 16 * 1024;
/** ctx.memory key (per target, kept by the poller between probes). */
const FRESHNESS = 'hls.freshness';
const PLAYLIST_ACCEPT = 'application/vnd.apple.mpegurl, audio/mpegurl;q=0.9, */*;q=0.8';

/** What the probe remembers about a target's media playlist between probes. */
export interface Freshness {
  /** Media Sequence Number of the newest segment seen. */
  newest: number;
  /** ctx.now() when `newest` last went up (or the stream restarted, or it was first seen). */
  advancedAt: number;
}

export interface FreshnessVerdict {
  next: Freshness;
  /** No new segment for ≥ 3×TARGETDURATION. */
  stalled: boolean;
  /** No new segment for more than 1.5×TARGETDURATION, not yet stalled. */
  late: boolean;
  /** The newest segment's number went down: the stream started over. */
  restart?: { from: number; to: number };
}

/**
 * Freshness rules (DESIGN.md "HLS"; RFC 8216 §6.2). Progress is the Media Sequence Number of the
 * newest segment (EXT-X-MEDIA-SEQUENCE + segments − 1), which rises both when a sliding-window
 * playlist moves on (MEDIA-SEQUENCE goes up) and when an EVENT playlist grows (it does not).
 * - up: fresh; the clock restarts.
 * - down: the server broke §6.2.1 (sequence numbers only grow), i.e. the encoder restarted; the clock
 *   restarts, so the new stream is judged on its own.
 * - unchanged for > 1.5×TARGETDURATION: late — §6.2.1 has the server publish a new segment by then.
 * - unchanged for ≥ 3×TARGETDURATION: stalled. A live playlist holds at least three target durations
 *   (§6.2.2) and a client starts at least that far from the end (§6.3.3), so by then a listener who
 *   joined at the live edge has played everything there is and hears nothing.
 * The first sighting has no history and counts as fresh: the probe cannot know how long the playlist
 * had already stood still (after a poller restart, or a config change resetting memory).
 */
export function assessFreshness(prev: Freshness | undefined, p: MediaPlaylist, now: number): FreshnessVerdict {
  const newest = newestSequence(p);
  if (!prev || newest > prev.newest) return { next: { newest, advancedAt: now }, stalled: false, late: false };
  if (newest < prev.newest) return { next: { newest, advancedAt: now }, stalled: false, late: false, restart: { from: prev.newest, to: newest } };
  const still = now - prev.advancedAt;
  const td = p.targetDuration * 1000;
  return { next: prev, stalled: still >= 3 * td, late: still > 1.5 * td && still < 3 * td };
}

/**
 * Joins an HLS stream as a listener would and judges its freshness: master playlist (when `url` is
 * one) → the chosen variant's media playlist → the first bytes of the segment a player would start
 * with. `join.ms` is measured from the start of this call to the segment's response headers (the
 * first segment byte), so it includes both playlist fetches: the wait a listener has before audio.
 * With `fetchSegment: false` (the hls source's `join: false`) it ends at the media playlist's headers.
 *
 * Results: fresh → live, join ok; stalled → live (the playlist still says so: no EXT-X-ENDLIST) with
 * join error `stalled`; EXT-X-ENDLIST → ended, join error `ended`; 404/410 on a playlist or segment →
 * `not_found` (removed); a playlist a player could not use → `invalid_payload`. Used by the hls
 * source and by x-space when a target has a playlistUrl.
 */
export async function joinHls(url: string, ctx: ProbeContext, opts: { fetchSegment?: boolean } = {}): Promise<ProbeResult> {
  const started = performance.now();
  const elapsed = () => performance.now() - started;
  // Which request failed, kept in extra: a playlist that answers while segments do not is a
  // different incident (a CDN, a storage bucket) from a playlist that is gone.
  let step: 'playlist' | 'variant' | 'segment' = 'playlist';
  try {
    let requestedAt = 0;
    let res = await getPlaylist(url, ctx);
    let playlist = parse(res);
    if (playlist.kind === 'master') {
      const variant = pickVariant(playlist.variants);
      if (!variant) throw invalid(res, 'master playlist without a usable variant');
      step = 'variant';
      requestedAt = elapsed();
      res = await getPlaylist(variant.url, ctx);
      playlist = parse(res);
      if (playlist.kind === 'master') throw invalid(res, 'variant is a master playlist, not a media playlist');
    }
    const media = playlist;
    const playlistMs = requestedAt + res.ms;
    const verdict = assessFreshness(readFreshness(ctx.memory), media, ctx.now());
    ctx.memory[FRESHNESS] = verdict.next;

    const extra: NonNullable<ProbeResult['extra']> = { targetDuration: media.targetDuration, mediaSequence: media.mediaSequence, segments: media.segments.length };
    const result: ProbeResult = { state: media.endList ? 'ended' : 'live', join: { ok: true, ms: playlistMs, bytes: res.bytes }, extra };
    if (verdict.restart) result.events = [{ type: 'stream-restart', data: { ...verdict.restart } }];
    if (media.endList) {
      result.join = { ok: false, ms: playlistMs, error: 'ended', bytes: res.bytes };
      return result;
    }
    if (verdict.stalled) {
      result.join = { ok: false, ms: playlistMs, error: 'stalled', bytes: res.bytes };
      return result;
    }
    if (verdict.late) extra.late = true;
    if (opts.fetchSegment === false) return result;
    step = 'segment';
    requestedAt = elapsed();
    const seg = await getSegmentStart(joinSegment(media).url, ctx);
    result.join = { ok: true, ms: requestedAt + seg.ms, bytes: seg.bytes };
    return result;
  } catch (err) {
    if (!(err instanceof ProbeFailure)) throw err;
    ctx.log.debug({ error: err.code, status: err.status, step, reason: err.message }, 'hls probe failed');
    const result = failedResult(err, started, ctx);
    // A failed join's ms is also counted from the start: how long a listener waited before it failed.
    result.join.ms = elapsed();
    result.extra = { ...result.extra, step };
    return result;
  }
}

async function getPlaylist(url: string, ctx: ProbeContext): Promise<HttpResponse> {
  return expectOk(await request(url, { ctx, accept: PLAYLIST_ACCEPT }));
}

function parse(res: HttpResponse): Playlist {
  let text: string;
  try {
    // ignoreBOM keeps a byte order mark in the text, so the parser can refuse it (RFC 8216 §4.1).
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(res.body);
  } catch {
    throw invalid(res, 'playlist is not UTF-8 (RFC 8216 §4.1)');
  }
  const parsed = parsePlaylist(text, res.url);
  if (!parsed.ok) throw invalid(res, parsed.reason);
  return parsed.playlist;
}

/**
 * Reads the start of a segment: a Range request for SEGMENT_PROBE_BYTES (capped by ctx.maxBytes),
 * with the same cap on what is read, so a server that ignores Range still cannot make the probe
 * download the segment. Such a server's longer answer ends in request()'s body_too_large; for a
 * segment that is the cap doing its job, not a failure: a 2xx with at least the cap in bytes proves
 * audio flows. (When the server declares a Content-Length over the cap, request() stops before the
 * first byte; the 2xx headers for a segment of that size are then the evidence, and bytes is 0.)
 * The bytes are not decoded here: segments may be encrypted (EXT-X-KEY), and the audio-level probe
 * is what listens to them.
 */
async function getSegmentStart(url: string, ctx: ProbeContext): Promise<{ ms: number; bytes: number }> {
  const cap = Math.min(SEGMENT_PROBE_BYTES, ctx.maxBytes);
  let res: HttpResponse;
  try {
    res = await request(url, { ctx, maxBytes: cap, headers: { range: `bytes=0-${cap - 1}` } });
  } catch (err) {
    if (err instanceof ProbeFailure && err.code === 'body_too_large' && err.status !== undefined && err.status >= 200 && err.status < 300) {
      return { ms: err.ms ?? 0, bytes: Math.min(err.bytes ?? 0, cap) };
    }
    throw err;
  }
  expectOk(res);
  // A CDN or proxy error page served with 200 is not audio. (Only checked within the cap: request()
  // does not hand back the headers of a body it stopped reading.)
  if (/^text\/html\b/i.test(header(res.headers, 'content-type') ?? '')) throw invalid(res, 'segment answered with an HTML page');
  if (res.bytes === 0) throw invalid(res, 'empty segment');
  return { ms: res.ms, bytes: res.bytes };
}

function readFreshness(memory: Record<string, unknown>): Freshness | undefined {
  const f = memory[FRESHNESS] as Partial<Freshness> | undefined;
  return f && typeof f.newest === 'number' && typeof f.advancedAt === 'number' ? { newest: f.newest, advancedAt: f.advancedAt } : undefined;
}

function invalid(res: HttpResponse, why: string): ProbeFailure {
  return new ProbeFailure('invalid_payload', why, { ms: res.ms, bytes: res.bytes, status: res.status });
}

export const probe: Probe<HlsConfig> = (target, ctx) => joinHls(target.source.url, ctx, { fetchSegment: target.source.join ?? true });

export const hls: SourceDefinition<HlsConfig> = {
  kind: 'hls',
  configSchema: HlsConfig,
  probe,
  description: 'HLS (RFC 8216) join probe: master → media playlist → first segment; stalled, ended, restarted',
};
