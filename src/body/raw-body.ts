/**
 * A request body left as bytes for a worker: the main thread only decides admission and moves
 * bytes; decompression, parsing, validation, decoding, the kernel and encoding all run in the
 * worker (pipeline/request-task.ts). Small bodies are parsed on the main thread as before,
 * where the round trip to a worker would cost more than the work.
 */
export class RawBody {
  constructor(
    /** The body as received (still compressed when it has a Content-Encoding), usually in shared memory. */
    readonly bytes: Uint8Array,
    readonly contentEncoding: string | undefined,
    /** The /v2 binary extension's Inference-Header-Content-Length, as sent. */
    readonly headerLength: string | string[] | undefined,
    /** Hands the bytes' memory back for reuse once the request is done with them. */
    readonly release: () => void = () => {},
  ) {}
}

/**
 * Whether a body goes to a worker as bytes: every compressed body (a small gzip body can
 * expand to BODY_LIMIT) and every body of at least `minBytes`.
 */
export function offloadBody(length: number, contentEncoding: string | undefined, minBytes: number): boolean {
  const coding = contentEncoding?.trim().toLowerCase() ?? '';
  return (coding !== '' && coding !== 'identity') || length >= minBytes;
}
