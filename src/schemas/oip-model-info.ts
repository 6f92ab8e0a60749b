/**
 * The Triton-compatible model information routes of the Open Inference Protocol surface: the
 * statistics extension (GET /v2/models[/{name}[/versions/{v}]]/stats) and the model
 * configuration (GET /v2/models/{name}[/versions/{v}]/config), as tritonclient's
 * get_inference_statistics() and get_model_config() (and Triton's perf_analyzer and model
 * analyzer) read them. The single source of their validation, types and OpenAPI description.
 */
import { Type, type Static } from '@sinclair/typebox';

const Duration = (description: string) =>
  Type.Object(
    {
      count: Type.Integer({ minimum: 0, description: 'How many requests this covers.' }),
      ns: Type.Integer({ minimum: 0, description: 'Their cumulative duration in nanoseconds.' }),
    },
    { description },
  );

export const OipInferStatisticsSchema = Type.Object({
  success: Duration('Successful requests (2xx), from arrival to answer.'),
  fail: Duration('Failed requests (any error answer) to this model, from arrival to answer.'),
  queue: Duration('Not measured apart: the pool queue wait is part of compute_infer (ns is 0; count as success).'),
  compute_input: Duration('Not measured apart: decoding runs in the pool and is part of compute_infer (ns is 0; count as success).'),
  compute_infer: Duration('Time successful requests spent in the worker pool: queue wait, decoding, the kernel and encoding.'),
  compute_output: Duration('Not measured apart: encoding is part of compute_infer (ns is 0; count as success).'),
  cache_hit: Duration('No response cache: always 0.'),
  cache_miss: Duration('No response cache: always 0.'),
});

export const OipModelStatisticsSchema = Type.Object({
  name: Type.String(),
  version: Type.String(),
  last_inference: Type.Integer({
    minimum: 0,
    description: 'When the last successful inference finished, in ms since the epoch (0: none yet).',
  }),
  inference_count: Type.Integer({ minimum: 0, description: 'Successful inferences (each request is one: max_batch_size is 0).' }),
  execution_count: Type.Integer({ minimum: 0, description: 'Model executions: one per successful inference (no dynamic batching).' }),
  inference_stats: OipInferStatisticsSchema,
  batch_stats: Type.Array(Type.Object({}), { maxItems: 0, description: 'Empty: the models do not batch requests.' }),
});

export const OipStatisticsSchema = Type.Object(
  {
    model_stats: Type.Array(OipModelStatisticsSchema, {
      description: 'One entry per model (every model for /v2/models/stats), counted since the process started.',
    }),
  },
  {
    $id: 'OipStatistics',
    description:
      "Triton's statistics extension: per-model inference counts and durations, read from the same counters as the " +
      '`focal_oip_*` Prometheus metrics of GET /metrics (this process only, not the replicas behind a load balancer).',
  },
);

const ConfigTensor = {
  name: Type.String(),
  data_type: Type.String({ description: 'The usual datatype as Triton names it (TYPE_FP32, TYPE_INT64, ...).' }),
  dims: Type.Array(Type.Integer(), { description: 'The shape, -1 for a variable dimension (no batch dimension: max_batch_size is 0).' }),
  is_shape_tensor: Type.Boolean(),
};

export const OipModelConfigSchema = Type.Object(
  {
    name: Type.String(),
    platform: Type.String(),
    backend: Type.String(),
    version_policy: Type.Object({ specific: Type.Object({ versions: Type.Array(Type.Integer()) }) }),
    max_batch_size: Type.Integer({ description: "0: no batch dimension of Triton's kind; N is part of each input's dims." }),
    input: Type.Array(
      Type.Object({
        ...ConfigTensor,
        format: Type.Literal('FORMAT_NONE'),
        optional: Type.Boolean({ description: 'Whether the input may be left out.' }),
        allow_ragged_batch: Type.Boolean(),
      }),
    ),
    output: Type.Array(Type.Object({ ...ConfigTensor, label_filename: Type.String() })),
    instance_group: Type.Array(
      Type.Object({ name: Type.String(), kind: Type.Literal('KIND_CPU'), count: Type.Integer({ description: 'Worker threads.' }) }),
    ),
    parameters: Type.Record(Type.String(), Type.Object({ string_value: Type.String() }), {
      description: '`<input>_datatypes`: every datatype an input accepts (the data_type is the usual one).',
    }),
  },
  {
    $id: 'OipModelConfig',
    description:
      "A Triton-style model configuration (the JSON form of Triton's ModelConfig), derived from the same model " +
      'descriptions as the model metadata.',
  },
);

export type OipStatistics = Static<typeof OipStatisticsSchema>;
export type OipModelStatistics = Static<typeof OipModelStatisticsSchema>;
export type OipModelConfig = Static<typeof OipModelConfigSchema>;

export const OIP_MODEL_INFO_SCHEMAS = [OipStatisticsSchema, OipModelConfigSchema] as const;
