/**
 * A model's Triton-style configuration (GET /v2/models/{name}/config), derived from the same
 * model description as its metadata (models.ts). Triton's configuration has one data type per
 * tensor: it shows the usual one, and the `<input>_datatypes` parameters list every accepted
 * one. max_batch_size is 0 because no input has Triton's kind of batch dimension: alpha is per
 * class, and the loss and per-class outputs do not grow with N.
 */
import type { OipModelConfig } from '../schemas/oip-model-info.js';
import { MODEL_PLATFORM, MODEL_VERSION, outputDatatype, type OipModel } from './models.js';

/** Triton's name for a protocol datatype (FP32 -> TYPE_FP32; every datatype used here maps this way). */
const tritonType = (datatype: string) => `TYPE_${datatype}`;

export function modelConfig(model: OipModel, workerThreads: number): OipModelConfig {
  return {
    name: model.name,
    platform: MODEL_PLATFORM,
    backend: MODEL_PLATFORM,
    version_policy: { specific: { versions: [Number(MODEL_VERSION)] } },
    max_batch_size: 0,
    input: model.inputs.map((i) => ({
      name: i.name,
      data_type: tritonType(i.datatypes[0]),
      format: 'FORMAT_NONE' as const,
      dims: i.shape,
      is_shape_tensor: false,
      optional: i.optional,
      allow_ragged_batch: false,
    })),
    output: model.outputs.map((o) => ({
      name: o.name,
      data_type: tritonType(outputDatatype(o)),
      dims: o.shape,
      is_shape_tensor: false,
      label_filename: '',
    })),
    instance_group: [{ name: model.name, kind: 'KIND_CPU' as const, count: workerThreads }],
    parameters: Object.fromEntries(model.inputs.map((i) => [`${i.name}_datatypes`, { string_value: i.datatypes.join(',') }])),
  };
}
