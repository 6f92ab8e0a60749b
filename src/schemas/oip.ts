/**
 * Open Inference Protocol (KServe v2 / Triton) REST payloads: the single source of their
 * validation (Ajv, via Fastify), TypeScript types and OpenAPI description. What a schema cannot
 * express (input names per model, datatype/shape/byte-size agreement, values) is checked in
 * oip/ and tensors/.
 */
import { Type, type Static } from '@sinclair/typebox';
import { GammaValue, LossRequestSchema, ReductionSchema } from './loss-request.js';

const loss = LossRequestSchema.properties;

/** A plain decimal number (no sign: every sweep value is >= 0), and comma-separated lists of them. */
const DECIMAL = '(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)(?:[eE][-+]?[0-9]+)?';
const SWEEP_GAMMA_PATTERN = `^${DECIMAL}(?:, *${DECIMAL})*$`;
const SWEEP_ALPHA_PATTERN = `^(?:${DECIMAL}|none)(?:, *(?:${DECIMAL}|none))*$`;

export const OipErrorSchema = Type.Object(
  {
    error: Type.String({ description: 'What went wrong, naming the input, output or parameter and the reason.' }),
    code: Type.String({ description: 'The stable error code (the same codes as the problem+json answers of POST /loss).' }),
  },
  { $id: 'OipError', description: 'An Open Inference Protocol error: `error` is the message clients such as tritonclient show.' },
);

export const OipServerMetadataSchema = Type.Object(
  {
    name: Type.String(),
    version: Type.String(),
    extensions: Type.Array(Type.String(), { description: 'Protocol extensions supported: `binary_tensor_data`.' }),
  },
  { $id: 'OipServerMetadata' },
);

export const OipLiveSchema = Type.Object({ live: Type.Boolean() }, { $id: 'OipLive' });
export const OipReadySchema = Type.Object({ ready: Type.Boolean() }, { $id: 'OipReady' });
export const OipModelReadySchema = Type.Object({ name: Type.String(), ready: Type.Boolean() }, { $id: 'OipModelReady' });

const MetadataTensorSchema = Type.Object({
  name: Type.String(),
  datatype: Type.String({ description: 'The usual datatype; `parameters.datatypes` lists every accepted one.' }),
  shape: Type.Array(Type.Integer(), { description: '-1 marks a variable dimension (N rows, C classes).' }),
  parameters: Type.Optional(
    Type.Object({
      datatypes: Type.String({ description: 'Comma-separated datatypes accepted for this input or returned for this output.' }),
      optional: Type.Boolean({ description: 'Whether the input may be left out.' }),
      description: Type.String(),
      only_when_named: Type.Optional(
        Type.Boolean({
          description: 'An output returned only when the request names it (not part of "every output" when `outputs` is left out).',
        }),
      ),
    }),
  ),
});

export const OipModelMetadataSchema = Type.Object(
  {
    name: Type.String(),
    versions: Type.Array(Type.String(), { description: 'Only version "1" exists.' }),
    platform: Type.String(),
    inputs: Type.Array(MetadataTensorSchema),
    outputs: Type.Array(MetadataTensorSchema),
  },
  { $id: 'OipModelMetadata' },
);

const MODEL_NAME = Type.String({ description: '`focal_loss_binary`, `focal_loss_multilabel` or `focal_loss_multiclass`.' });

/** Path parameters of /v2/models/{model_name}/... */
export const ModelParamsSchema = Type.Object({ model_name: MODEL_NAME }, { additionalProperties: false });

/** Path parameters of /v2/models/{model_name}/versions/{model_version}/... */
export const ModelVersionParamsSchema = Type.Object(
  { model_name: MODEL_NAME, model_version: Type.String({ description: 'Only `1` exists; any other version is a 400.' }) },
  { additionalProperties: false },
);

/** The focal-loss settings a request carries in its `parameters` (the same rules as POST /loss). */
export const InferenceParametersSchema = Type.Object(
  {
    gamma: Type.Optional(
      Type.Number({
        ...GammaValue,
        default: 2,
        description: 'Focusing parameter in [0, 20]. A gamma per class is the optional `gamma` input tensor [C] instead.',
      }),
    ),
    variant: loss.variant,
    gamma_pos: Type.Optional(
      Type.Number({
        ...GammaValue,
        default: 0,
        description: '`variant` `asymmetric` only. One value per label is the optional `gamma_pos` input tensor [C] instead.',
      }),
    ),
    gamma_neg: Type.Optional(
      Type.Number({
        ...GammaValue,
        default: 4,
        description: '`variant` `asymmetric` only. One value per label is the optional `gamma_neg` input tensor [C] instead.',
      }),
    ),
    clip: loss.clip,
    epsilon: loss.epsilon,
    alpha: Type.Optional(
      Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Literal('none')], {
        description:
          'One alpha for every class or label (binary/multilabel: weight of the positives, 1 - alpha of the negatives; ' +
          'default 0.25. multiclass: weight of every class; default none). `"none"`: no weighting. A per-class alpha ' +
          'is the optional `alpha` input tensor instead.',
      }),
    ),
    reduction: Type.Optional(ReductionSchema),
    normalizer: loss.normalizer,
    ignore_index: loss.ignore_index,
    label_smoothing: loss.label_smoothing,
    class_balance_beta: loss.class_balance_beta,
    sweep_gamma: Type.Optional(
      Type.String({
        pattern: SWEEP_GAMMA_PATTERN,
        description:
          'The gammas of the `sweep_loss` output, comma-separated (e.g. `"0,0.5,2"`), each in [0, 20]; at most 64 ' +
          'settings with `sweep_alpha`. Reduction must be mean or sum.',
      }),
    ),
    sweep_alpha: Type.Optional(
      Type.String({
        pattern: SWEEP_ALPHA_PATTERN,
        description: 'The alphas of the `sweep_loss` output, comma-separated numbers in [0, 1] or `none` (e.g. `"none,0.25"`).',
      }),
    ),
    binary_data_output: Type.Optional(
      Type.Boolean({ description: 'Binary tensor data extension: return every output as binary data unless the output says otherwise.' }),
    ),
    timeout: Type.Optional(
      Type.Integer({ minimum: 0, description: 'Sent by tritonclient; accepted and not used: REQUEST_TIMEOUT_MS bounds every request.' }),
    ),
    priority: Type.Optional(Type.Integer({ minimum: 0, description: 'Sent by tritonclient; accepted and not used (one queue).' })),
  },
  { additionalProperties: false, description: 'Request parameters. Unknown parameters are rejected, never ignored.' },
);

