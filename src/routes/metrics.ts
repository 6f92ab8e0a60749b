/**
 * GET /metrics: the service's Prometheus registry (plugins/metrics.ts) in the text exposition
 * format. Served from the main thread, so it answers while every worker is busy.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { problemResponse } from '../schemas/shared.js';
import { API_KEY_OPTIONAL } from '../schemas/security.js';

const metricsRoute: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/metrics',
    {
      config: { routineLog: true },
      schema: {
        summary: 'Prometheus metrics',
        description:
          'Prometheus text exposition format: `http_request_duration_seconds` (histogram by `method`, `route`, ' +
          '`status_code`), `http_requests_in_flight`, `focal_pool_queue_depth`, `focal_pool_utilization` (0..1), ' +
          '`focal_pool_workers`, `focal_elements_total` and `focal_kernel_duration_seconds` (by `mode`), ' +
          '`focal_rejected_requests_total` (by `reason`), and the default process metrics (`process_*`, `nodejs_*`).',
        tags: ['operations'],
        operationId: 'serviceMetrics',
        security: API_KEY_OPTIONAL,
        response: {
          200: {
            description: 'The metrics, one sample per line.',
            content: { 'text/plain': { schema: Type.String() } },
          },
          401: problemResponse('`AUTH_PROTECT_OPS` and `API_KEYS` are set and the request has no valid key (`unauthorized`).'),
        },
      },
    },
    async (_request, reply) => {
      const text = await app.metricsRegistry.metrics();
      return reply.type(app.metricsRegistry.contentType).send(text);
    },
  );
};

export default metricsRoute;
