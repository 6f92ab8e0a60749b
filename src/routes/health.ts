/**
 * Liveness and readiness. Both answer from the main thread without touching the workers,
 * so they stay fast while every worker is busy.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ProblemError } from '../errors/problem-error.js';

const HealthSchema = Type.Object({ status: Type.String() });

const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/healthz', { schema: { response: { 200: HealthSchema } } }, async () => ({
    status: 'ok',
  }));
  app.get('/readyz', {}, async () => {
    if (app.draining || app.focalPool.isClosing) throw new ProblemError('unavailable', 'the service is shutting down', { headers: { 'retry-after': '1' } });
    return { status: 'ready', workers: app.focalPool.threads, queued: app.focalPool.queueSize };
  });
};

export default healthRoutes;
