/**
 * Adversarial variants of a valid /v2 binary-extension inference request (fast-check
 * arbitraries): random models, datatypes, shapes, sizes, names, parameters, outputs, flipped and
 * truncated bytes, lying header lengths, nasty JSON data. Used by the fuzz test and by the test
 * that both validation paths answer alike.
 */
import fc from 'fast-check';
import { float64Bytes } from './oip.js';

const DATATYPES = ['FP16', 'BF16', 'FP32', 'FP64', 'UINT8', 'INT32', 'INT64', 'BOOL', 'BYTES', 'INT8', 'fp32', ''];
const MODELS = ['focal_loss_binary', 'focal_loss_multilabel', 'focal_loss_multiclass', 'focal_loss_binary/versions/1', 'nope'];

const nasty = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(null, true, 'none', '', 1e308, -1e308, 5e-324, -0, 2 ** 53, -1, 0, 1, 21, 1.5, [], {}, [[]]),
  fc.double(),
);

/** A valid binary multiclass request: 3 rows, 4 classes, FP64 logits, INT64 targets. */
export function validOipRequest() {
  const logits = float64Bytes([1, -2, 0.5, 3, 0, 0, 0, 0, -1, 2, 1, 0.25]);
  const targets = Buffer.alloc(24);
  [3, 0, 2].forEach((v, i) => targets.writeBigInt64LE(BigInt(v), 8 * i));
  const header = {
    inputs: [
      { name: 'logits', shape: [3, 4], datatype: 'FP64', parameters: { binary_data_size: 96 } },
      { name: 'targets', shape: [3], datatype: 'INT64', parameters: { binary_data_size: 24 } },
    ] as Record<string, any>[],
    parameters: { gamma: 2, binary_data_output: true } as Record<string, unknown>,
    outputs: [{ name: 'loss' }, { name: 'gradient' }, { name: 'class_recall' }] as unknown[],
  };
  return { model: 'focal_loss_multiclass', header, data: Buffer.concat([logits, targets]) };
}

export type OipRequest = ReturnType<typeof validOipRequest> & { headerLength?: string };
export type OipMutation = (r: OipRequest) => OipRequest;

export const oipMutations: fc.Arbitrary<OipMutation>[] = [
  fc.constantFrom(...MODELS).map((model) => (r) => ({ ...r, model })),
  fc.tuple(fc.nat(1), fc.constantFrom(...DATATYPES)).map(([i, datatype]) => (r) => {
    r.header.inputs[i].datatype = datatype;
    return r;
  }),
  fc.tuple(fc.nat(1), fc.array(fc.integer({ min: -2, max: 1 << 20 }), { maxLength: 4 })).map(([i, shape]) => (r) => {
    r.header.inputs[i].shape = shape;
    return r;
  }),
  fc.tuple(fc.nat(1), fc.integer({ min: -5, max: 200 })).map(([i, size]) => (r) => {
    r.header.inputs[i].parameters = { ...r.header.inputs[i].parameters, binary_data_size: size };
    return r;
  }),
  fc.tuple(fc.nat(1), fc.constantFrom('logits', 'targets', 'weights', 'alpha', 'labels', '')).map(([i, name]) => (r) => {
    r.header.inputs[i].name = name;
    return r;
  }),
  fc
    .tuple(
      fc.constantFrom('gamma', 'alpha', 'reduction', 'normalizer', 'ignore_index', 'label_smoothing', 'binary_data_output', 'x'),
      nasty,
    )
    .map(([k, v]) => (r) => {
      r.header.parameters[k] = v;
      return r;
    }),
  // A valid normalizer with every reduction (only mean may take one).
  fc.tuple(fc.constantFrom('mean', 'sum', 'none'), fc.double({ min: 0.5, max: 10, noNaN: true })).map(([reduction, normalizer]) => (r) => {
    r.header.parameters.reduction = reduction;
    r.header.parameters.normalizer = normalizer;
    return r;
  }),
  fc
    .array(fc.oneof(fc.record({ name: fc.constantFrom('loss', 'gradient', 'accuracy', 'class_tp', 'nope') }), nasty), { maxLength: 4 })
    .map((outputs) => (r) => {
      r.header.outputs = outputs;
      return r;
    }),
  // Bytes flipped to anything (NaN and infinity patterns included), cut short or extended.
  fc.tuple(fc.nat(119), fc.integer({ min: 0, max: 255 })).map(([i, b]) => (r) => {
    r.data[i] = b;
    return r;
  }),
  fc.nat(130).map((n) => (r) => ({ ...r, data: n <= 120 ? r.data.subarray(0, n) : Buffer.concat([r.data, Buffer.alloc(n - 120)]) })),
  // Header lengths that lie, or are not numbers.
  fc
    .oneof(fc.integer({ min: -3, max: 2000 }).map(String), fc.constantFrom('', ' ', 'abc', '1e3', '0x10', '99999999999999999999'))
    .map((headerLength) => (r) => ({ ...r, headerLength })),
  // The logits sent as nested JSON data instead: rows as the shape [3, 4] says, or the same 12
  // values nested raggedly, mixed with flat values, or one level too deep.
  fc
    .constantFrom<(v: number[]) => unknown[]>(
      (v) => [v.slice(0, 4), v.slice(4, 8), v.slice(8)],
      (v) => [v.slice(0, 3), v.slice(3, 8), v.slice(8)],
      (v) => [v.slice(0, 4), v.slice(4, 8), ...v.slice(8)],
      (v) => [v.slice(0, 4), v.slice(4, 8), v.slice(8), []],
      (v) => [v],
      (v) => [v.slice(0, 4), v.slice(4, 8), v.slice(8).map((x) => [x])],
    )
    .map((nest) => (r) => {
      const logits = r.header.inputs[0];
      delete logits.parameters;
      logits.data = nest([1, -2, 0.5, 3, 0, 0, 0, 0, -1, 2, 1, 0.25]);
      return { ...r, data: r.data.subarray(96) };
    }),
  // An input sent as JSON data instead, with nasty values.
  fc.tuple(fc.nat(1), fc.array(nasty, { maxLength: 14 })).map(([i, data]) => (r) => {
    const input = r.header.inputs[i];
    delete input.parameters;
    input.data = data;
    return r;
  }),
];
