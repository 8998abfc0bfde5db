import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { SpacewatchError } from '../../errors.js';
import { END_OF_TIME } from '../../schemas/common.js';
import { onAirRecord } from '../../status/on-air-record.js';
import type { Store } from '../../storage/store.js';
import type { Observation, Target } from '../../types.js';
import { checker } from '../../validation.js';
import { observationMs } from '../instant.js';
import { parseNdjson } from '../ndjson.js';
import { BEARER, withErrors } from '../schemas/error.js';
import { ImportBody, ImportResult, ImportRow } from '../schemas/observation.js';
import { TargetParams } from '../schemas/target.js';
import { loadTarget } from './targets.js';

/**
 * An imported broadcast has no poller to notice when it went on air, and the status reads only the
 * last hour: the moment these rows show is recorded as the engine would (src/status/on-air-record.ts).
 */
async function recordOnAir(store: Store, target: Target, rows: readonly Observation[]): Promise<void> {
  const events = await store.events(target.id, 0, END_OF_TIME);
  const event = onAirRecord(target, events, [...rows].sort((a, b) => a.at - b.at), Date.now());
  if (event) await store.appendEvent(target.id, event);
}

function toObservation(row: ImportRow, at: number): Observation {
  const obs: Observation = { at, state: row.state ?? 'unknown', source: row.source };
  if (row.listeners !== undefined) obs.listeners = row.listeners;
  if (row.join) obs.join = row.join;
  if (row.extra) obs.extra = row.extra;
  return obs;
}

const observations: FastifyPluginAsyncTypebox = async (app) => {
  const maxRows = app.settings.importMaxRows;
  const row = checker(ImportRow);

  // Encapsulated in this plugin: NDJSON is accepted here and nowhere else (elsewhere it is a 415).
  app.addContentTypeParser('application/x-ndjson', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseNdjson(body as string, maxRows, (value) => observationMs(row.parse(value).at, 'at')));
    } catch (err) {
      done(err as Error, undefined);
    }
  });

  app.post(
    '/targets/:id/observations',
    {
      schema: {
        tags: ['data'],
        summary: 'Import observations',
        description:
          `A JSON array (application/json) or one row per line (application/x-ndjson), at most ${maxRows} rows. ` +
          'Each row carries its provenance in `source`. A row at a millisecond the target already has is counted as a duplicate and dropped, never overwritten.',
        security: BEARER,
        params: TargetParams,
        body: ImportBody,
        response: withErrors({ 200: ImportResult }),
      },
      // After parsing, before validation: a huge array is refused without validating every row.
      preValidation: async (request) => {
        if (Array.isArray(request.body) && request.body.length > maxRows) throw new SpacewatchError('SW_IMPORT_TOO_LARGE', maxRows);
      },
    },
    async (request) => {
      const target = await loadTarget(app, request.params.id);
      // NDJSON rows passed this check line by line in the parser; JSON rows get it here, by index.
      const items = request.body.map((r, i) => ({ targetId: target.id, obs: toObservation(r, observationMs(r.at, `body[${i}].at`)) }));
      if (items.length === 0) return { written: 0, duplicates: 0 };
      const result = await app.store.append(items);
      if (result.written > 0) await recordOnAir(app.store, target, items.map((i) => i.obs));
      return result;
    },
  );
};

export default observations;
