/**
 * The body parser of the Open Inference Protocol's infer routes, for their scope only: any
 * content type (tritonclient sends binary requests without one, others as
 * application/octet-stream or application/json) is read as a buffer. Large or compressed bodies
 * go on as bytes (RawBody) for a worker to decompress, frame, parse and validate; small ones are
 * handled here the same way (oip/parse-inference-body.ts), the binary part waiting on the
 * request for the input decoder.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HEADER_LENGTH_HEADER } from '../oip/binary-framing.js';
import { parseInferenceBody } from '../oip/parse-inference-body.js';
import { decodeContentEncoding } from '../body/content-encoding.js';
import { offloadBody, RawBody } from '../body/raw-body.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Binary tensor data after the JSON header, or null for a JSON-only request. */
    inferenceBinary?: Buffer | null;
  }
}

export interface InferenceBodyLimits {
  maxDepth: number;
  bodyLimit: number;
  /** OFFLOAD_MIN_BYTES: bodies at least this large go to a worker as bytes. */
  offloadMinBytes: number;
}

export function useInferenceBodyParser(scope: FastifyInstance, limits: InferenceBodyLimits): void {
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('*', { parseAs: 'buffer' }, async (request: FastifyRequest, raw: Buffer) => {
    if (request.is404) return null; // no work for a body sent to no route (see json-body.ts)
    const encoding = request.headers['content-encoding'];
    const headerLength = request.headers[HEADER_LENGTH_HEADER];
    if (offloadBody(raw, encoding, limits.offloadMinBytes)) return new RawBody(raw, encoding, headerLength);
    // tritonclient's request_compression_algorithm compresses the whole body, header and binary data.
    const body = await decodeContentEncoding(raw, encoding, limits.bodyLimit);
    const parsed = parseInferenceBody(body, headerLength, limits.maxDepth);
    request.inferenceBinary = parsed.binary;
    return parsed.json;
  });
}
