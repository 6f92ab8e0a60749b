/**
 * One log line per request (instead of Fastify's two): id, route, status, duration and, for
 * loss requests, mode, N, C and the time spent computing in the worker. A client that closes
 * the connection before its answer is logged once too, with nginx's 499.
 *
 * Routes marked `config: { routineLog: true }` (probes and metric scrapes, which an orchestrator
 * calls every few seconds per replica) log their successful answers at debug, so they do not
 * drown the requests that matter; their failures (a 503 while draining) stay at info.
 */
import type { BatchInfo } from '../pipeline/answer.js';
import { performance } from 'node:perf_hooks';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

export interface ComputeInfo extends BatchInfo {
  computeMs: number;
}

export const CLIENT_CLOSED_REQUEST = 499;

/** Writes the request's one line (once, whichever path gets there first). */
export function logRequestLine(request: FastifyRequest, statusCode: number): void {
  if (request.logged) return;
  request.logged = true;
  const level = statusCode < 400 && request.routeOptions.config.routineLog === true ? 'debug' : 'info';
  request.log[level](
    {
      method: request.method,
      url: request.url,
      statusCode,
      durationMs: Math.round((performance.now() - request.startedAt) * 1000) / 1000,
      ...(request.compute ?? {}),
      ...(request.problem ? { problem: request.problem.code, detail: request.problem.detail } : {}),
    },
    'request completed',
  );
}

export default fp(
  async function requestLog(app: FastifyInstance) {
    app.decorateRequest('compute', null);
    app.decorateRequest('logged', false);
    app.decorateRequest('startedAt', 0);
    app.addHook('onRequest', async (request) => {
      request.startedAt = performance.now();
    });
    app.addHook('onResponse', async (request, reply) => logRequestLine(request, reply.statusCode));
    // A client gone while its body was still arriving; one gone later is logged by the error
    // handler (Fastify runs no response hook for an answer that could not be sent).
    app.addHook('onRequestAbort', async (request) => {
      request.problem ??= { code: 'cancelled', detail: 'the client closed the connection before the answer' };
      logRequestLine(request, CLIENT_CLOSED_REQUEST);
    });
  },
  { name: 'request-log' },
);

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Successful answers are logged at debug instead of info (probes, scrapes). */
    routineLog?: boolean;
  }
  interface FastifyRequest {
    compute: ComputeInfo | null;
    logged: boolean;
    /** performance.now() when the request arrived. */
    startedAt: number;
  }
}
