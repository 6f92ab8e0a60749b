/**
 * The body parser of the Open Inference Protocol's infer routes, for their scope only: any
 * content type (tritonclient sends binary requests without one, others as
 * application/octet-stream or application/json) is read as a buffer, split by the binary tensor
 * data extension's framing, and its JSON header parsed by the same strict parser as every JSON
 * body. The binary part waits on the request for the input decoder.
 */
import type { FastifyInstance } from 'fastify';
import { splitInferenceBody, HEADER_LENGTH_HEADER } from '../oip/binary-framing.js';
import { parseJsonBody } from './json-body.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Binary tensor data after the JSON header, or null for a JSON-only request. */
    inferenceBinary?: Buffer | null;
  }
}

export function useInferenceBodyParser(scope: FastifyInstance, maxDepth: number): void {
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('*', { parseAs: 'buffer' }, (request, body: Buffer, done) => {
    let parsed: unknown;
    try {
      const framed = splitInferenceBody(body, request.headers[HEADER_LENGTH_HEADER], request.headers['content-type']);
      request.inferenceBinary = framed.binary;
      parsed = parseJsonBody(framed.json, maxDepth);
    } catch (err) {
      return done(err as Error);
    }
    done(null, parsed);
  });
}
