/**
 * Dense predictions (reference README, "Dense shapes"): logits [N, C, d1, ..., dk] (binary
 * [N, d1, ..., dk]), rank 3 to 8, class axis 1 as in PyTorch. Every spatial position is a row
 * (multiclass) or an element (binary, multilabel) exactly as if the tensor were moved to
 * [N * d1 * ... * dk, C]; that is what this module does at the edges of the service:
 * - on the way in (toRowForm), the tensors are rearranged into the kernels' row form: logits and
 *   probability / label targets [N, C, S] -> [N*S, C] (S = d1 x ... x dk), class-id targets
 *   [N, d...] are already in row order (a reshape, no copy), weights [N] are repeated per position;
 * - on the way out (gradientOut, lossesOut), the results go back to the request's shapes: the
 *   gradient [N*S, C] -> [N, C, d...], losses to the targets' shape (multiclass) or the logits'.
 * The kernels, the pool's splitting and the merging are unchanged: they see an ordinary batch of
 * N*S rows, so `count` and `mean` count positions and weights stay one per sample.
 */
import type { Mode } from '../kernels/types.js';
import type { FieldErrors } from './field-errors.js';
import { declaredShape, readField, shapePath, type FieldValue, type TensorValues } from './field-tensor.js';
import { FLOAT_DTYPES, TENSOR_DTYPES, type TensorDtype } from '../schemas/encoded-tensor.js';

export const MIN_DENSE_RANK = 3;
export const MAX_DENSE_RANK = 8;

export interface DenseLayout {
  /** The logits' shape as sent. */
  logitsShape: number[];
  /** The shape `losses` is returned in: [N, d1, ..., dk] (multiclass, one per position) or the logits'. */
  lossesShape: number[];
  /** N (samples), C (1 in binary mode) and S (positions per sample, d1 x ... x dk). */
  samples: number;
  c: number;
  positions: number;
}

/** The fields a dense request carries as tensors; everything else passes through unchanged. */
export interface DenseFields {
  logits: FieldValue;
  targets: FieldValue;
  weights?: FieldValue;
}

/** True when the logits have a dense rank (3 or more): such a request is rearranged by toRowForm. */
export function isDense(logits: FieldValue): boolean {
  return declaredShape(logits).length >= MIN_DENSE_RANK;
}

/**
 * A dense request's tensors in row form (decoded tensors of [N*S, C] or [N*S]) and its layout.
 * Shape problems are added to `errors` and null is returned.
 */
export function toRowForm<T extends DenseFields>(mode: Mode, body: T, errors: FieldErrors): { body: T; layout: DenseLayout } | null {
  const shape = declaredShape(body.logits);
  if (shape.length > MAX_DENSE_RANK) {
    errors.add(shapePath('logits', body.logits), `has rank ${shape.length}; dense logits have rank ${MIN_DENSE_RANK} to ${MAX_DENSE_RANK}`);
    return null;
  }
  const binary = mode === 'binary';
  const samples = shape[0];
  const c = binary ? 1 : shape[1];
  const spatial = shape.slice(binary ? 1 : 2);
  const positions = spatial.reduce((a, b) => a * b, 1);
  if (samples === 0 || c === 0 || positions === 0) {
    errors.add(shapePath('logits', body.logits), `has shape [${shape.join(', ')}]; no dimension may be 0`);
    return null;
  }
  const targetsShape = declaredShape(body.targets);
  const classIds = mode === 'multiclass' && sameShape(targetsShape, [samples, ...spatial]);
  if (!classIds && !sameShape(targetsShape, shape)) {
    const wanted =
      mode === 'multiclass'
        ? `[${[samples, ...spatial].join(', ')}] (class ids) or [${shape.join(', ')}] (probabilities)`
        : `[${shape.join(', ')}]`;
    errors.add(
      shapePath('targets', body.targets),
      `does not fit logits [${shape.join(', ')}]: targets must be ${wanted}, got [${targetsShape.join(', ')}]`,
    );
  }
  if (body.weights !== undefined) {
    const w = declaredShape(body.weights);
    if (w.length !== 1 || w[0] !== samples) {
      errors.add(shapePath('weights', body.weights), `must be [N] = [${samples}], one weight per sample (got [${w.join(', ')}])`);
    }
  }
  if (!errors.empty) return null;

  // Multiclass losses are one per position (per row), whichever form the targets take.
  const layout: DenseLayout = {
    logitsShape: shape,
    lossesShape: mode === 'multiclass' ? [samples, ...spatial] : shape,
    samples,
    c,
    positions,
  };
  const rowShape = binary ? [samples * positions] : [samples * positions, c];
  // Nested JSON of rank 3 or more is read here; anything else (class ids [N, d1] as JSON rows, tensors) as usual.
  const read = (field: string, value: FieldValue, dtypes: readonly TensorDtype[]) => {
    const declared = declaredShape(value);
    return Array.isArray(value) && declared.length >= MIN_DENSE_RANK
      ? { values: flattenNested(value, declared, field, errors) }
      : readField(field, value, dtypes, declared[1] ?? 1, errors);
  };
  const logits = read('logits', body.logits, FLOAT_DTYPES);
  const targets = read('targets', body.targets, TENSOR_DTYPES);
  const weights = body.weights === undefined ? null : readField('weights', body.weights, FLOAT_DTYPES, 1, errors);
  if (!errors.empty) return null;
  if (logits === null || targets === null || (body.weights !== undefined && weights === null)) return null;

  const rows: DenseFields = {
    logits: { shape: rowShape, values: classesLast(logits.values, layout) },
    targets: classIds
      ? { shape: [samples * positions], values: targets.values }
      : { shape: rowShape, values: classesLast(targets.values, layout) },
  };
  if (weights !== null) rows.weights = { shape: [samples * positions], values: perPosition(weights.values, positions) };
  return { body: { ...body, ...rows }, layout };
}

