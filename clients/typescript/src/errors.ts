/** The client's one error type (its own module: the client and the chunked evaluate both throw it). */
import type { Problem } from './api.js';

/**
 * A failed call: `status` is the HTTP status, or 0 when there was no HTTP answer (connection refused,
 * timeout) or the error was found by the client (a merged result that overflows).
 */
export class FocalLossError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly problem: Problem | null = null,
  ) {
    super(message);
    this.name = 'FocalLossError';
  }
}
