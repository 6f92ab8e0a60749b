/**
 * Liveness and readiness. Both answer from the main thread without touching the workers,
 * so they stay fast while every worker is busy.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { HealthSchema, ReadinessSchema } from '../schemas/health.js';
import { problemResponse, refTo } from '../schemas/shared.js';
import { NO_API_KEY } from '../schemas/security.js';
import { assertReady } from './readiness.js';

const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/healthz',
    {
      config: { routineLog: true },
      schema: {
        summary: 'Liveness',
        description: 'Always 200 while the process runs; use it as the liveness probe. It never waits for a worker.',
        tags: ['operations'],
        operationId: 'serviceLive',
        security: NO_API_KEY,
        response: { 200: refTo(HealthSchema) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );
  app.get(
    '/readyz',
    {
      config: { routineLog: true },
      schema: {
        summary: 'Readiness',
        description:
          '200 while the worker pool runs and the service accepts work; 503 `unavailable` from the moment a SIGTERM ' +
          'or SIGINT starts the drain, so a load balancer stops sending new requests. It never waits for a worker.',
        tags: ['operations'],
        operationId: 'serviceReady',
        security: NO_API_KEY,
        response: {
          200: refTo(ReadinessSchema),
          503: problemResponse('The service is shutting down (`unavailable`, with `Retry-After`).'),
        },
      },
    },
    async () => {
      assertReady(app);
      return { status: 'ready' as const, workers: app.focalPool.threads, queued: app.focalPool.queueSize };
    },
  );
};

export default healthRoutes;
