import { Type, type Static, type TUnsafe } from '@sinclair/typebox';
import type { SourceConfig } from '../types.js';
import { hls, HlsConfig } from './hls.js';
import { json, JsonConfig } from './json.js';
import type { SourceDefinition } from './source.js';
import { twitch, TwitchConfig } from './twitch.js';
import { xSpace, XSpaceConfig } from './x-space.js';
import { youtube, YouTubeConfig } from './youtube.js';

// The registry: one entry per protocol (as blackbox_exporter's prober map). Adding a source means a
// file beside this one and a line here; see docs/adding-a-source.md.
export type Sources = Readonly<Record<string, SourceDefinition>>;

export function defaultSources(): Sources {
  return Object.freeze({
    [xSpace.kind]: xSpace as unknown as SourceDefinition,
    [json.kind]: json as unknown as SourceDefinition,
    [hls.kind]: hls as unknown as SourceDefinition,
    [twitch.kind]: twitch as unknown as SourceDefinition,
    [youtube.kind]: youtube as unknown as SourceDefinition,
  });
}

/** Union of every registered source's config, discriminated by `kind` (ajv `discriminator`, OpenAPI `discriminator`). */
export type AnySourceConfig =
  | Static<typeof XSpaceConfig>
  | Static<typeof JsonConfig>
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
