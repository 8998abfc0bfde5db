import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

// Placeholder: being built (issue 5).
const report: FastifyPluginAsyncTypebox = async () => {};

export default report;
