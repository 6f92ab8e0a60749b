/**
 * The Open Inference Protocol routes as they declare themselves: path parameters, bodies and
 * responses (by reference to the shared schemas in oip.ts) and the text the OpenAPI document
 * shows. Each model route exists with and without /versions/{model_version}.
 */
import {
  InferenceRequestSchema,
  InferenceResponseSchema,
  ModelParamsSchema,
  ModelVersionParamsSchema,
  OipErrorSchema,
  OipLiveSchema,
  OipModelMetadataSchema,
  OipModelReadySchema,
  OipReadySchema,
  OipServerMetadataSchema,
} from './oip.js';
import { OipModelConfigSchema, OipStatisticsSchema } from './oip-model-info.js';
import { refTo } from './shared.js';
import { API_KEY_OPTIONAL, API_KEY_REQUIRED, NO_API_KEY } from './security.js';

export const OIP_TAG = 'open-inference-protocol';

/** An error response of a /v2 route: the protocol's `{"error"}` object (plus the stable code) as application/json. */
export function oipErrorResponse(description: string) {
  return { description, content: { 'application/json': { schema: refTo(OipErrorSchema) } } };
}

const UNAVAILABLE = oipErrorResponse('The service is shutting down (`unavailable`, with `Retry-After`).');
const UNKNOWN_MODEL = oipErrorResponse('Unknown model or version (`invalid-request`).');

export const serverMetadataOperation = {
  summary: 'Server metadata (Open Inference Protocol)',
  description: 'The server name and version, and the protocol extensions it supports: `binary_tensor_data`, `statistics`.',
  tags: [OIP_TAG],
  operationId: 'oipServerMetadata',
  security: NO_API_KEY,
  response: { 200: refTo(OipServerMetadataSchema) },
};

export const liveOperation = {
  summary: 'Server liveness (Open Inference Protocol)',
  description: 'Always 200 while the process runs, like `/healthz`.',
  tags: [OIP_TAG],
  operationId: 'oipServerLive',
  security: NO_API_KEY,
  response: { 200: refTo(OipLiveSchema) },
};

export const readyOperation = {
  summary: 'Server readiness (Open Inference Protocol)',
  description: '200 while the worker pool runs and the service accepts work; 503 once it drains, like `/readyz`.',
  tags: [OIP_TAG],
  operationId: 'oipServerReady',
  security: NO_API_KEY,
  response: { 200: refTo(OipReadySchema), 503: UNAVAILABLE },
};

const paramsOf = (versioned: boolean) => (versioned ? ModelVersionParamsSchema : ModelParamsSchema);
const idOf = (name: string, versioned: boolean) => (versioned ? `${name}Version` : name);

export function modelMetadataOperation(versioned: boolean) {
  return {
    summary: 'Model metadata (Open Inference Protocol)',
    description:
      'Inputs and outputs of a focal-loss model with their datatype and shape (-1 marks N or C). ' +
      '`parameters.datatypes` lists every datatype an input accepts.',
    tags: [OIP_TAG],
    operationId: idOf('oipModelMetadata', versioned),
    security: NO_API_KEY,
    params: paramsOf(versioned),
    response: { 200: refTo(OipModelMetadataSchema), 400: UNKNOWN_MODEL },
  };
}

export function modelReadyOperation(versioned: boolean) {
  return {
    summary: 'Model readiness (Open Inference Protocol)',
    description: 'The model is ready whenever the service is (the three models share the worker pool).',
    tags: [OIP_TAG],
    operationId: idOf('oipModelReady', versioned),
    security: NO_API_KEY,
    params: paramsOf(versioned),
    response: { 200: refTo(OipModelReadySchema), 400: UNKNOWN_MODEL, 503: UNAVAILABLE },
  };
}