export const RequestInputSchema = Type.Object(
  {
    name: Type.String({
      description: '`logits`, `targets`, `weights`, `alpha`, `gamma`, `gamma_pos` or `gamma_neg` (see the model metadata).',
    }),
    shape: Type.Array(Type.Integer({ minimum: 0 }), { maxItems: 8, description: 'The tensor shape, row-major.' }),
    datatype: Type.String({ description: 'FP16, BF16, FP32 or FP64 (targets also INT32, INT64, UINT8, BOOL).' }),
    parameters: Type.Optional(
      Type.Object(
        {
          binary_data_size: Type.Optional(
            Type.Integer({
              minimum: 0,
              description: 'Binary tensor data extension: this many bytes of the body after the JSON header hold the tensor.',
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    data: Type.Optional(
      Type.Array(Type.Unknown(), {
        description:
          'The values, row-major: one flat array of product(shape) values, or nested exactly as the shape (every level ' +
          'as long as its dimension). Absent when sent as binary data.',
      }),
    ),
  },
  { additionalProperties: false },
);

export const RequestOutputSchema = Type.Object(
  {
    name: Type.String({ description: 'An output name from the model metadata.' }),
    parameters: Type.Optional(
      Type.Object(
        {
          binary_data: Type.Optional(Type.Boolean({ description: 'Return this output as binary data after the JSON header.' })),
          datatype: Type.Optional(
            Type.Union([Type.Literal('FP64'), Type.Literal('FP32')], {
              description: 'For float outputs: FP64 (default) or FP32. Counts are always INT64.',
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export const InferenceRequestSchema = Type.Object(
  {
    id: Type.Optional(Type.String({ maxLength: 256, description: 'Returned in the response.' })),
    model_name: Type.Optional(Type.String({ description: 'Optional; when given it must match the URL.' })),
    model_version: Type.Optional(Type.String({ description: 'Optional; when given it must match the URL (or be 1).' })),
    parameters: Type.Optional(InferenceParametersSchema),
    inputs: Type.Array(RequestInputSchema, { minItems: 1, maxItems: 4 }),
    outputs: Type.Optional(
      Type.Array(RequestOutputSchema, {
        minItems: 1,
        maxItems: 32,
        description: 'The outputs to return, in this order. Default: every output of the model.',
      }),
    ),
  },
  {
    $id: 'OipInferenceRequest',
    additionalProperties: false,
    description:
      'An inference request: sent as application/json, or with the binary tensor data extension as the JSON header ' +
      'followed by the binary data of every input that has `parameters.binary_data_size` (in input order); the ' +
      "`Inference-Header-Content-Length` header then gives the JSON header's length in bytes.",
  },
);

export const ResponseOutputSchema = Type.Object({
  name: Type.String(),
  datatype: Type.String({ description: 'FP64 (or FP32 when asked) for values, INT64 for counts.' }),
  shape: Type.Array(Type.Integer()),
  parameters: Type.Optional(
    Type.Object({ binary_data_size: Type.Integer({ description: "The output's bytes follow the JSON header, in output order." }) }),
  ),
  data: Type.Optional(Type.Array(Type.Number(), { description: 'The values, flat and row-major (absent for binary outputs).' })),
});

export const InferenceResponseSchema = Type.Object(
  {
    model_name: Type.String(),
    model_version: Type.String(),
    id: Type.Optional(Type.String()),
    parameters: Type.Optional(
      Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()]), {
        description: 'The conventions applied (reduction, gamma, alpha, denominator, ...), as in the `meta` of POST /loss.',
      }),
    ),
    outputs: Type.Array(ResponseOutputSchema),
  },
  {
    $id: 'OipInferenceResponse',
    description:
      'The inference response. With binary outputs the body is application/octet-stream: this JSON header, then each ' +
      "binary output's bytes in output order; `Inference-Header-Content-Length` gives the header's length.",
  },
);

export type InferenceRequest = Static<typeof InferenceRequestSchema>;
export type InferenceParameters = Static<typeof InferenceParametersSchema>;
export type RequestInput = Static<typeof RequestInputSchema>;
export type RequestOutput = Static<typeof RequestOutputSchema>;
export type InferenceResponse = Static<typeof InferenceResponseSchema>;
export type ResponseOutput = Static<typeof ResponseOutputSchema>;
export type OipModelMetadata = Static<typeof OipModelMetadataSchema>;

/** The schemas with an `$id`, for whoever registers shared schemas (e.g. for OpenAPI components). */
export const OIP_SCHEMAS = [
  OipErrorSchema,
  OipServerMetadataSchema,
  OipLiveSchema,
  OipReadySchema,
  OipModelReadySchema,
  OipModelMetadataSchema,
  InferenceRequestSchema,
  InferenceResponseSchema,
] as const;
