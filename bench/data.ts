/**
 * Benchmark inputs, the same distribution torch_focal.py uses: logits ~ N(0, 3^2) as float32,
 * binary/multilabel labels 1 with probability 0.1, multiclass class ids uniform in [0, C).
 * Seeded, so every run measures the same numbers.
 */
export type Mode = 'binary' | 'multilabel' | 'multiclass';

export interface Batch {
  mode: Mode;
  n: number;
  c: number;
  logits: Float32Array;
  /** 0/1 labels (binary, multilabel: n*c) or class ids (multiclass: n). */
  labels: Uint8Array | Int32Array;
}

function generator(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 4294967296;
  };
}

export function makeBatch(mode: Mode, n: number, c: number, seed = 1): Batch {
  const next = generator(seed);
  const total = n * c;
  const logits = new Float32Array(total);
  for (let i = 0; i < total; i += 2) {
    // Box-Muller: two normal deviates per pair of uniforms.
    const r = Math.sqrt(-2 * Math.log(next()));
    const a = 2 * Math.PI * next();
    logits[i] = 3 * r * Math.cos(a);
    if (i + 1 < total) logits[i + 1] = 3 * r * Math.sin(a);
  }
  if (mode === 'multiclass') {
    const ids = new Int32Array(n);
    for (let i = 0; i < n; i++) ids[i] = Math.floor(next() * c);
    return { mode, n, c, logits, labels: ids };
  }
  const labels = new Uint8Array(total);
  for (let i = 0; i < total; i++) labels[i] = next() < 0.1 ? 1 : 0;
  return { mode, n, c, logits, labels };
}

const base64 = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');

/** The batch as a POST /loss body with encoded tensors (float32 logits, uint8/int32 targets). */
export function encodedBody(b: Batch, extra: Record<string, unknown> = {}): string {
  const logitsShape = b.mode === 'binary' ? [b.n] : [b.n, b.c];
  const targetsShape = b.mode === 'multiclass' ? [b.n] : logitsShape;
  return JSON.stringify({
    mode: b.mode,
    logits: { dtype: 'float32', shape: logitsShape, data: base64(b.logits) },
    targets: { dtype: b.labels instanceof Uint8Array ? 'uint8' : 'int32', shape: targetsShape, data: base64(b.labels) },
    ...extra,
  });
}

/** The same batch as a JSON body: numbers (the float32 values), rows for [N, C]. */
export function jsonBody(b: Batch, extra: Record<string, unknown> = {}): string {
  const rows = (a: ArrayLike<number>, width: number) => {
    const out: number[][] = new Array(a.length / width);
    for (let i = 0; i < out.length; i++) out[i] = Array.from({ length: width }, (_, j) => a[i * width + j]);
    return out;
  };
  const logits = b.mode === 'binary' ? Array.from(b.logits) : rows(b.logits, b.c);
  const targets = b.mode === 'multilabel' ? rows(b.labels, b.c) : Array.from(b.labels);
  return JSON.stringify({ mode: b.mode, logits, targets, ...extra });
}

/**
 * The batch as an Open Inference Protocol request with the binary tensor data extension: a small
 * JSON header, then the logits (FP32) and targets (UINT8 labels or INT32 class ids) bytes; the
 * gradient comes back as binary FP32, like the base64 request's `dtype: "float32"`.
 */
export function oipBinaryBody(b: Batch): { body: Buffer; headers: Record<string, string> } {
  const logitsShape = b.mode === 'binary' ? [b.n] : [b.n, b.c];
  const targetsShape = b.mode === 'multiclass' ? [b.n] : logitsShape;
  const header = Buffer.from(
    JSON.stringify({
      inputs: [
        { name: 'logits', shape: logitsShape, datatype: 'FP32', parameters: { binary_data_size: b.logits.byteLength } },
        {
          name: 'targets',
          shape: targetsShape,
          datatype: b.labels instanceof Uint8Array ? 'UINT8' : 'INT32',
          parameters: { binary_data_size: b.labels.byteLength },
        },
      ],
      outputs: [{ name: 'loss' }, { name: 'gradient', parameters: { binary_data: true, datatype: 'FP32' } }],
    }),
  );
  const bytes = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  return {
    body: Buffer.concat([header, bytes(b.logits), bytes(b.labels)]),
    headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(header.length) },
  };
}
