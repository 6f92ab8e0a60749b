/**
 * Triton's statistics extension: GET /v2/models/stats (every model), /v2/models/{name}/stats
 * and /v2/models/{name}/versions/{v}/stats, from the per-model inference metrics (the same
 * counters as GET /metrics). Registered under the /v2 prefix in the operations scope, so
 * AUTH_PROTECT_OPS covers it as it covers /metrics.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { MODELS, resolveModel, type ModelPath } from '../../oip/models.js';
import { modelStatistics } from '../../oip/statistics.js';
import { statisticsOperation } from '../../schemas/oip-operations.js';
import { useOipErrors } from './oip-errors.js';

const oipStatisticsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  useOipErrors(app, { notFound: false });
  const routine = { routineLog: true };

  // A static segment wins over /models/:model_name in Fastify's router, so no model is called "stats".
  app.get('/models/stats', { config: routine, schema: statisticsOperation('all') }, async () => ({
    model_stats: await modelStatistics(app.inferenceMetrics, MODELS.values()),
  }));
  app.get('/models/:model_name/stats', { config: routine, schema: statisticsOperation('model') }, async (request) => ({
    model_stats: await modelStatistics(app.inferenceMetrics, [resolveModel(request.params as ModelPath)]),
  }));
  app.get(
    '/models/:model_name/versions/:model_version/stats',
    { config: routine, schema: statisticsOperation('version') },
    async (request) => ({
      model_stats: await modelStatistics(app.inferenceMetrics, [resolveModel(request.params as ModelPath)]),
    }),
  );
};

export default oipStatisticsRoutes;
