/**
 * The body parser of the Open Inference Protocol's infer routes, for their scope only: any
 * content type (tritonclient sends binary requests without one, others as
 * application/octet-stream or application/json) is read as a buffer. Large or compressed bodies
 * go on as bytes (RawBody) for a worker to decompress, frame, parse and validate; small ones are
 * handled here the same way (oip/parse-inference-body.ts), the binary part waiting on the
 * request for the input decoder.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import { HEADER_LENGTH_HEADER } from '../oip/binary-framing.js';
import { parseInferenceBody } from '../oip/parse-inference-body.js';
import { readComputeBody, type ComputeBodyOptions } from '../body/body-parsers.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Binary tensor data after the JSON header, or null for a JSON-only request. */
    inferenceBinary?: Buffer | null;
  }
}

export interface InferenceBodyOptions extends ComputeBodyOptions {
  maxDepth: number;
}

export function useInferenceBodyParser(scope: FastifyInstance, options: InferenceBodyOptions): void {
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('*', async (request: FastifyRequest, payload: Readable) => {
    if (request.is404) return null; // no work for a body sent to no route (see json-body.ts)
    // tritonclient's request_compression_algorithm compresses the whole body, header and binary data.
    const headerLength = request.headers[HEADER_LENGTH_HEADER];
    return readComputeBody(request, payload, options, { headerLength }, (body) => {
      const parsed = parseInferenceBody(body, headerLength, options.maxDepth);
      request.inferenceBinary = parsed.binary;
      return parsed.json;
    });
  });
}
