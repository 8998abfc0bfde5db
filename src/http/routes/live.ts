import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

// Placeholder: being built (issue 5).
const live: FastifyPluginAsyncTypebox = async () => {};

export default live;