export function modelConfigOperation(versioned: boolean) {
  return {
    summary: 'Model configuration (Triton)',
    description:
      "A Triton-style model configuration, as tritonclient's `get_model_config()` and Triton's perf_analyzer and model " +
      'analyzer read it: inputs and outputs with Triton data types (`TYPE_FP32`, ...) and dims (-1 variable), ' +
      '`max_batch_size` 0, one CPU instance group as large as the worker pool.',
    tags: [OIP_TAG],
    operationId: idOf('oipModelConfig', versioned),
    security: NO_API_KEY,
    params: paramsOf(versioned),
    response: { 200: refTo(OipModelConfigSchema), 400: UNKNOWN_MODEL },
  };
}

/** GET /v2/models/stats (every model), /v2/models/{name}/stats, and under /versions/{v}. */
export function statisticsOperation(scope: 'all' | 'model' | 'version') {
  return {
    summary: scope === 'all' ? 'Inference statistics of every model (Triton)' : 'Inference statistics of a model (Triton)',
    description:
      "Triton's statistics extension, as tritonclient's `get_inference_statistics()` reads it: per model, successful " +
      'and failed requests with their cumulative durations, time in the worker pool (`compute_infer`) and the last ' +
      'inference time, since the process started. Behind the API keys when `AUTH_PROTECT_OPS` is set, like `/metrics`.',
    tags: [OIP_TAG],
    operationId: { all: 'oipStatistics', model: 'oipModelStatistics', version: 'oipModelStatisticsVersion' }[scope],
    security: API_KEY_OPTIONAL,
    ...(scope === 'all' ? {} : { params: paramsOf(scope === 'version') }),
    response: {
      200: refTo(OipStatisticsSchema),
      ...(scope === 'all' ? {} : { 400: UNKNOWN_MODEL }),
      401: oipErrorResponse('`AUTH_PROTECT_OPS` and `API_KEYS` are set and the request has no valid key (`unauthorized`).'),
    },
  };
}

const INFER_DESCRIPTION = `
Focal loss as an Open Inference Protocol (KServe v2 / Triton) model: the same kernels, worker pool,
guards and validation as \`POST /loss\`.

**Inputs** \`logits\` (FP32, FP64, FP16, BF16; binary \`[N]\` or \`[N, 1]\`, else \`[N, C]\`), \`targets\`
(those or UINT8, INT32, INT64, BOOL; the shape of logits, or class ids \`[N]\` / probability rows \`[N, C]\` in
multiclass; dense predictions: logits \`[N, C, d1, ..., dk]\`, rank 3 to 8, class axis 1, targets class ids
\`[N, d1, ..., dk]\` or the logits' shape), optional \`weights\` \`[N]\` and \`alpha\` \`[C]\`, and per-class exponents \`gamma\` \`[C]\`
(multilabel, multiclass), \`gamma_pos\` and \`gamma_neg\` \`[C]\` (multilabel). Settings are request \`parameters\`:
\`gamma\`, \`alpha\` (or \`"none"\`), \`variant\` (\`focal\`, \`asymmetric\`, \`poly1\`), \`gamma_pos\`, \`gamma_neg\`, \`clip\`,
\`epsilon\`, \`reduction\`, \`normalizer\`, \`ignore_index\`, \`label_smoothing\`.

**Outputs**, chosen by \`outputs\` (default: all, see the model metadata): \`loss\`, \`gradient\`, \`losses\`,
\`count\`, \`denominator\`, \`accuracy\` (multiclass) and per-class \`class_*\` statistics (the p_t histogram too); FP64 (or FP32 when an
output's \`datatype\` parameter asks) and INT64 for counts.

**Binary tensor data extension.** Send the JSON header, then each input that has
\`parameters.binary_data_size\` as that many little-endian bytes, in input order, with the
\`Inference-Header-Content-Length\` header giving the JSON header's length (any content type, e.g.
\`application/octet-stream\`; without the header the whole body is JSON, whatever its content type). Outputs with \`binary_data\` (or all, with the \`binary_data_output\` parameter)
follow the response's JSON header the same way, and the response then has \`Inference-Header-Content-Length\`.

A body may be compressed (\`Content-Encoding: gzip\` or \`deflate\`, as tritonclient's
\`request_compression_algorithm\` sends it); its decompressed size counts against \`BODY_LIMIT\`.

Errors are the protocol's \`{"error": "..."}\` (content type exactly \`application/json\`) with the stable
\`code\` of \`POST /loss\`'s problems.

**curl with a binary body** (\`body.bin\` = the JSON header, then the FP32 logits and INT64 targets bytes;
the README shows the numpy script that writes it):

\`\`\`sh
curl -s -X POST "$HOST/v2/models/focal_loss_multiclass/infer" -H 'Content-Type: application/octet-stream' \\
  -H "Inference-Header-Content-Length: $JSON_HEADER_BYTES" --data-binary @body.bin -D headers.txt -o reply.bin
\`\`\`

**Python with tritonclient** (written against \`tritonclient.http\`, not run in this project's tests):

\`\`\`python
import numpy as np, tritonclient.http as httpclient
client = httpclient.InferenceServerClient(url=SERVICE)  # "host:port" of this service
logits = np.random.randn(4096, 80).astype(np.float32)
targets = np.random.randint(0, 80, size=4096).astype(np.int64)
inputs = [httpclient.InferInput("logits", list(logits.shape), "FP32"),
          httpclient.InferInput("targets", list(targets.shape), "INT64")]
inputs[0].set_data_from_numpy(logits, binary_data=True)
inputs[1].set_data_from_numpy(targets, binary_data=True)
outputs = [httpclient.InferRequestedOutput("loss", binary_data=False),
           httpclient.InferRequestedOutput("gradient", binary_data=True)]
result = client.infer("focal_loss_multiclass", inputs, outputs=outputs, parameters={"gamma": 2.0})
loss, gradient = result.as_numpy("loss")[0], result.as_numpy("gradient")   # float64
\`\`\`
`.trim();

