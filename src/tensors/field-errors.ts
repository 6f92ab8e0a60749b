/**
 * Collects field errors while a request is decoded, up to a cap so that a batch of a million
 * bad values produces a short answer, not a million-line one. Checks say where an error is in
 * the terms of the loss request (a path such as targets/shape, and for a tensor's data the
 * element or row); how that place is named in the message belongs to the protocol: POST /loss
 * names it by JSON pointer (namePointer), the Open Inference Protocol by input and parameter
 * (oip/error-naming.ts). The rules are written once; only the names differ.
 */
import { ProblemError, pointer, type FieldError } from '../errors/problem-error.js';

export const MAX_FIELD_ERRORS = 20;

/** One element (a flat row-major index into `shape`) or one row of a tensor's data sent as one block. */
export type DataSite = { element: number; shape: readonly number[] } | { row: number };

/** Where an error is: a path into the loss request, and the element or row when the path is a tensor's data. */
export interface ErrorPlace {
  path: (string | number)[];
  site?: DataSite;
}

/** Names a place for an error message ("targets/data element [3]", `input "targets" element [3]`). */
export type NamePlace = (place: ErrorPlace) => string;

/** The multi-index of a flat row-major element of a tensor of `shape`. */
export function elementIndex(flat: number, shape: readonly number[]): number[] {
  const index = new Array<number>(shape.length);
  let rest = flat;
  for (let d = shape.length - 1; d > 0; d--) {
    index[d] = rest % shape[d];
    rest = Math.floor(rest / shape[d]);
  }
  if (shape.length > 0) index[0] = rest;
  return index;
}

/** "element [3, 1]" or "row [3]", in the tensor's own shape. */
export function siteText(site: DataSite, shape?: readonly number[]): string {
  return 'row' in site ? `row [${site.row}]` : `element [${elementIndex(site.element, shape ?? site.shape).join(', ')}]`;
}

/** POST /loss: the JSON pointer without its "#/", then the element or row ("targets/data element [3]"). */
export const namePointer: NamePlace = ({ path, site }) => {
  const field = pointer(...path).slice(2) || 'body';
  return site === undefined ? field : `${field} ${siteText(site)}`;
};

export class FieldErrors {
  private readonly entries: { place: ErrorPlace; reason: string }[] = [];

  constructor(private readonly namePlace: NamePlace = namePointer) {}

  add(path: (string | number)[], reason: string, site?: DataSite): void {
    if (this.entries.length < MAX_FIELD_ERRORS) this.entries.push({ place: { path, site }, reason });
  }

  /** A place named as this request's protocol names it, for messages written outside the list. */
  where(path: (string | number)[]): string {
    return this.namePlace({ path });
  }

  get full(): boolean {
    return this.entries.length >= MAX_FIELD_ERRORS;
  }

  /** Errors collected so far (up to the cap): a check compares it before and after to know whether it added any. */
  get count(): number {
    return this.entries.length;
  }

  get empty(): boolean {
    return this.entries.length === 0;
  }

  /** The errors as problem+json lists them: a JSON pointer into the loss request and the reason. */
  get list(): FieldError[] {
    return this.entries.map(({ place: { path, site }, reason }) => ({
      pointer: pointer(...path),
      detail: site === undefined ? reason : `${siteText(site)} ${reason}`,
    }));
  }

  /**
   * `value` once a check has produced it without error; otherwise throws the collected errors
   * (a check returns null only after adding one).
   */
  orThrow<T>(value: T | null): T {
    this.throwIfAny();
    if (value === null) throw new Error('a check returned nothing without saying why');
    return value;
  }

  /** Throws a 400 problem naming every collected field, if there is any. */
  throwIfAny(): void {
    if (this.entries.length === 0) return;
    const first = this.entries[0];
    // Decoding stops at the cap, so past it the exact number of errors is unknown.
    const more = this.full
      ? ` (and more: the first ${MAX_FIELD_ERRORS} errors are listed)`
      : this.entries.length > 1
        ? ` (and ${this.entries.length - 1} more error${this.entries.length > 2 ? 's' : ''})`
        : '';
    const detail = `${this.namePlace(first.place)} ${first.reason}${more}`;
    throw new ProblemError('invalid-request', detail, { errors: this.list });
  }
}
