/**
 * The POST /loss operation as the route declares it: the body and response schemas (by
 * reference to the shared schemas, see shared.ts) and the text the OpenAPI document shows.
 * Worked examples are added to the document by plugins/openapi.ts from real responses.
 */
import { LossRequestSchema } from './loss-request.js';
import { LossResponseSchema } from './loss-response.js';
import { problemResponse, refTo } from './shared.js';
import { API_KEY_REQUIRED } from './security.js';

const DESCRIPTION = `
Computes the focal loss of a batch, its gradient with respect to the logits, and per-class statistics,
in float64, on a pool of worker threads. Every number in a response is finite.

**Modes.** \`binary\`: one sigmoid output per example, logits \`number[N]\`. \`multilabel\`: C independent
sigmoid outputs per example, logits \`number[N][C]\`. \`multiclass\`: one softmax over C classes per example,
logits \`number[N][C]\`, targets class ids \`number[N]\` or probability rows \`number[N][C]\`.

**Definitions** (binary / multilabel, per element, eps = \`label_smoothing\`, w = \`weights[i]\`):
\`y' = y (1 - eps) + eps / 2\`, \`p = sigmoid(z)\`, \`ce = -(y' log p + (1 - y') log(1 - p))\`,
\`p_t = p y' + (1 - p)(1 - y')\`, \`a_t = alpha y' + (1 - alpha)(1 - y')\`, \`loss = w a_t (1 - p_t)^gamma ce\`.
Multiclass, per row: \`y'_k = y_k (1 - eps) + eps / C\`, \`p = softmax(z)\`,
\`loss = -w sum_k y'_k a_k (1 - p_k)^gamma log p_k\`, with \`a_k = alpha[k]\` for a list, \`alpha\` for one number
(every class weighted equally) and 1 for \`null\`. gamma = 0 is exactly (alpha-weighted) cross-entropy.

**alpha** in binary/multilabel weights the positives and 1 - alpha the negatives (torchvision / RetinaNet);
the default 0.25 gives positives *less* weight. In multiclass it is a per-class weight (default \`null\`: none).

**Reduction.** \`mean\` (default) divides the sum by \`normalizer\` when given, else by the count: N (binary),
N*C (multilabel), the non-ignored rows (multiclass); \`sum\` is the sum; \`none\` returns \`losses\` and their sum.

**gradient** is d(\`loss\`)/d(\`logits\`): the derivative of the returned (reduced) loss, the shape of \`logits\`;
for \`none\`, of the sum of \`losses\`. \`meta\` echoes every convention actually applied.

Errors are \`application/problem+json\` (RFC 9457) with a stable \`code\`; field problems name the field as a
JSON pointer in \`errors[].pointer\`.
`.trim();

export const LossOperationSchema = {
  summary: 'Focal loss, its gradient and per-class statistics for a batch',
  description: DESCRIPTION,
  tags: ['loss'],
  operationId: 'computeLoss',
  security: API_KEY_REQUIRED,
  body: refTo(LossRequestSchema),
  response: {
    200: refTo(LossResponseSchema, { description: 'The loss, and the gradient, losses and statistics asked for in `outputs`.' }),
    400: problemResponse(
      'The body does not match the schema or breaks a rule the schema cannot express (`invalid-request`: ragged rows, ' +
        'N/C disagreement, class id out of range, non-finite value, ...), or is not parseable JSON (`malformed-body`). ' +
        '`errors[].pointer` names each offending field. No value is ever coerced.',
    ),
    413: problemResponse(
      'The body (or its decompressed size, when sent with `Content-Encoding: gzip` or `deflate`) exceeds `BODY_LIMIT` bytes (`payload-too-large`) or N x C exceeds `MAX_ELEMENTS` (`too-many-elements`): ' +
        'split the batch.',
    ),
    401: problemResponse('`API_KEYS` is set and the request has no valid `Authorization: Bearer <key>` (`unauthorized`).'),
    415: problemResponse(
      'The body is not `application/json`, or its `Content-Encoding` is not gzip, deflate or identity (`unsupported-media-type`).',
    ),
    422: problemResponse(
      'The inputs are valid but the loss or gradient overflows float64 (`result-not-finite`), e.g. logits near ' +
        '1e308: scale them down. A response never contains Infinity or NaN. Or the answer asked for would be larger than ' +
        '`RESPONSE_LIMIT` (`answer-too-large`, checked before computing; `errors[].pointer` is `#/outputs`): leave ' +
        'gradient or losses out of `outputs`, ask for base64 float32, or split the batch.',
    ),
    429: problemResponse('Too many requests from this client (`rate-limited`, with `Retry-After`).'),
    500: problemResponse('A bug (`internal`): the detail only says to quote the request id, which the service log has.'),
    503: problemResponse(
      'Every worker is busy and the queue (`POOL_MAX_QUEUE`) is full, or the event loop, heap or RSS is over its limit ' +
        '(`overloaded`), or the service is shutting down (`unavailable`); both set `Retry-After`. Retry, ideally on ' +
        'another instance.',
    ),
    504: problemResponse(
      'The request did not finish within `REQUEST_TIMEOUT_MS` (`timeout`); its computation was aborted. Split the batch ' +
        'or use the binary encoding.',
    ),
  },
};
