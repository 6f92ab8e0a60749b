/**
 * Open Inference Protocol routes that compute nothing: server metadata, liveness and readiness,
 * model metadata and model readiness. They sit outside the compute guards, like /healthz and
 * /readyz, so probes answer while every worker is busy. Registered under the /v2 prefix.
 */
import { readFileSync } from 'node:fs';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ProblemError } from '../../errors/problem-error.js';
import { modelMetadata, resolveModel } from '../../oip/models.js';
import {
  liveOperation,
  modelMetadataOperation,
  modelReadyOperation,
  readyOperation,
  serverMetadataOperation,
} from '../../schemas/oip-operations.js';
import { useOipErrors } from './oip-errors.js';

// The same path from src/routes/v2 (tsx, tap) and dist/routes/v2 (compiled).
const PACKAGE = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { name: string; version: string };

export const SERVER_EXTENSIONS = ['binary_tensor_data'];

type ModelPath = { model_name: string; model_version?: string };

const oipMetadataRoutes: FastifyPluginAsyncTypebox = async (app) => {
  useOipErrors(app, { notFound: true });

  app.get('', { schema: serverMetadataOperation }, async () => ({
    name: PACKAGE.name,
    version: PACKAGE.version,
    extensions: SERVER_EXTENSIONS,
  }));

  app.get('/health/live', { config: { routineLog: true }, schema: liveOperation }, async () => ({ live: true }));

  const ready = (): boolean => !app.draining && !app.focalPool.isClosing;
  const notReady = () => new ProblemError('unavailable', 'the service is shutting down', { headers: { 'retry-after': '1' } });

  app.get('/health/ready', { config: { routineLog: true }, schema: readyOperation }, async () => {
    if (!ready()) throw notReady();
    return { ready: true };
  });

  // Every model route also answers under /versions/{model_version}.
  for (const versioned of [false, true]) {
    const path = versioned ? '/models/:model_name/versions/:model_version' : '/models/:model_name';
    app.get(path, { schema: modelMetadataOperation(versioned) }, async (request) => {
      const params = request.params as ModelPath;
      return modelMetadata(resolveModel(params.model_name, params.model_version));
    });
    app.get(`${path}/ready`, { config: { routineLog: true }, schema: modelReadyOperation(versioned) }, async (request) => {
      const params = request.params as ModelPath;
      const model = resolveModel(params.model_name, params.model_version);
      if (!ready()) throw notReady();
      return { name: model.name, ready: true };
    });
  }
};

export default oipMetadataRoutes;
