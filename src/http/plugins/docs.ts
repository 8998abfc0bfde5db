import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fp from 'fastify-plugin';

/**
 * OpenAPI generated from the routes' own TypeBox schemas (one schema, two uses), served at
 * /docs/json and browsable at /docs. Must be registered before the routes: it collects them in onRoute.
 */
export default fp(
  async (app) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'spacewatch',
          description:
            'Watches live audio broadcasts: on air on time, healthy, and are the audience claims true. ' +
            'Times are accepted as ISO-8601 or epoch ms and returned as ISO-8601 (series arrays use epoch ms). ' +
            'Every error has the shape `ErrorResponse` with a stable `code`.',
          version: '1',
        },
        tags: [
          { name: 'targets', description: 'What to watch' },
          { name: 'data', description: 'Observations and series' },
          { name: 'events', description: 'Alerts, marks, claims, the timeline and the post-incident report' },
          { name: 'live', description: 'Server-Sent Events and the overview of every target' },
          { name: 'ops', description: 'Health, readiness and Prometheus metrics' },
        ],
        components: {
          securitySchemes: {
            bearerAuth: { type: 'http', scheme: 'bearer', description: 'SPACEWATCH_TOKEN; required on write endpoints when the server sets one' },
          },
        },
      },
      // Keep shared schemas under their own names (ErrorResponse, Target) instead of def-0, def-1.
      refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
    });
    await app.register(swaggerUi, { routePrefix: '/docs' });
  },
  { name: 'spacewatch-docs', fastify: '5.x' },
);