/** The gradient in the logits' shape (from rows [N*S, C]). */
export function gradientOut(flat: Float64Array, layout: DenseLayout): { values: Float64Array; shape: number[] } {
  return { values: classesFirst(flat, layout), shape: layout.logitsShape };
}

/** The losses in the targets' shape (multiclass: one per position, already in order) or the logits'. */
export function lossesOut(flat: Float64Array, layout: DenseLayout, mode: Mode): { values: Float64Array; shape: number[] } {
  return { values: mode === 'multilabel' ? classesFirst(flat, layout) : flat, shape: layout.lossesShape };
}

/** [N, C, S] -> [N*S, C], in the same array type (float32 stays float32, labels stay integers). */
function classesLast(values: TensorValues, { samples, c, positions }: DenseLayout): TensorValues {
  if (c === 1) return values; // [N, 1, S] and [N, S] are already [N*S] in order
  const Ctor = values.constructor as new (length: number) => TensorValues;
  const out = new Ctor(values.length);
  const block = c * positions;
  for (let i = 0; i < samples; i++) {
    const base = i * block;
    for (let k = 0; k < c; k++) {
      // Reads one class plane sequentially; writes with stride C.
      const from = base + k * positions;
      for (let s = 0, to = base + k; s < positions; s++, to += c) out[to] = values[from + s];
    }
  }
  return out;
}

/** [N*S, C] -> [N, C, S]. */
function classesFirst(values: Float64Array, { samples, c, positions }: DenseLayout): Float64Array {
  if (c === 1) return values;
  const out = new Float64Array(values.length);
  const block = c * positions;
  for (let i = 0; i < samples; i++) {
    const base = i * block;
    for (let k = 0; k < c; k++) {
      const to = base + k * positions;
      for (let s = 0, from = base + k; s < positions; s++, from += c) out[to + s] = values[from];
    }
  }
  return out;
}

/**
 * Nested JSON arrays of `shape` -> flat float64, row-major. Every level must be exactly as long as
 * its dimension and the innermost entries numbers (the schema checks only the first three levels
 * are arrays); an error names the JSON pointer where the form breaks.
 */
function flattenNested(value: unknown[], shape: number[], field: string, errors: FieldErrors): Float64Array {
  const out = new Float64Array(shape.reduce((a, b) => a * b, 1));
  let at = 0;
  // The position being read, one index per level: the error's pointer is built only when there is one.
  const index: number[] = [];
  const walk = (level: unknown, depth: number): boolean => {
    if (depth === shape.length) {
      if (typeof level !== 'number') {
        const got = Array.isArray(level) ? 'an array' : level === null ? 'null' : typeof level;
        errors.add([field, ...index], `must be a number (got ${got}; ${field} has rank ${shape.length})`);
        return false;
      }
      out[at++] = level;
      return true;
    }
    if (!Array.isArray(level) || level.length !== shape[depth]) {
      const got = Array.isArray(level) ? `${level.length} entries` : 'not an array';
      errors.add(
        [field, ...index],
        `has ${got}; ${field} has shape [${shape.join(', ')}] (from its first entries), which needs ${shape[depth]} here`,
      );
      return false;
    }
    for (let i = 0; i < level.length; i++) {
      index.push(i);
      const ok = walk(level[i], depth + 1);
      index.pop();
      if (!ok) return false;
    }
    return true;
  };
  walk(value, 0);
  return out;
}

/** One weight per sample -> one per position (float64: the kernels read weights as floats). */
function perPosition(weights: TensorValues, positions: number): Float64Array {
  const out = new Float64Array(weights.length * positions);
  for (let i = 0; i < weights.length; i++) out.fill(weights[i], i * positions, (i + 1) * positions);
  return out;
}

function sameShape(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
