/**
 * Admission by memory: each compute request reserves, before its body is read, an estimate of
 * the memory it will hold while in flight (its body, the decoded arrays, the answer); a request
 * that would take the reservations over the budget is refused (503 + Retry-After) instead of
 * taking the process over its container's memory limit. Released when its response is done.
 *
 * The estimate is MEMORY_PER_BODY_BYTE times the body's size. Measured on this service (peak
 * RSS over idle, one request at a time, docs/where-time-goes.md): base64 tensors 1.3-5.4x the
 * body, JSON arrays 1.4-5.4x once warm and up to 7-11x for the first request (which also touches
 * the buffers kept for reuse, counted outside the budget). A compressed body can grow to
 * BODY_LIMIT, which is what it reserves; so does a body without Content-Length.
 */
export const MEMORY_PER_BODY_BYTE = 6;

/** The reservation of a request, from its headers. */
export function requestMemoryCost(headers: Record<string, string | string[] | undefined>, bodyLimit: number): number {
  const encoding = headers['content-encoding'];
  const compressed = encoding !== undefined && String(encoding).trim().toLowerCase() !== 'identity';
  const length = Number(headers['content-length']);
  const bytes = !compressed && Number.isSafeInteger(length) && length >= 0 ? Math.min(length, bodyLimit) : bodyLimit;
  return MEMORY_PER_BODY_BYTE * bytes;
}

export class MemoryBudget {
  private reserved = 0;

  /** `budgetBytes` 0: no budget (reservations are still counted, for the metrics). */
  constructor(readonly budgetBytes: number) {}

  get reservedBytes(): number {
    return this.reserved;
  }

  /**
   * Reserves `bytes` if they fit. With nothing reserved a request is always admitted: one larger
   * than the whole budget could otherwise never run.
   */
  tryReserve(bytes: number): boolean {
    if (this.budgetBytes > 0 && this.reserved > 0 && this.reserved + bytes > this.budgetBytes) return false;
    this.reserved += bytes;
    return true;
  }

  release(bytes: number): void {
    this.reserved = Math.max(0, this.reserved - bytes);
  }
}
