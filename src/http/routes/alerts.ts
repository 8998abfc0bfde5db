import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

// Filled in by the detection-and-alerting work (issue 4).
const routes: FastifyPluginAsyncTypebox = async () => {};

export default routes;
