/**
 * Open Inference Protocol test helpers: sending JSON and binary-extension requests through
 * app.inject, splitting binary responses by Inference-Header-Content-Length, and translating a
 * POST /loss reference request into an inference request (and the response back) so the same
 * cases can run through both endpoints.
 */
import type { buildTestApp } from './app.js';

type App = Awaited<ReturnType<typeof buildTestApp>>;

export const MODEL_OF_MODE: Record<string, string> = {
  binary: 'focal_loss_binary',
  multilabel: 'focal_loss_multilabel',
  multiclass: 'focal_loss_multiclass',
};

export interface OipReply {
  status: number;
  headers: Record<string, unknown>;
  /** The JSON body, or the JSON header of a binary response. */
  body: Record<string, any>;
  /** Bytes after the JSON header (empty for JSON responses). */
  binary: Buffer;
}

/** Splits a response by its Inference-Header-Content-Length (absent: the whole body is JSON). */
export function readOipReply(res: { statusCode: number; headers: Record<string, unknown>; rawPayload: Buffer }): OipReply {
  const length = res.headers['inference-header-content-length'];
  const headerLength = length === undefined ? res.rawPayload.length : Number(length);
  return {
    status: res.statusCode,
    headers: res.headers,
    body: JSON.parse(res.rawPayload.subarray(0, headerLength).toString('utf8')),
    binary: res.rawPayload.subarray(headerLength),
  };
}

/** POST a JSON inference request. */
export async function inferJson(app: App, model: string, request: unknown, headers: Record<string, string> = {}): Promise<OipReply> {
  const res = await app.inject({
    method: 'POST',
    url: `/v2/models/${model}/infer`,
    headers: { 'content-type': 'application/json', ...headers },
    payload: typeof request === 'string' ? request : JSON.stringify(request),
  });
  return readOipReply(res);
}

/** POST a binary-extension request: the JSON header, then `chunks` (each input's bytes, in order). */
export async function inferBinary(
  app: App,
  model: string,
  header: unknown,
  chunks: Buffer[],
  headers: Record<string, string | undefined> = { 'content-type': 'application/octet-stream' },
): Promise<OipReply> {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const sent: Record<string, string> = { 'inference-header-content-length': String(json.length) };
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) sent[k] = v;
  const res = await app.inject({
    method: 'POST',
    url: `/v2/models/${model}/infer`,
    headers: sent,
    payload: Buffer.concat([json, ...chunks]),
  });
  return readOipReply(res);
}

/** The outputs of a reply by name, binary ones decoded from the bytes after the header. */
export function outputsByName(reply: OipReply): Record<string, { datatype: string; shape: number[]; data: number[] }> {
  const out: Record<string, { datatype: string; shape: number[]; data: number[] }> = {};
  let offset = 0;
  for (const o of reply.body.outputs as {
    name: string;
    datatype: string;
    shape: number[];
    data?: number[];
    parameters?: { binary_data_size: number };
  }[]) {
    let data = o.data;
    if (data === undefined) {
      const size = o.parameters!.binary_data_size;
      data = decodeLittleEndian(o.datatype, reply.binary.subarray(offset, offset + size));
      offset += size;
    }
    out[o.name] = { datatype: o.datatype, shape: o.shape, data };
  }
  return out;
}

export function decodeLittleEndian(datatype: string, bytes: Buffer): number[] {
  const out: number[] = [];
  if (datatype === 'FP64') for (let i = 0; i < bytes.length; i += 8) out.push(bytes.readDoubleLE(i));
  else if (datatype === 'FP32') for (let i = 0; i < bytes.length; i += 4) out.push(bytes.readFloatLE(i));
  else if (datatype === 'INT64') for (let i = 0; i < bytes.length; i += 8) out.push(Number(bytes.readBigInt64LE(i)));
  else throw new Error(`no decoder for ${datatype}`);
  return out;
}

export function float64Bytes(values: number[]): Buffer {
  const b = Buffer.alloc(8 * values.length);
  values.forEach((v, i) => b.writeDoubleLE(v, 8 * i));
  return b;
}

/** Shape of a JSON vector or matrix. */
export function shapeOf(value: unknown[]): number[] {
  return Array.isArray(value[0]) ? [value.length, (value[0] as unknown[]).length] : [value.length];
}

