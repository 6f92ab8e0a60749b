/**
 * POST /v2/models/{model}[/versions/{version}]/infer as steps that run on either thread: the
 * route's parameters and a schema-valid inference request (its binary tensor data beside it)
 * -> the prepared request (model, outputs, inputs decoded and checked by the same code as
 * POST /loss) -> with the kernel's result, the answer bytes (JSON, or a JSON header followed by
 * binary tensor data). No Fastify, no pool.
 */
import type { FocalResult } from '../kernels/types.js';
import { decodeInputs } from '../oip/decode-inputs.js';
import { encodeInferenceResponse } from '../oip/encode-response.js';
import { HEADER_LENGTH_HEADER } from '../oip/binary-framing.js';
import { MODEL_VERSION, resolveModel } from '../oip/models.js';
import { selectOutputs } from '../oip/select-outputs.js';
import { toLossInput } from '../oip/to-loss-input.js';
import { ProblemError } from '../errors/problem-error.js';
import type { InferenceRequest } from '../schemas/oip.js';
import { decodeLossRequest, type DecodeLimits } from '../tensors/decode-loss-request.js';
import type { Answer, PreparedInfer } from './answer.js';

/**
 * The content type of every JSON answer under /v2: exactly `application/json` (JSON is UTF-8 by
 * definition, RFC 8259), because KServe's InferenceRESTClient reads the `error` of a failed
 * request only when the content type is exactly that string.
 */
export const OIP_JSON_TYPE = 'application/json';

export interface InferParams {
  model_name: string;
  model_version?: string;
}

export function prepareInfer(params: InferParams, body: InferenceRequest, binary: Buffer | null, limits: DecodeLimits): PreparedInfer {
  const model = resolveModel(params.model_name, params.model_version);
  if (body.model_name !== undefined && body.model_name !== model.name) {
    throw new ProblemError('invalid-request', `model_name "${body.model_name.slice(0, 100)}" in the body does not match the URL's ${model.name}`);
  }
  if (body.model_version !== undefined && body.model_version !== MODEL_VERSION) {
    throw new ProblemError('invalid-request', `model_version "${body.model_version.slice(0, 100)}" in the body: the only version is ${MODEL_VERSION}`);
  }
  const settings = body.parameters ?? {};
  const outputs = selectOutputs(model, body.outputs, settings.binary_data_output ?? false);
  const inputs = decodeInputs(model, body.inputs, binary, limits.maxElements);
  const logitsShape = [...inputs.logits!.shape];
  const decoded = decodeLossRequest(toLossInput(model, inputs, settings, outputs), limits);
  return { route: 'infer', decoded, model, requestId: body.id, logitsShape, outputs };
}

export function answerInfer(prepared: PreparedInfer, result: FocalResult): Answer {
  const encoded = encodeInferenceResponse({ ...prepared, result });
  if (encoded.binary === null) return { contentType: OIP_JSON_TYPE, headers: {}, body: encoded.json };
  return {
    contentType: 'application/octet-stream',
    headers: { [HEADER_LENGTH_HEADER]: String(encoded.json.length) },
    body: Buffer.concat([encoded.json, ...encoded.binary]),
  };
}
