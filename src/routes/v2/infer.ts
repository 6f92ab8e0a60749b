/**
 * POST /v2/models/{model}[/versions/{version}]/infer: the Open Inference Protocol's inference
 * route, inside the compute scope (same API keys, rate limit, load shedding, pool, deadline and
 * cancellation as POST /loss). No work here: the body (JSON, or JSON header + binary tensor data;
 * validated on the main thread when small, left as bytes for a worker when large or compressed)
 * goes to the pool plugin, which decodes, computes and encodes it (pipeline/infer-pipeline.ts).
 * Registered under the /v2 prefix.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { useInferenceBodyParser, type InferenceBodyOptions } from '../../plugins/oip-body.js';
import { inferOperation } from '../../schemas/oip-operations.js';
import { useOipErrors } from './oip-errors.js';

const oipInferRoute: FastifyPluginAsyncTypebox<InferenceBodyOptions> = async (app, options) => {
  useOipErrors(app, { notFound: false });
  useInferenceBodyParser(app, options);

  for (const versioned of [false, true]) {
    app.post(
      versioned ? '/models/:model_name/versions/:model_version/infer' : '/models/:model_name/infer',
      { config: { inferenceStats: true }, schema: inferOperation(versioned) },
      async (request, reply) =>
        reply.compute({ route: 'infer', body: request.body, params: request.params, binary: request.inferenceBinary ?? null }),
    );
  }
};

export default oipInferRoute;
