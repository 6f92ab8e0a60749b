/**
 * Collects field errors while a request is decoded, up to a cap so that a batch of a million
 * bad values produces a short answer, not a million-line one.
 */
import { ProblemError, pointer, type FieldError } from '../errors/problem-error.js';

export const MAX_FIELD_ERRORS = 20;

export class FieldErrors {
  readonly list: FieldError[] = [];
  add(path: (string | number)[], detail: string): void {
    if (this.list.length < MAX_FIELD_ERRORS) this.list.push({ pointer: pointer(...path), detail });
  }

  get full(): boolean {
    return this.list.length >= MAX_FIELD_ERRORS;
  }

  get empty(): boolean {
    return this.list.length === 0;
  }

  /** Throws a 400 problem naming every collected field, if there is any. */
  throwIfAny(): void {
    if (this.list.length === 0) return;
    const first = this.list[0];
    // Decoding stops at the cap, so past it the exact number of errors is unknown.
    const more = this.full
      ? ` (and more: the first ${MAX_FIELD_ERRORS} errors are listed)`
      : this.list.length > 1
        ? ` (and ${this.list.length - 1} more error${this.list.length > 2 ? 's' : ''})`
        : '';
    const detail = `${first.pointer.slice(2) || 'body'} ${first.detail}${more}`;
    throw new ProblemError('invalid-request', detail, { errors: this.list });
  }
}
