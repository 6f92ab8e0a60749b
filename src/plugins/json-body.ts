/**
 * The application/json body parser: strict (body/parse-json.ts), and for routes that handle
 * their bodies in workers (route config `offloadBody`), large or compressed bodies are not
 * touched at all: they go on as bytes (RawBody) for a worker to decompress, parse and validate.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { decodeContentEncoding } from '../body/content-encoding.js';
import { parseJsonBody } from '../body/parse-json.js';
import { offloadBody, RawBody } from '../body/raw-body.js';

export interface JsonBodyOptions {
  maxDepth: number;
  /** BODY_LIMIT: the cap on a compressed body's decompressed size. */
  bodyLimit: number;
  /** OFFLOAD_MIN_BYTES: bodies at least this large go to a worker as bytes (offloading routes only). */
  offloadMinBytes: number;
}

export default fp(
  async function jsonBody(app: FastifyInstance, options: JsonBodyOptions) {
    app.removeContentTypeParser(['application/json', 'text/plain']);
    app.addContentTypeParser('application/json', { parseAs: 'buffer' }, async (request: FastifyRequest, raw: Buffer) => {
      // A body sent to no route is not decompressed or parsed: it gets its 404 (or the guards'
      // answer) without the work, which unauthenticated clients could otherwise cause.
      if (request.is404) return null;
      const encoding = request.headers['content-encoding'];
      if (request.routeOptions.config.offloadBody === true && offloadBody(raw, encoding, options.offloadMinBytes)) {
        return new RawBody(raw, encoding);
      }
      const body = await decodeContentEncoding(raw, encoding, options.bodyLimit);
      return parseJsonBody(body, options.maxDepth);
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
