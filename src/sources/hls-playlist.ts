// Pure HLS playlist parsing (RFC 8216): no I/O, no clock. The hls source fetches and judges; this
// file only says what a playlist contains, or why it is not one a player could use.

/** One variant stream of a master playlist (§4.3.4.2 EXT-X-STREAM-INF). */
export interface Variant {
  /** Absolute URL, resolved against the playlist's own URL (§4.1). */
  url: string;
  /** Peak bits per second; REQUIRED by §4.3.4.2, absent when the server left it out or garbled it. */
  bandwidth?: number;
  /** CODECS as listed (RFC 6381 names), empty when the attribute is absent. */
  codecs: string[];
  resolution?: string;
}

export interface MasterPlaylist {
  kind: 'master';
  variants: Variant[];
}

export interface Segment {
  url: string;
  /** EXTINF duration, seconds. */
  duration: number;
  /** Media Sequence Number (§3): EXT-X-MEDIA-SEQUENCE plus the segment's position. */
  sequence: number;
}

export interface MediaPlaylist {
  kind: 'media';
  /** EXT-X-TARGETDURATION, seconds (§4.3.3.1): every segment is at most this long, rounded. */
  targetDuration: number;
  /** EXT-X-MEDIA-SEQUENCE (§4.3.3.2): number of the first segment; 0 when the tag is absent. */
  mediaSequence: number;
  /** Never empty: a media playlist without segments is rejected (see parsePlaylist). */
  segments: Segment[];
  /** EXT-X-ENDLIST (§4.3.3.4): no more segments will be added. */
  endList: boolean;
  /** EXT-X-PLAYLIST-TYPE (§4.3.3.5), when given. */
  playlistType?: 'EVENT' | 'VOD';
}

export type Playlist = MasterPlaylist | MediaPlaylist;
export type ParseResult = { ok: true; playlist: Playlist } | { ok: false; reason: string };

// Tags that only a master playlist carries (§4.3.4) and tags that only a media playlist carries
// (§4.3.3, §4.3.2). §4.3.4: a client MUST fail to parse a playlist that mixes them.
const MASTER_TAGS = new Set(['#EXT-X-STREAM-INF', '#EXT-X-I-FRAME-STREAM-INF', '#EXT-X-MEDIA', '#EXT-X-SESSION-DATA', '#EXT-X-SESSION-KEY']);
const MEDIA_TAGS = new Set(['#EXTINF', '#EXT-X-TARGETDURATION', '#EXT-X-MEDIA-SEQUENCE', '#EXT-X-ENDLIST', '#EXT-X-PLAYLIST-TYPE', '#EXT-X-DISCONTINUITY-SEQUENCE', '#EXT-X-BYTERANGE']);
const DECIMAL_INTEGER = /^\d{1,16}$/;
const DECIMAL_FLOAT = /^\d{1,16}(\.\d{1,16})?$/;

/**
 * Parses a playlist and resolves its URIs against `baseUrl` (the URL that answered, after
 * redirects). Tolerant where RFC 8216 asks clients to be (§6.3.1: unrecognised tags and attributes
 * are ignored; comments and blank lines too, §4.1), strict where a player would fail: no #EXTM3U
 * first line (§4.3.1.1), a byte order mark (§4.1), master and media tags mixed (§4.3.4), a missing or
 * malformed EXT-X-TARGETDURATION, EXT-X-MEDIA-SEQUENCE or EXTINF, and a playlist with neither variants
 * nor segments — nothing a listener could play.
 */
export function parsePlaylist(text: string, baseUrl: string): ParseResult {
  if (text.startsWith('\uFEFF')) return invalid('starts with a byte order mark (RFC 8216 §4.1)');
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  if (lines[0] !== '#EXTM3U') return invalid(text.trim() === '' ? 'empty playlist' : 'first line is not #EXTM3U');

  let master = false;
  let media = false;
  const variants: Variant[] = [];
  const segments: Omit<Segment, 'sequence'>[] = [];
  let targetDuration: number | undefined;
  let mediaSequence = 0;
  let endList = false;
  let playlistType: MediaPlaylist['playlistType'];
  // A URI line belongs to the EXT-X-STREAM-INF or EXTINF right before it (§4.3.4.2, §4.3.2.1).
  let pendingVariant: Omit<Variant, 'url'> | undefined;
  let pendingDuration: number | undefined;

  for (const line of lines.slice(1)) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      if (!line.startsWith('#EXT')) continue; // a comment (§4.1)
      const colon = line.indexOf(':');
      const name = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1);
      if (MASTER_TAGS.has(name)) master = true;
      if (MEDIA_TAGS.has(name)) media = true;
      switch (name) {
        case '#EXT-X-STREAM-INF':
          pendingVariant = variantAttributes(parseAttributeList(value));
          break;
        case '#EXT-X-TARGETDURATION':
          if (!DECIMAL_FLOAT.test(value) || Number(value) <= 0) return invalid(`EXT-X-TARGETDURATION is not a positive number: ${clip(value)}`);
          targetDuration = Number(value);
          break;
        case '#EXT-X-MEDIA-SEQUENCE':
          if (!DECIMAL_INTEGER.test(value) || !Number.isSafeInteger(Number(value))) return invalid(`EXT-X-MEDIA-SEQUENCE is not an integer: ${clip(value)}`);
          mediaSequence = Number(value);
          break;
        case '#EXTINF': {
          const duration = value.split(',')[0]!.trim();
          if (!DECIMAL_FLOAT.test(duration)) return invalid(`EXTINF duration is not a number: ${clip(value)}`);
          pendingDuration = Number(duration);
          break;
        }
        case '#EXT-X-ENDLIST':
          endList = true;
          break;
        case '#EXT-X-PLAYLIST-TYPE':
          if (value === 'EVENT' || value === 'VOD') playlistType = value;
          break;
        default: // an unrecognised tag (§6.3.1)
      }
      continue;
    }
    // A URI line. One that follows neither EXT-X-STREAM-INF nor EXTINF is not a variant or a segment
    // by the grammar; it is ignored rather than fetched, so stray text never becomes a request.
    const url = resolve(line, baseUrl);
    if (pendingVariant && url) variants.push({ url, ...pendingVariant });
    else if (pendingDuration !== undefined && url) segments.push({ url, duration: pendingDuration });
    pendingVariant = undefined;
    pendingDuration = undefined;
  }

  if (master && media) return invalid('mixes master and media playlist tags (RFC 8216 §4.3.4)');
  if (master) return variants.length ? { ok: true, playlist: { kind: 'master', variants } } : invalid('master playlist without a usable variant');
  if (segments.length === 0) return invalid('no segments and no variants');
  if (targetDuration === undefined) return invalid('media playlist without EXT-X-TARGETDURATION (RFC 8216 §4.3.3.1)');
  const playlist: MediaPlaylist = {
    kind: 'media',
    targetDuration,
    mediaSequence,
    segments: segments.map((s, i) => ({ ...s, sequence: mediaSequence + i })),
    endList,
  };
  if (playlistType) playlist.playlistType = playlistType;
  return { ok: true, playlist };
}

