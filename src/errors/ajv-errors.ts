/**
 * Ajv validation errors -> the `invalid-request` problem a client can act on: JSON pointers to
 * the offending values and plain reasons. For a value that matches no branch of a union (anyOf),
 * the most specific error (the deepest path) is reported instead of "must match a schema in
 * anyOf". The one renderer of schema errors, whichever thread validated the body.
 */
import { ProblemError, type FieldError } from './problem-error.js';
import { MAX_FIELD_ERRORS } from '../tensors/field-errors.js';

export interface AjvErrorLike {
  keyword: string;
  instancePath: string;
  message?: string;
  params: Record<string, unknown>;
  /** The offending value (Ajv's `verbose` option). */
  data?: unknown;
}

/** The problem for a body that fails its schema. */
export function validationProblem(ajvErrors: AjvErrorLike[]): ProblemError {
  const errors = fieldErrorsFromAjv(ajvErrors).slice(0, MAX_FIELD_ERRORS);
  const first = errors[0];
  const detail = first ? `${first.pointer.slice(2) || 'body'} ${first.detail}` : 'the request does not match the schema';
  return new ProblemError('invalid-request', detail, { errors });
}

export function fieldErrorsFromAjv(errors: AjvErrorLike[]): FieldError[] {
  const specific = errors.filter((e) => e.keyword !== 'anyOf' && e.keyword !== 'oneOf');
  const candidates = specific.length > 0 ? specific : errors;
  // For a union, the branch that got furthest into the value is the one the client meant:
  // [[1, 2], 3] fails the matrix branch at /1 and the vector branch at /0, and /1 is the news.
  let furthest = fieldPath(candidates[0]);
  for (const e of candidates) if (comparePaths(fieldPath(e), furthest) > 0) furthest = fieldPath(e);
  const seen = new Set<string>();
  const out: FieldError[] = [];
  for (const e of candidates) {
    if (fieldPath(e) !== furthest) continue;
    const err = { pointer: '#' + furthest, detail: reason(e, errors) };
    const key = err.pointer + err.detail;
    if (!seen.has(key)) {
      seen.add(key);
      out.push(err);
    }
  }
  return out;
}

/** Orders JSON pointers by how far into the document they reach: deeper, then later indices. */
function comparePaths(a: string, b: string): number {
  const as = a.split('/');
  const bs = b.split('/');
  if (as.length !== bs.length) return as.length - bs.length;
  for (let i = 0; i < as.length; i++) {
    if (as[i] === bs[i]) continue;
    const an = Number(as[i]);
    const bn = Number(bs[i]);
    return Number.isInteger(an) && Number.isInteger(bn) ? an - bn : as[i] < bs[i] ? -1 : 1;
  }
  return 0;
}

function fieldPath(e: AjvErrorLike): string {
  if (e.keyword === 'required') return `${e.instancePath}/${String(e.params.missingProperty)}`;
  if (e.keyword === 'additionalProperties') return `${e.instancePath}/${String(e.params.additionalProperty)}`;
  return e.instancePath;
}

function reason(e: AjvErrorLike, all: AjvErrorLike[]): string {
  switch (e.keyword) {
    case 'required':
      return 'is required';
    case 'additionalProperties':
      return 'is not a known field';
    case 'type': {
      // JSON.parse turns 1e999 into Infinity, which Ajv rejects as "not a number".
      if (typeof e.data === 'number' && !Number.isFinite(e.data)) return 'must be a finite number (it overflows float64)';
      // Every type the value could have had at this path (unions list several).
      const types = [
        ...new Set(all.filter((x) => x.keyword === 'type' && x.instancePath === e.instancePath).map((x) => String(x.params.type))),
      ];
      return `must be ${types.map((t) => (/^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`)).join(' or ')} (no type coercion is applied)`;
    }
    case 'const': {
      const allowed = all
        .filter((x) => x.keyword === 'const' && x.instancePath === e.instancePath)
        .map((x) => JSON.stringify(x.params.allowedValue));
      return `must be one of ${[...new Set(allowed)].join(', ')}`;
    }
    default:
      return e.message ?? 'is not valid';
  }
}
