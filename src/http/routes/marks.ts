import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { SpacewatchError } from '../../errors.js';
import { toIso } from '../../schemas/common.js';
import { MARK_KINDS, markEvent, type Mark } from '../../status/marks.js';
import { instantMs } from '../instant.js';
import { BEARER, withErrors } from '../schemas/error.js';
import { MarkInput, MarkView } from '../schemas/marks.js';
import { TargetParams } from '../schemas/target.js';
import { loadTarget } from './targets.js';

/** A mark records something that happened; a little clock skew between operator and server is tolerated. */
export const MARK_FUTURE_SKEW_MS = 60_000;

const marks: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/targets/:id/marks',
    {
      schema: {
        tags: ['events'],
        summary: 'Post an operator mark',
        description:
          `\`kind\` is one of ${MARK_KINDS.map((k) => `\`${k}\``).join(', ')}. A \`program-start\` mark puts the target on air ` +
          '(it wins over the data); a `program-end` mark ends it. `at` defaults to now and may be at most a minute ahead of the server\'s clock. ' +
          'Marks appear on the timeline as `mark` events.',
        security: BEARER,
        params: TargetParams,
        body: MarkInput,
        response: withErrors({ 201: MarkView }),
      },
    },
    async (request, reply) => {
      const target = await loadTarget(app, request.params.id);
      const body = request.body;
      const now = Date.now();
      const at = body.at === undefined ? now : instantMs(body.at, 'body.at');
      if (at > now + MARK_FUTURE_SKEW_MS) throw new SpacewatchError('SW_VALIDATION', 'body.at: must not be in the future (a mark records something that happened)');
      const mark: Mark = { at, kind: body.kind, ...(body.text === undefined ? {} : { text: body.text }) };
      const id = await app.store.appendEvent(target.id, markEvent(mark));
      reply.code(201);
      return { id, at: toIso(at), kind: mark.kind, ...(mark.text === undefined ? {} : { text: mark.text }) };
    },
  );
};

export default marks;
