/**
 * Optional API-key authentication: "Authorization: Bearer <key>" checked against API_KEYS in
 * constant time (both sides hashed to equal length, every key compared, no early exit), so
 * response timing does not reveal how much of a key was right. Failures are 401 problems.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { ProblemError } from '../errors/problem-error.js';

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/**
 * A check of the request's key against `keys`: on success it notes the client's identity
 * (request.apiKeyId) and returns null, else the 401 problem to answer with. It throws nothing,
 * so the compute guards can count a refused request against its client before refusing it.
 */
export function apiKeyCheck(keys: string[]): (request: FastifyRequest) => ProblemError | null {
  const digests = keys.map(digest);
  return function checkApiKey(request) {
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (match === null) {
      return new ProblemError('unauthorized', 'send an API key as "Authorization: Bearer <key>"', {
        headers: { 'www-authenticate': 'Bearer realm="focal-loss"' },
      });
    }
    const presented = digest(match[1]);
    let found = -1;
    for (let i = 0; i < digests.length; i++) {
      if (timingSafeEqual(presented, digests[i]) && found < 0) found = i;
    }
    if (found < 0) {
      return new ProblemError('unauthorized', 'the API key is not valid', {
        headers: { 'www-authenticate': 'Bearer realm="focal-loss", error="invalid_token"' },
      });
    }
    // An opaque, loggable identity for rate limits: never the key itself.
    request.apiKeyId = `key-${found}`;
    return null;
  };
}

/** An onRequest hook that admits requests carrying one of `keys`. */
export function apiKeyHook(keys: string[]): onRequestAsyncHookHandler {
  const check = apiKeyCheck(keys);
  return async function requireApiKey(request: FastifyRequest) {
    const problem = check(request);
    if (problem !== null) throw problem;
  };
}

declare module 'fastify' {
  interface FastifyRequest {
    apiKeyId?: string;
  }
}
