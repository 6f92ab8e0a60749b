/**
 * POST /loss. No work here: the body (validated on the main thread when small, left as bytes
 * for a worker when large or compressed) goes to the pool plugin, which decodes, computes and
 * encodes it (pipeline/loss-pipeline.ts) and sends the answer's bytes.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { LossOperationSchema } from '../schemas/loss-operation.js';

const lossRoute: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/loss', { schema: LossOperationSchema, config: { offloadBody: true } }, async (request, reply) =>
    reply.compute({ route: 'loss', body: request.body }),
  );
};

export default lossRoute;
