/**
 * The body parser of the Open Inference Protocol's infer routes, for their scope only: any
 * content type (tritonclient sends binary requests without one, others as
 * application/octet-stream or application/json) is read as a buffer, split by the binary tensor
 * data extension's framing (after undoing a gzip or deflate Content-Encoding), and its JSON header parsed by the same strict parser as every JSON
 * body. The binary part waits on the request for the input decoder.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { splitInferenceBody, HEADER_LENGTH_HEADER } from '../oip/binary-framing.js';
import { parseJsonBody } from './json-body.js';
import { ProblemError } from '../errors/problem-error.js';
import { decodeContentEncoding } from '../body/content-encoding.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Binary tensor data after the JSON header, or null for a JSON-only request. */
    inferenceBinary?: Buffer | null;
  }
}

export function useInferenceBodyParser(scope: FastifyInstance, limits: { maxDepth: number; bodyLimit: number }): void {
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('*', { parseAs: 'buffer' }, async (request: FastifyRequest, raw: Buffer) => {
    if (request.is404) return null; // no work for a body sent to no route (see json-body.ts)
    // tritonclient's request_compression_algorithm compresses the whole body, header and binary data.
    const body = await decodeContentEncoding(raw, request.headers['content-encoding'], limits.bodyLimit);
    const framed = splitInferenceBody(body, request.headers[HEADER_LENGTH_HEADER]);
    request.inferenceBinary = framed.binary;
    try {
      return parseJsonBody(framed.json, limits.maxDepth);
    } catch (err) {
      if (framed.binary === null && err instanceof ProblemError) {
        throw new ProblemError(
          err.code,
          `${err.message} (a body with binary tensor data needs the Inference-Header-Content-Length header giving its JSON header's length)`,
        );
      }
      throw err;
    }
  });
}
