/**
 * Dense predictions (reference README, "Dense shapes"): logits [N, C, d1, ..., dk] (binary
 * [N, d1, ..., dk]), rank 3 to 8, class axis 1 as in PyTorch. Every spatial position is a row
 * (multiclass) or an element (binary, multilabel) exactly as if the tensor were moved to
 * [N * d1 * ... * dk, C], but nothing is moved: the kernels walk the request's own layout with
 * strides (kernels/types.ts, `positions` S = d1 x ... x dk), so this module only checks the shapes
 * and reads the values as they are (an encoded tensor's values are a view of its bytes):
 * - logits and probability / label targets stay [N, C, S] (row r = n S + s has class k at
 *   (n C + k) S + s), class-id targets [N, d...] are already in row order, weights stay [N];
 * - the gradient comes back in the logits' layout and shape, losses in the targets' shape
 *   (multiclass: one per position, row order) or the logits' (gradientOut, lossesOut: shapes only).
 * The pool splits such a batch on whole samples (kernels/split-batch.ts partRanges), so `count`
 * and `mean` count positions and weights stay one per sample.
 */
import type { Mode } from '../kernels/types.js';
import type { FieldErrors } from './field-errors.js';
import { declaredShape, readField, shapePath, type FieldTensor, type FieldValue } from './field-tensor.js';
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

/** True when the logits have a dense rank (3 or more): such a request is read by readDense. */
export function isDense(logits: FieldValue): boolean {
  return declaredShape(logits).length >= MIN_DENSE_RANK;
}

/** A dense request's tensors as read (their own shapes and layout) and the layout. */
export interface DenseTensors {
  logits: FieldTensor;
  targets: FieldTensor;
  weights: FieldTensor | null;
  /** Multiclass targets given as class ids [N, d1, ..., dk] (else the logits' shape). */
  classIds: boolean;
  layout: DenseLayout;
}

/**
 * A dense request's tensors, read in place (no rearrangement) with their declared shapes, so that
 * a value error names the element where the client wrote it. Shape problems are added to `errors`
 * and null is returned.
 */
export function readDense(mode: Mode, body: DenseFields, errors: FieldErrors): DenseTensors | null {
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
  // Nested JSON of rank 3 or more is read here; anything else (class ids [N, d1] as JSON rows, tensors) as usual.
  const read = (field: string, value: FieldValue, dtypes: readonly TensorDtype[]): FieldTensor | null => {
    const declared = declaredShape(value);
    if (Array.isArray(value) && declared.length >= MIN_DENSE_RANK) {
      return { field, encoded: false, shape: declared, values: flattenNested(value, declared, field, errors) };
    }
    return readField(field, value, dtypes, declared[1] ?? 1, errors);
  };
  const logits = read('logits', body.logits, FLOAT_DTYPES);
  const targets = read('targets', body.targets, TENSOR_DTYPES);
  const weights = body.weights === undefined ? null : readField('weights', body.weights, FLOAT_DTYPES, 1, errors);
  if (!errors.empty) return null;
  if (logits === null || targets === null || (body.weights !== undefined && weights === null)) return null;
  return { logits, targets, weights, classIds, layout };
}

/** The gradient in the logits' shape: the kernels wrote it in the logits' own layout. */
export function gradientOut(flat: Float64Array, layout: DenseLayout): { values: Float64Array; shape: number[] } {
  return { values: flat, shape: layout.logitsShape };
}

/**
 * The losses in the targets' shape (multiclass: one per position, in row order) or the logits'
 * (binary, multilabel: the kernels wrote them in the logits' layout).
 */
export function lossesOut(flat: Float64Array, layout: DenseLayout): { values: Float64Array; shape: number[] } {
  return { values: flat, shape: layout.lossesShape };
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

function sameShape(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
