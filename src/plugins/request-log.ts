/**
 * One log line per request (instead of Fastify's two): id, route, status, duration and, for
 * loss requests, mode, N, C and the time spent computing in the worker.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

export interface ComputeInfo {
  mode: string;
  n: number;
  c: number;
  computeMs: number;
}

export default fp(
  async function requestLog(app: FastifyInstance) {
    app.decorateRequest('compute', null);
    app.addHook('onResponse', async (request, reply) => {
      request.log.info(
        {
          method: request.method,
          url: request.url,
          statusCode: reply.statusCode,
          durationMs: Math.round(reply.elapsedTime * 1000) / 1000,
          ...(request.compute ?? {}),
          ...(request.problem ? { problem: request.problem.code, detail: request.problem.detail } : {}),
        },
        'request completed',
      );
    });
  },
  { name: 'request-log' },
);

declare module 'fastify' {
  interface FastifyRequest {
    compute: ComputeInfo | null;
  }
}
