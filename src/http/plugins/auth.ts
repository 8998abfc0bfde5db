import { createHash, timingSafeEqual } from 'node:crypto';
import fp from 'fastify-plugin';
import { SpacewatchError } from '../../errors.js';

export interface AuthOptions {
  /** SPACEWATCH_TOKEN; when absent every endpoint is open. */
  token?: string;
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

// Comparing SHA-256 digests gives equal-length buffers, so timingSafeEqual can run without first
// leaking the token's length through an early length check.
function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Writes need `Authorization: Bearer <token>`; reads stay open so dashboards and scrapers need no secret. */
export default fp<AuthOptions>(
  async (app, opts) => {
    if (!opts.token) return;
    const expected = digest(opts.token);
    // onRequest runs before the body is read, so an unauthenticated client cannot make us buffer it.
    app.addHook('onRequest', async (request, reply) => {
      if (!WRITE_METHODS.has(request.method)) return;
      const match = /^Bearer +(\S+) *$/i.exec(request.headers.authorization ?? '');
      if (!match) {
        reply.header('www-authenticate', 'Bearer realm="spacewatch"');
        throw new SpacewatchError('SW_UNAUTHORIZED');
      }
      if (!timingSafeEqual(digest(match[1]!), expected)) {
        reply.header('www-authenticate', 'Bearer realm="spacewatch", error="invalid_token"');
        throw new SpacewatchError('SW_FORBIDDEN');
      }
    });
  },
  { name: 'spacewatch-auth', fastify: '5.x' },
);
