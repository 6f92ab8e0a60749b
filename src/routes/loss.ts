/**
 * POST /loss: validate (schema) -> decode to typed arrays -> worker pool -> encode.
 * No math here.
 */
import { performance } from 'node:perf_hooks';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { LossRequestSchema } from '../schemas/loss-request.js';
import { LossResponseSchema, type LossResponse } from '../schemas/loss-response.js';
import { ProblemSchema } from '../schemas/problem.js';
import { decodeLossRequest } from '../tensors/decode-loss-request.js';
import { encodeLossResponse, serializeLossResponse } from '../tensors/encode-loss-response.js';

export interface LossRouteOptions {
  maxElements: number;
}

const lossRoute: FastifyPluginAsyncTypebox<LossRouteOptions> = async (app, options) => {
  app.post(
    '/loss',
    {
      schema: {
        body: LossRequestSchema,
        response: {
          200: LossResponseSchema,
          400: ProblemSchema,
          413: ProblemSchema,
          415: ProblemSchema,
          422: ProblemSchema,
          503: ProblemSchema,
        },
      },
    },
    async (request, reply) => {
      const decoded = decodeLossRequest(request.body, { maxElements: options.maxElements });
      const { mode, n, c } = decoded.meta;
      const started = performance.now();
      const result = await app.focalPool.run(decoded.problem);
      request.compute = { mode, n, c, computeMs: Math.round((performance.now() - started) * 1000) / 1000 };
      const body = encodeLossResponse(decoded, result);
      // Serialised here, not by the response schema's compiled serializer: the body is already
      // checked to be finite, and JSON.stringify is the fastest writer for large arrays.
      // Fastify sends a string payload as it is.
      return reply.type('application/json; charset=utf-8').send(serializeLossResponse(body) as unknown as LossResponse);
    },
  );
};

export default lossRoute;
