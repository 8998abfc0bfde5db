import { Type, type Static } from '@sinclair/typebox';

/**
 * Optional dead-air check on a stream source (icecast, shoutcast, hls): every `everyMs`, decode
 * `seconds` of the stream with ffmpeg and record its level in dBFS; below `silenceDb` counts as
 * silence. Decoding costs CPU, so it runs far less often than the join probe.
 */
export const AudioLevelConfig = Type.Object(
  {
    seconds: Type.Optional(Type.Number({ minimum: 1, maximum: 30, errorMessage: 'must be a number of seconds between 1 and 30' })),
    everyMs: Type.Optional(Type.Integer({ minimum: 5_000, maximum: 86_400_000, errorMessage: 'must be an integer number of milliseconds between 5000 and 86400000' })),
    silenceDb: Type.Optional(Type.Number({ minimum: -120, maximum: 0, errorMessage: 'must be a level in dBFS between -120 and 0' })),
  },
  { additionalProperties: false, description: 'Dead-air check: decode a few seconds with ffmpeg and record the level in dBFS' },
);
export type AudioLevelConfig = Static<typeof AudioLevelConfig>;

export const AUDIO_LEVEL_DEFAULTS = { seconds: 3, everyMs: 60_000, silenceDb: -50 } as const;