/**
 * The variant the probe joins: the lowest-BANDWIDTH audio-only one, else the lowest-BANDWIDTH of all.
 * Lowest, because the probe asks "can a listener get in and does audio flow", not "how good is it":
 * the smallest variant costs the least per probe (probes run every few seconds for hours), and it is
 * the one a listener on a poor connection falls back to, so if it fails, nobody gets in. Every
 * variant carries the same programme, so its freshness stands for the stream's. Audio-only, because
 * spacewatch watches audio: a video broadcast's audio-only rendition is what a listener would pick.
 * A variant without BANDWIDTH ranks last (it broke a REQUIRED attribute, §4.3.4.2).
 */
export function pickVariant(variants: readonly Variant[]): Variant | undefined {
  const audio = variants.filter(isAudioOnly);
  const pool = audio.length ? audio : variants;
  let best: Variant | undefined;
  for (const v of pool) if (!best || (v.bandwidth ?? Infinity) < (best.bandwidth ?? Infinity)) best = v;
  return best;
}

// RFC 6381 codec names of audio formats HLS carries: AAC/MP3 (mp4a.*), AC-3, E-AC-3, Opus, FLAC, ALAC.
const AUDIO_CODEC = /^(mp4a|ac-3|ec-3|opus|flac|alac|mp3)(\.|$)/i;

/** Audio-only when every listed codec is an audio codec, or, without CODECS, when no RESOLUTION says video. */
export function isAudioOnly(v: Variant): boolean {
  if (v.codecs.length) return v.codecs.every((c) => AUDIO_CODEC.test(c));
  return v.resolution === undefined;
}

/**
 * The segment a listener joining now would fetch first. §6.3.3: on a live playlist a client SHOULD
 * NOT start less than three target durations from the end, so this is the last segment that starts
 * at least 3×TARGETDURATION before the end (the first one when the playlist is shorter). On an ended
 * playlist, the first segment.
 */
export function joinSegment(p: MediaPlaylist): Segment {
  if (p.endList) return p.segments[0]!;
  const minFromEnd = 3 * p.targetDuration;
  let fromEnd = 0;
  for (let i = p.segments.length - 1; i >= 0; i--) {
    fromEnd += p.segments[i]!.duration;
    if (fromEnd >= minFromEnd) return p.segments[i]!;
  }
  return p.segments[0]!;
}

/** Media Sequence Number of the newest segment: how far the stream has got. */
export function newestSequence(p: MediaPlaylist): number {
  return p.mediaSequence + p.segments.length - 1;
}

/**
 * An attribute list (§4.2): `NAME=value` pairs separated by commas, where a quoted-string may itself
 * hold commas. Pairs that do not parse are skipped; names are upper-case by the grammar.
 */
export function parseAttributeList(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const pair = /\s*([A-Z0-9-]+)=("[^"\r\n]*"|[^,]*)\s*(?:,|$)/y;
  let pos = 0;
  while (pos < text.length) {
    pair.lastIndex = pos;
    const m = pair.exec(text);
    if (!m) {
      // Skip to the next comma outside quotes and try again.
      const next = text.indexOf(',', pos);
      if (next < 0) break;
      pos = next + 1;
      continue;
    }
    const raw = m[2]!.trim();
    out[m[1]!] = raw.startsWith('"') ? raw.slice(1, -1) : raw;
    pos = pair.lastIndex;
  }
  return out;
}

function variantAttributes(attrs: Record<string, string>): Omit<Variant, 'url'> {
  const v: Omit<Variant, 'url'> = { codecs: attrs.CODECS ? attrs.CODECS.split(',').map((c) => c.trim()).filter(Boolean) : [] };
  if (attrs.BANDWIDTH !== undefined && DECIMAL_INTEGER.test(attrs.BANDWIDTH)) v.bandwidth = Number(attrs.BANDWIDTH);
  if (attrs.RESOLUTION) v.resolution = attrs.RESOLUTION;
  return v;
}

/** Only http(s): a playlist must not make the poller open file:, data: or other schemes. */
function resolve(uri: string, base: string): string | undefined {
  try {
    const u = new URL(uri, base);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : undefined;
  } catch {
    return undefined;
  }
}

function invalid(reason: string): ParseResult {
  return { ok: false, reason };
}

function clip(s: string): string {
  return JSON.stringify(s.slice(0, 40));
}
