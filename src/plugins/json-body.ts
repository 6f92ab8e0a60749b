/**
 * The application/json body parser. Stricter than Fastify's default: the body must be valid
 * UTF-8 (the default silently turns bad bytes into U+FFFD), must not nest deeper than
 * MAX_JSON_DEPTH (checked before parsing), and keys that could poison prototypes
 * (__proto__, constructor.prototype) are rejected. Every failure is a 400 problem.
 */
import { isUtf8 } from 'node:buffer';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import sjson from 'secure-json-parse';
import { ProblemError } from '../errors/problem-error.js';
import { jsonDepthExceeds } from '../body/json-depth.js';

export interface JsonBodyOptions {
  maxDepth: number;
}

export default fp(
  async function jsonBody(app: FastifyInstance, options: JsonBodyOptions) {
    app.removeContentTypeParser(['application/json', 'text/plain']);
    app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body: Buffer, done) => {
      if (body.length === 0) return done(new ProblemError('malformed-body', 'the body is empty; send a JSON object'));
      if (!isUtf8(body)) return done(new ProblemError('malformed-body', 'the body is not valid UTF-8'));
      if (jsonDepthExceeds(body, options.maxDepth)) {
        return done(new ProblemError('malformed-body', `the JSON nests deeper than ${options.maxDepth} levels (MAX_JSON_DEPTH)`));
      }
      let parsed: unknown;
      try {
        parsed = sjson.parse(body.toString('utf8'), null, { protoAction: 'error', constructorAction: 'error' });
      } catch (err) {
        return done(new ProblemError('malformed-body', `the body is not valid JSON: ${(err as Error).message}`));
      }
      done(null, parsed);
    });
  },
  { name: 'json-body' },
);
