import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

const metrics: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/metrics',
    { schema: { tags: ['ops'], summary: 'Prometheus metrics (text exposition format)', produces: ['text/plain'] } },
    async (_request, reply) => {
      reply.type(app.registry.contentType);
      return app.registry.metrics();
    },
  );
};

export default metrics;
