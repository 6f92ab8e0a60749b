/**
 * Open Inference Protocol routes that compute nothing: server metadata, liveness and readiness,
 * model metadata, model configuration (Triton's) and model readiness. They sit outside the compute guards, like /healthz and
 * /readyz, so probes answer while every worker is busy. Registered under the /v2 prefix.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { modelMetadata, resolveModel } from '../../oip/models.js';
import { modelConfig } from '../../oip/model-config.js';
import {
  liveOperation,
  modelConfigOperation,
  modelMetadataOperation,
  modelReadyOperation,
  readyOperation,
  serverMetadataOperation,
} from '../../schemas/oip-operations.js';
import { useOipErrors } from './oip-errors.js';
import { assertReady } from '../readiness.js';
import { PACKAGE } from '../../package-root.js';

export const SERVER_EXTENSIONS = ['binary_tensor_data', 'statistics'];

const oipMetadataRoutes: FastifyPluginAsyncTypebox = async (app) => {
  useOipErrors(app, { notFound: true });

  app.get('', { schema: serverMetadataOperation }, async () => ({
    name: PACKAGE.name,
    version: PACKAGE.version,
    extensions: SERVER_EXTENSIONS,
  }));

  app.get('/health/live', { config: { routineLog: true }, schema: liveOperation }, async () => ({ live: true }));

  app.get('/health/ready', { config: { routineLog: true }, schema: readyOperation }, async () => {
    assertReady(app);
    return { ready: true };
  });

  // Every model route also answers under /versions/{model_version}.
  for (const versioned of [false, true]) {
    const path = versioned ? '/models/:model_name/versions/:model_version' : '/models/:model_name';
    app.get(path, { schema: modelMetadataOperation(versioned) }, async (request) => {
      return modelMetadata(resolveModel(request.params));
    });
    app.get(`${path}/config`, { schema: modelConfigOperation(versioned) }, async (request) => {
      return modelConfig(resolveModel(request.params), app.focalPool.threads);
    });
    app.get(`${path}/ready`, { config: { routineLog: true }, schema: modelReadyOperation(versioned) }, async (request) => {
      const model = resolveModel(request.params);
      assertReady(app);
      return { name: model.name, ready: true };
    });
  }
};

export default oipMetadataRoutes;
