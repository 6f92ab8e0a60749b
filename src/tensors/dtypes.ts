/**
 * The element types the service reads and writes, in one table: each type's name (as in
 * encoded tensors and .npy files), its Open Inference Protocol datatype and its size; the
 * decoding of half floats; and the one byte-order policy. Every reader and writer of tensor
 * bytes (base64 tensors, /v2 binary data, .npy files, the client) takes its facts from here.
 */

export const DTYPES = {
  float16: { oip: 'FP16', size: 2 },
  bfloat16: { oip: 'BF16', size: 2 },
  float32: { oip: 'FP32', size: 4 },
  float64: { oip: 'FP64', size: 8 },
  uint8: { oip: 'UINT8', size: 1 },
  int32: { oip: 'INT32', size: 4 },
  int64: { oip: 'INT64', size: 8 },
  bool: { oip: 'BOOL', size: 1 },
} as const;

export type Dtype = keyof typeof DTYPES;
export type DtypeOipName = (typeof DTYPES)[Dtype]['oip'];

/** Bytes per element of an Open Inference Protocol datatype this service reads or writes. */
export const OIP_ITEM_SIZE = Object.fromEntries(Object.values(DTYPES).map((d) => [d.oip, d.size])) as Record<DtypeOipName, number>;

/**
 * Byte order. Every wire format here is little-endian (base64 tensors, the /v2 binary data
 * extension, .npy files as numpy writes them), and typed arrays use the host's order; rather than
 * swapping bytes on every path, the service (and its client) runs on little-endian hosts only,
 * which is every platform Node.js ships for except big-endian s390x and ppc64. Checked once, here,
 * so that no other module needs a byte-order branch. (.npy files that declare big-endian data are
 * still read, through explicit DataView loads: that is the file's order, not the host's.)
 */
export const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
/* c8 ignore next 3 -- only on a big-endian host */
if (!HOST_LITTLE_ENDIAN) {
  throw new Error('focal-loss needs a little-endian host: its tensors travel as little-endian bytes');
}

/** IEEE 754 binary16 bits -> its value (every one is exact in float32). */
export function halfToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24; // zero and subnormals
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1024 + fraction) * 2 ** (exponent - 25);
}

let HALF_TABLE: Float32Array | null = null;

/** All 65536 float16 values as float32 (256 KiB, built once): decoding is then one load per value. */
export function halfTable(): Float32Array {
  if (HALF_TABLE !== null) return HALF_TABLE;
  const table = new Float32Array(65536);
  for (let bits = 0; bits < 65536; bits++) table[bits] = halfToNumber(bits);
  HALF_TABLE = table;
  return table;
}

/**
 * float64 values -> float32, in place: into the first half of the array's own buffer (value i is
 * written at byte 4i after being read from byte 8i, so nothing unread is overwritten), so a large
 * result needs no second array. Returns the float32 view, or the first value float32 cannot hold
 * (it rounds to an infinity). The float64 array is consumed either way.
 */
export function narrowToFloat32(flat: Float64Array): Float32Array | { beyond: number } {
  const narrow = new Float32Array(flat.buffer, flat.byteOffset, flat.length);
  for (let i = 0; i < flat.length; i++) {
    const wide = flat[i];
    const v = Math.fround(wide);
    if (v - v !== 0) return { beyond: wide }; // only an infinity (results are finite) gives NaN here
    narrow[i] = v;
  }
  return narrow;
}
