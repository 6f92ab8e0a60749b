/**
 * The application/json body parser. Stricter than Fastify's default: the body must be valid
 * UTF-8 (the default silently turns bad bytes into U+FFFD), must not nest deeper than
 * MAX_JSON_DEPTH (checked before parsing), and keys that could poison prototypes
 * (__proto__, constructor.prototype) are rejected. Every failure is a 400 problem.
 */
import { isUtf8 } from 'node:buffer';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import sjson from 'secure-json-parse';
import { ProblemError } from '../errors/problem-error.js';
import { jsonDepthExceeds } from '../body/json-depth.js';
import { decodeContentEncoding } from '../body/content-encoding.js';

export interface JsonBodyOptions {
  maxDepth: number;
  /** BODY_LIMIT: the cap on a compressed body's decompressed size. */
  bodyLimit: number;
}

/** Parses a JSON body with every check above; failures are 400 malformed-body problems. */
export function parseJsonBody(body: Buffer, maxDepth: number): unknown {
  if (body.length === 0) throw new ProblemError('malformed-body', 'the body is empty; send a JSON object');
  if (!isUtf8(body)) throw new ProblemError('malformed-body', 'the body is not valid UTF-8');
  if (jsonDepthExceeds(body, maxDepth)) {
    throw new ProblemError('malformed-body', `the JSON nests deeper than ${maxDepth} levels (MAX_JSON_DEPTH)`);
  }
  try {
    return sjson.parse(body.toString('utf8'), null, { protoAction: 'error', constructorAction: 'error' });
  } catch (err) {
    throw new ProblemError('malformed-body', `the body is not valid JSON: ${(err as Error).message}`);
  }
}

export default fp(
  async function jsonBody(app: FastifyInstance, options: JsonBodyOptions) {
    app.removeContentTypeParser(['application/json', 'text/plain']);
    app.addContentTypeParser('application/json', { parseAs: 'buffer' }, async (request: FastifyRequest, raw: Buffer) => {
      // A body sent to no route is not decompressed or parsed: it gets its 404 (or the guards'
      // answer) without the work, which unauthenticated clients could otherwise cause.
      if (request.is404) return null;
      const body = await decodeContentEncoding(raw, request.headers['content-encoding'], options.bodyLimit);
      return parseJsonBody(body, options.maxDepth);
    });
  },
  { name: 'json-body' },
);