/** A POST /loss request -> an inference request for the same problem (class names have no OIP form). */
export function toInferenceRequest(loss: Record<string, any>, form: 'json' | 'binary'): { header: Record<string, any>; chunks: Buffer[] } {
  const chunks: Buffer[] = [];
  const input = (name: string, value: any[]) => {
    const flat = (value as any[]).flat() as number[];
    const tensor: Record<string, any> = { name, shape: shapeOf(value), datatype: 'FP64' };
    if (form === 'json') tensor.data = value;
    else {
      const bytes = float64Bytes(flat);
      tensor.parameters = { binary_data_size: bytes.length };
      chunks.push(bytes);
    }
    return tensor;
  };
  const inputs = [input('logits', loss.logits), input('targets', loss.targets)];
  if (loss.weights !== undefined) inputs.push(input('weights', loss.weights));
  if (Array.isArray(loss.alpha)) inputs.push(input('alpha', loss.alpha));
  const parameters: Record<string, any> = {};
  for (const key of ['gamma', 'gamma_pos', 'gamma_neg']) {
    // Per-class lists are input tensors [C]; parameters are scalars.
    if (Array.isArray(loss[key])) inputs.push(input(key, loss[key]));
    else if (loss[key] !== undefined) parameters[key] = loss[key];
  }
  for (const key of ['variant', 'clip', 'epsilon', 'reduction', 'normalizer', 'ignore_index', 'label_smoothing']) {
    if (loss[key] !== undefined) parameters[key] = loss[key];
  }
  if (loss.alpha === null) parameters.alpha = 'none';
  else if (typeof loss.alpha === 'number') parameters.alpha = loss.alpha;
  if (form === 'binary') parameters.binary_data_output = true;
  return { header: { id: 'ref', parameters, inputs }, chunks };
}

/**
 * A POST /loss answer cut down to what toLossShape rebuilds from /v2 outputs: per class no
 * mean_loss or class_balanced_alpha, a null suggested_alpha as the 0 a tensor holds, and no
 * averages or calibration (test/evaluation/evaluation-v2.test.ts checks those outputs).
 */
export function oipComparable(lossBody: Record<string, any>): Record<string, any> {
  const { averages: _averages, calibration: _calibration, ...stats } = lossBody.stats;
  stats.classes = stats.classes.map(({ mean_loss: _m, class_balanced_alpha: _b, ...k }: Record<string, any>) => ({
    ...k,
    suggested_alpha: k.suggested_alpha ?? 0,
  }));
  return { ...lossBody, stats };
}

/** An inference reply -> the shape of a POST /loss answer (loss, gradient, losses, stats). */
export function toLossShape(reply: OipReply, mode: string): Record<string, any> {
  const o = outputsByName(reply);
  const rows = (flat: number[], shape: number[]) =>
    shape.length === 2 ? Array.from({ length: shape[0] }, (_, i) => flat.slice(i * shape[1], (i + 1) * shape[1])) : flat;
  const c = o.class_support.data.length;
  const classes = Array.from({ length: c }, (_, k) => {
    const entry: Record<string, number> = { class: k, support: o.class_support.data[k], loss_sum: o.class_loss_sum.data[k] };
    if (mode !== 'multiclass') {
      entry.pos_loss_sum = o.class_pos_loss_sum.data[k];
      entry.neg_loss_sum = o.class_neg_loss_sum.data[k];
    }
    Object.assign(entry, {
      tp: o.class_tp.data[k],
      fp: o.class_fp.data[k],
      fn: o.class_fn.data[k],
      precision: o.class_precision.data[k],
      recall: o.class_recall.data[k],
      pt_histogram: o.class_pt_histogram.data.slice(k * 10, (k + 1) * 10),
      suggested_alpha: o.class_suggested_alpha.data[k],
      tn: o.class_tn.data[k],
      f1: o.class_f1.data[k],
    });
    return entry;
  });
  const stats: Record<string, any> = { count: o.count.data[0], classes };
  if (mode === 'multiclass') stats.accuracy = o.accuracy.data[0];
  return {
    loss: o.loss.data[0],
    gradient: rows(o.gradient.data, o.gradient.shape),
    losses: rows(o.losses.data, o.losses.shape),
    stats,
  };
}
