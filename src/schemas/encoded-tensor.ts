/**
 * A tensor as base64 of its little-endian bytes: the binary alternative to JSON number arrays,
 * accepted wherever a request takes an array and returned for `encoding: "base64"`. What a
 * schema cannot say (which dtypes a field takes, shapes agreeing, the byte count, strict
 * base64, the values) is checked in tensors/encoded-tensors.ts.
 */
import { Type, type Static } from '@sinclair/typebox';

export const TENSOR_DTYPES = ['float32', 'float64', 'int32', 'int64', 'uint8'] as const;
export type TensorDtype = (typeof TENSOR_DTYPES)[number];

export const FLOAT_DTYPES = ['float32', 'float64'] as const;
export type FloatDtype = (typeof FLOAT_DTYPES)[number];

export const EncodedTensorSchema = Type.Object(
  {
    dtype: Type.Union(
      TENSOR_DTYPES.map((d) => Type.Literal(d)),
      {
        description:
          'Element type. logits, weights and alpha: `float32` or `float64`; targets: any (class ids as `uint8`, ' +
          '`int32` or `int64`, labels and probabilities as any). Responses use `float32` or `float64`.',
      },
    ),
    shape: Type.Array(Type.Integer({ minimum: 0, maximum: 2147483647 }), {
      minItems: 1,
      maxItems: 8,
      description:
        '`[N]` or `[N, C]`, as the JSON array it replaces would be, or for dense predictions `[N, C, d1, ..., dk]` ' +
        '(rank 3 to 8, class axis 1; binary `[N, d1, ..., dk]`); row-major.',
    }),
    data: Type.String({
      contentEncoding: 'base64',
      description:
        "Standard base64 (RFC 4648, padded, no line breaks) of the elements' little-endian bytes, exactly " +
        'product(shape) x item size bytes (numpy: `base64.b64encode(arr.astype("<f4").tobytes())`).',
    }),
  },
  {
    $id: 'EncodedTensor',
    additionalProperties: false,
    description:
      'A tensor as base64 of its little-endian bytes: parsed about 20 times faster than a JSON array of numbers and ' +
      'validated as strictly (dtype, shape, byte count, strict base64, every value).',
  },
);

export type EncodedTensor = Static<typeof EncodedTensorSchema>;

/**
 * How the request and response schemas use it: by reference, so the schema exists once (Ajv
 * rejects one $id appearing twice in a schema) and is one component in the OpenAPI document.
 * EncodedTensorSchema is registered with the other shared schemas (schemas/shared.ts).
 */
export const EncodedTensorRef = Type.Ref(EncodedTensorSchema);