export function inferOperation(versioned: boolean) {
  return {
    summary: 'Inference: focal loss as an Open Inference Protocol model',
    description: INFER_DESCRIPTION,
    tags: [OIP_TAG],
    operationId: idOf('oipInfer', versioned),
    security: API_KEY_REQUIRED,
    params: paramsOf(versioned),
    body: refTo(InferenceRequestSchema),
    consumes: ['application/json', 'application/octet-stream'],
    produces: ['application/json', 'application/octet-stream'],
    response: {
      200: refTo(InferenceResponseSchema, { description: 'The selected outputs (binary ones after the JSON header).' }),
      400: oipErrorResponse(
        'Malformed protocol input or an invalid value (`invalid-request`, `malformed-body`): the message names the input, ' +
          'output or parameter (header length past the body, binary sizes that do not add up, datatype/shape mismatch, ' +
          'unknown model, input or output, a value out of range, ...).',
      ),
      401: oipErrorResponse('`API_KEYS` is set and the request has no valid `Authorization: Bearer <key>` (`unauthorized`).'),
      413: oipErrorResponse(
        'The body, or its decompressed size, exceeds `BODY_LIMIT`, or a tensor `MAX_ELEMENTS` (`payload-too-large`, `too-many-elements`).',
      ),
      415: oipErrorResponse("The body's `Content-Encoding` is not gzip, deflate or identity (`unsupported-media-type`)."),
      422: oipErrorResponse(
        'The loss or gradient overflows float64, or an FP32 output (`result-not-finite`); or the selected outputs would make ' +
          'an answer larger than `RESPONSE_LIMIT` (`answer-too-large`, checked before computing): ask for fewer outputs, binary data or FP32.',
      ),
      429: oipErrorResponse('Too many requests from this client (`rate-limited`, with `Retry-After`).'),
      500: oipErrorResponse('A bug (`internal`): quote the `x-request-id` response header.'),
      503: oipErrorResponse('Overloaded or shutting down (`overloaded`, `unavailable`, with `Retry-After`).'),
      504: oipErrorResponse('Not finished within `REQUEST_TIMEOUT_MS` (`timeout`).'),
    },
  };
}
