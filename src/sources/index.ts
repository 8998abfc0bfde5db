import { Type, type Static, type TUnsafe } from '@sinclair/typebox';
import type { Logger } from 'pino';
import type { SourceConfig } from '../types.js';
import { withAudioLevel } from './audio-level.js';
import { hls, HlsConfig } from './hls.js';
import { icecast, IcecastConfig } from './icecast.js';
import { json, JsonConfig } from './json.js';
import type { SourceDefinition } from './source.js';
import { shoutcast, ShoutcastConfig } from './shoutcast.js';
import { twitch, TwitchConfig } from './twitch.js';
import { xSpace, XSpaceConfig } from './x-space.js';
import { youtube, YouTubeConfig } from './youtube.js';

// The registry: one entry per protocol (as blackbox_exporter's prober map). Adding a source means a
// file beside this one and a line here; see docs/adding-a-source.md.
export type Sources = Readonly<Record<string, SourceDefinition>>;

export interface SourcesOptions {
  /** Where the audio-level check says, once, that ffmpeg is missing. */
  log?: Logger;
  ffmpegPath?: string;
}

const trimSlash = (url: string) => url.replace(/\/+$/, '');

export function defaultSources(o: SourcesOptions = {}): Sources {
  return Object.freeze({
    [xSpace.kind]: xSpace as unknown as SourceDefinition,
    [json.kind]: json as unknown as SourceDefinition,
    // Sources that carry audio get the optional dead-air check (`audioLevel` in their config).
    [icecast.kind]: withAudioLevel(icecast, { ...o, streamUrl: (c) => `${trimSlash(c.url)}${c.mount}` }) as unknown as SourceDefinition,
    [shoutcast.kind]: withAudioLevel(shoutcast, {
      ...o,
      streamUrl: (c) => `${trimSlash(c.url)}${c.streamPath ?? `/stream/${c.sid ?? 1}/`}`,
    }) as unknown as SourceDefinition,
    [hls.kind]: withAudioLevel(hls, { ...o, streamUrl: (c) => c.url }) as unknown as SourceDefinition,
    [twitch.kind]: twitch as unknown as SourceDefinition,
    [youtube.kind]: youtube as unknown as SourceDefinition,
  });
}

/** Union of every registered source's config, discriminated by `kind` (ajv `discriminator`, OpenAPI `discriminator`). */
export type AnySourceConfig =
  | Static<typeof XSpaceConfig>
  | Static<typeof JsonConfig>
  | Static<typeof IcecastConfig>
  | Static<typeof ShoutcastConfig>
  | Static<typeof HlsConfig>
  | Static<typeof TwitchConfig>
  | Static<typeof YouTubeConfig>;

export function sourceConfigSchema(sources: Sources = defaultSources()): TUnsafe<AnySourceConfig & SourceConfig> {
  return Type.Unsafe<AnySourceConfig & SourceConfig>({
    type: 'object',
    required: ['kind'],
    discriminator: { propertyName: 'kind' },
    oneOf: Object.values(sources).map((s) => s.configSchema),
    description: 'What to watch: `kind` picks the probe; the other fields are that probe\'s own',
  });
}
