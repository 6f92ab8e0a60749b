/**
 * Encoded tensors for tests, built with Node's Buffer and typed arrays directly (not with the
 * service's own encoder): what a numpy client sends as `base64(arr.astype(dtype).tobytes())`,
 * and the way back from a response.
 */
export type Dtype = 'float32' | 'float64' | 'int32' | 'int64' | 'uint8';

export interface Tensor {
  dtype: Dtype;
  shape: number[];
  data: string;
}

function typed(dtype: Dtype, values: number[]): ArrayBufferView {
  switch (dtype) {
    case 'float32':
      return new Float32Array(values);
    case 'float64':
      return new Float64Array(values);
    case 'int32':
      return new Int32Array(values);
    case 'uint8':
      return new Uint8Array(values);
    case 'int64':
      return BigInt64Array.from(values.map((v) => BigInt(v)));
  }
}

/** An encoded tensor of `values` (flat, row-major) with the given shape. */
export function tensor(dtype: Dtype, shape: number[], values: number[]): Tensor {
  const view = typed(dtype, values);
  return { dtype, shape, data: Buffer.from(view.buffer, view.byteOffset, view.byteLength).toString('base64') };
}

/** A JSON vector or matrix as an encoded tensor of `dtype`. */
export function encodeJson(dtype: Dtype, value: number[] | number[][]): Tensor {
  if (value.length > 0 && Array.isArray(value[0])) {
    const rows = value as number[][];
    return tensor(dtype, [rows.length, rows[0].length], rows.flat());
  }
  return tensor(dtype, [value.length], value as number[]);
}

/** An encoded float tensor from a response -> JSON-shaped numbers. */
export function decodeTensor(t: Tensor): number[] | number[][] {
  const bytes = Buffer.from(t.data, 'base64');
  const copy = new Uint8Array(bytes).buffer; // aligned
  const flat = Array.from(t.dtype === 'float32' ? new Float32Array(copy) : new Float64Array(copy));
  if (t.shape.length === 1) return flat;
  const [n, c] = t.shape;
  return Array.from({ length: n }, (_, i) => flat.slice(i * c, (i + 1) * c));
}

/** Rounds every number of a JSON vector or matrix to float32, as an encoded float32 tensor holds it. */
export function roundToFloat32(value: number[] | number[][]): number[] | number[][] {
  return (value as unknown[]).map((v) => (Array.isArray(v) ? v.map(Math.fround) : Math.fround(v as number))) as number[] | number[][];
}
