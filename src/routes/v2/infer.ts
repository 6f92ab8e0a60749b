/**
 * POST /v2/models/{model}[/versions/{version}]/infer: the Open Inference Protocol's inference
 * route, inside the compute scope (same API keys, rate limit, load shedding, pool, deadline and
 * cancellation as POST /loss). Flow: frame the body (JSON, or JSON header + binary tensor data)
 * -> decode the inputs to typed arrays -> the shared checks (tensors/) -> worker pool -> encode
 * the selected outputs as JSON or binary. No math here. Registered under the /v2 prefix.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { decodeInputs } from '../../oip/decode-inputs.js';
import { encodeInferenceResponse } from '../../oip/encode-response.js';
import { HEADER_LENGTH_HEADER } from '../../oip/binary-framing.js';
import { MODEL_VERSION, resolveModel } from '../../oip/models.js';
import { selectOutputs } from '../../oip/select-outputs.js';
import { toLossInput } from '../../oip/to-loss-input.js';
import { ProblemError } from '../../errors/problem-error.js';
import { useInferenceBodyParser } from '../../plugins/oip-body.js';
import type { InferenceResponse } from '../../schemas/oip.js';
import { inferOperation } from '../../schemas/oip-operations.js';
import { decodeLossRequest } from '../../tensors/decode-loss-request.js';
import { computeOnPool } from '../loss.js';
import { OIP_JSON_TYPE, useOipErrors } from './oip-errors.js';

export interface InferRouteOptions {
  maxElements: number;
  maxClasses: number;
  requestTimeoutMs: number;
  maxJsonDepth: number;
  bodyLimit: number;
}

const oipInferRoute: FastifyPluginAsyncTypebox<InferRouteOptions> = async (app, options) => {
  useOipErrors(app, { notFound: false });
  useInferenceBodyParser(app, { maxDepth: options.maxJsonDepth, bodyLimit: options.bodyLimit });
  const limits = { maxElements: options.maxElements, maxClasses: options.maxClasses };

  for (const versioned of [false, true]) {
    app.post(
      versioned ? '/models/:model_name/versions/:model_version/infer' : '/models/:model_name/infer',
      { schema: inferOperation(versioned) },
      async (request, reply) => {
        const body = request.body;
        const params = request.params as { model_name: string; model_version?: string };
        const model = resolveModel(params.model_name, params.model_version);
        if (body.model_name !== undefined && body.model_name !== model.name) {
          throw new ProblemError('invalid-request', `model_name "${body.model_name.slice(0, 100)}" in the body does not match the URL's ${model.name}`);
        }
        if (body.model_version !== undefined && body.model_version !== MODEL_VERSION) {
          throw new ProblemError('invalid-request', `model_version "${body.model_version.slice(0, 100)}" in the body: the only version is ${MODEL_VERSION}`);
        }
        const settings = body.parameters ?? {};
        const outputs = selectOutputs(model, body.outputs, settings.binary_data_output ?? false);
        const inputs = decodeInputs(model, body.inputs, request.inferenceBinary ?? null, options.maxElements);
        const logitsShape = [...inputs.logits!.shape];
        const decoded = decodeLossRequest(toLossInput(model, inputs, settings, outputs), limits);

        const result = await computeOnPool(reply, decoded, options.requestTimeoutMs);

        const encoded = encodeInferenceResponse({ model, requestId: body.id, decoded, logitsShape, outputs, result });
        // Sent as bytes, not through the response schema's serializer (the JSON is built and checked finite already).
        if (encoded.binary === null) return reply.type(OIP_JSON_TYPE).send(encoded.json as unknown as InferenceResponse);
        reply.header(HEADER_LENGTH_HEADER, String(encoded.json.length)).type('application/octet-stream');
        return reply.send(Buffer.concat([encoded.json, ...encoded.binary]) as unknown as InferenceResponse);
      },
    );
  }
};

export default oipInferRoute;
