/**
 * The application/json body parser: strict (body/parse-json.ts), and for routes that handle
 * their bodies in workers (route config `offloadBody`), large or compressed bodies are not
 * parsed here at all: they go on as bytes (RawBody) for a worker to decompress, parse and
 * validate (body/body-parsers.ts).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Readable } from 'node:stream';
import { readComputeBody, type ComputeBodyOptions } from '../body/body-parsers.js';
import { parseJsonBody } from '../body/parse-json.js';

export interface JsonBodyOptions extends ComputeBodyOptions {
  maxDepth: number;
}

export default fp(
  async function jsonBody(app: FastifyInstance, options: JsonBodyOptions) {
    app.removeContentTypeParser(['application/json', 'text/plain']);
    app.addContentTypeParser('application/json', async (request: FastifyRequest, payload: Readable) => {
      // A body sent to no route is not decompressed or parsed: it gets its 404 (or the guards'
      // answer) without the work, which unauthenticated clients could otherwise cause.
      if (request.is404) return null;
      const offloading = request.routeOptions.config.offloadBody === true;
      return readComputeBody(
        request,
        payload,
        { ...options, offloadMinBytes: offloading ? options.offloadMinBytes : Infinity },
        {},
        (body) => parseJsonBody(body, options.maxDepth),
      );
    });
  },
  { name: 'json-body' },
);

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route takes large or compressed bodies as RawBody and has a worker do everything. */
    offloadBody?: boolean;
  }
}
