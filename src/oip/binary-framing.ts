/**
 * The binary tensor data extension's body framing: with an Inference-Header-Content-Length
 * header the body is that many bytes of JSON followed by the inputs' binary data; without it the
 * whole body is JSON, whatever the content type says (as in Triton: tritonclient's asyncio
 * client sends JSON-only requests as application/octet-stream). Pure: bytes and a header value in, the two parts out, or a 400 naming the
 * problem.
 */
import { ProblemError } from '../errors/problem-error.js';

export const HEADER_LENGTH_HEADER = 'inference-header-content-length';

export interface FramedBody {
  /** The JSON inference request header. */
  json: Buffer;
  /** The bytes after it (possibly empty), or null when the request is JSON only. */
  binary: Buffer | null;
}

export function splitInferenceBody(body: Buffer, headerLength: string | string[] | undefined): FramedBody {
  if (headerLength === undefined) return { json: body, binary: null };
  if (Array.isArray(headerLength)) throw invalid('Inference-Header-Content-Length is given more than once');
  if (!/^\d{1,15}$/.test(headerLength.trim())) {
    throw invalid(`Inference-Header-Content-Length must be a non-negative integer number of bytes (got "${headerLength.slice(0, 40)}")`);
  }
  const length = Number(headerLength.trim());
  if (length === 0) {
    throw invalid(
      'Inference-Header-Content-Length: 0 asks for a raw binary request, which the protocol allows only for models with ' +
        'a single input; the focal-loss models take two to four inputs, so send a JSON header before the binary data',
    );
  }
  if (length > body.length) {
    throw invalid(`Inference-Header-Content-Length is ${length} bytes, past the end of the ${body.length}-byte body`);
  }
  return { json: body.subarray(0, length), binary: body.subarray(length) };
}

function invalid(detail: string): ProblemError {
  return new ProblemError('invalid-request', detail);
}
