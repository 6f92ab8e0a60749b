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
import { oipErrorNaming } from '../oip/error-naming.js';
import { HEADER_LENGTH_HEADER } from '../oip/binary-framing.js';
import { MODEL_VERSION, resolveModel, type ModelPath } from '../oip/models.js';
import { selectOutputs } from '../oip/select-outputs.js';
import { toLossInput } from '../oip/to-loss-input.js';
import { ProblemError } from '../errors/problem-error.js';
import type { InferenceRequest } from '../schemas/oip.js';
import { decodeLossRequest, type DecodedLossRequest, type DecodeLimits } from '../tensors/decode-loss-request.js';
import { CALIBRATION_BINS, PT_BINS } from 'focal-loss-client/merge';
import type { SelectedOutput } from '../oip/select-outputs.js';
import { checkAnswerSize, JSON_NUMBER_BYTES, type AnswerPart } from './answer-size.js';
import type { Answer, PreparedInfer } from './answer.js';

/**
 * The content type of every JSON answer under /v2: exactly `application/json` (JSON is UTF-8 by
 * definition, RFC 8259), because KServe's InferenceRESTClient reads the `error` of a failed
 * request only when the content type is exactly that string.
 */
export const OIP_JSON_TYPE = 'application/json';

export function prepareInfer(
  params: ModelPath,
  body: InferenceRequest,
  binary: Buffer | null,
  limits: DecodeLimits & { responseLimit?: number },
): PreparedInfer {
  const model = resolveModel(params);
  if (body.model_name !== undefined && body.model_name !== model.name) {
    throw new ProblemError(
      'invalid-request',
      `model_name "${body.model_name.slice(0, 100)}" in the body does not match the URL's ${model.name}`,
    );
  }
  if (body.model_version !== undefined && body.model_version !== MODEL_VERSION) {
    throw new ProblemError(
      'invalid-request',
      `model_version "${body.model_version.slice(0, 100)}" in the body: the only version is ${MODEL_VERSION}`,
    );
  }
  const settings = body.parameters ?? {};
  const outputs = selectOutputs(model, body.outputs, settings.binary_data_output ?? false);
  const inputs = decodeInputs(model, body.inputs, binary, limits.maxElements);
  const logitsShape = [...inputs.logits!.shape];
  const decoded = decodeLossRequest(toLossInput(model, inputs, settings, outputs), limits, oipErrorNaming(inputs));
  checkAnswerSize(
    inferAnswerParts(decoded, outputs),
    limits.responseLimit,
    '#/outputs',
    'ask for fewer outputs, binary_data_output: true, FP32 outputs, or a smaller batch',
  );
  return { route: 'infer', decoded, model, requestId: body.id, logitsShape, outputs };
}

/** What an inference answer will hold, by size: each selected output, as JSON or binary data. */
function inferAnswerParts(decoded: DecodedLossRequest, outputs: SelectedOutput[]): AnswerPart[] {
  return outputs.map(({ spec, binary, datatype }) => {
    const name = spec.name;
    const elements = outputElements(name, decoded);
    return {
      name: `${name} as ${binary ? `binary ${datatype}` : 'JSON'}`,
      elements,
      bytesPerElement: binary ? (datatype === 'FP32' ? 4 : 8) : JSON_NUMBER_BYTES,
    };
  });
}

/** How many numbers an output holds. */
function outputElements(name: string, decoded: DecodedLossRequest): number {
  const { n, c, mode } = decoded.meta;
  if (name === 'gradient') return n * c;
  if (name === 'losses') return mode === 'multiclass' ? n : n * c;
  if (name === 'class_pt_histogram') return c * PT_BINS;
  if (name === 'calibration_bins') return CALIBRATION_BINS * 3;
  if (name === 'column_calibration_bins') return c * CALIBRATION_BINS * 3;
  if (name === 'confusion') return c * c;
  if (name === 'sweep_loss') return decoded.sweep?.settings.length ?? 0;
  return name.startsWith('class_') ? c : 1;
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
