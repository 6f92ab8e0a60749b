/**
 * The schemas shared by reference: each has a stable `$id`, is added to Fastify once
 * (plugins/shared-schemas.ts) and is referenced from routes with `refTo`. Validation then runs
 * on these very objects, and the OpenAPI document lists each once under
 * `components/schemas/<$id>`, so component names do not depend on registration order.
 */
import { Type, type Static, type TSchema, type TUnsafe } from '@sinclair/typebox';
import { LossRequestSchema } from './loss-request.js';
import { LossResponseSchema } from './loss-response.js';
import { ProblemSchema } from './problem.js';
import { HealthSchema, ReadinessSchema } from './health.js';
import { EncodedTensorSchema } from './encoded-tensor.js';
import { OIP_SCHEMAS } from './oip.js';
import { OIP_MODEL_INFO_SCHEMAS } from './oip-model-info.js';

// EncodedTensor first: the request and response schemas refer to it by $id.
export const SHARED_SCHEMAS: readonly TSchema[] = [
  EncodedTensorSchema,
  LossRequestSchema,
  LossResponseSchema,
  ProblemSchema,
  HealthSchema,
  ReadinessSchema,
  ...OIP_SCHEMAS,
  ...OIP_MODEL_INFO_SCHEMAS,
];

/**
 * A `$ref` to a shared schema, typed as the schema itself so the type provider still infers
 * request and reply types from it (TypeBox 0.34's own `Type.Ref(schema)` form is deprecated).
 */
export function refTo<T extends TSchema>(schema: T, options: { description?: string } = {}): TUnsafe<Static<T>> {
  if (schema.$id === undefined) throw new Error('refTo: the schema needs a $id');
  return Type.Unsafe<Static<T>>(Type.Ref(schema.$id, options));
}

export const PROBLEM_MEDIA_TYPE = 'application/problem+json';

/**
 * An error response for a route schema: the Problem schema under application/problem+json,
 * with a description of when the status happens (shown in the OpenAPI document).
 */
export function problemResponse(description: string) {
  return { description, content: { [PROBLEM_MEDIA_TYPE]: { schema: refTo(ProblemSchema) } } };
}
