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
  ModelParamsSchema,
  OipErrorSchema,
  OipLiveSchema,
  OipModelMetadataSchema,
  OipModelReadySchema,
  OipReadySchema,
  OipServerMetadataSchema,
} from '../../schemas/oip.js';
import { useOipErrors } from './oip-errors.js';

// The same path from src/routes/v2 (tsx, tap) and dist/routes/v2 (compiled).
const PACKAGE = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { name: string; version: string };

export const SERVER_EXTENSIONS = ['binary_tensor_data'];

const oipMetadataRoutes: FastifyPluginAsyncTypebox = async (app) => {
  useOipErrors(app, { notFound: true });

  app.get('/', { schema: { response: { 200: OipServerMetadataSchema } } }, async () => ({
    name: PACKAGE.name,
    version: PACKAGE.version,
    extensions: SERVER_EXTENSIONS,
  }));

  app.get('/health/live', { schema: { response: { 200: OipLiveSchema } } }, async () => ({ live: true }));

  const ready = (): boolean => !app.draining && !app.focalPool.isClosing;
  const notReady = () => new ProblemError('unavailable', 'the service is shutting down', { headers: { 'retry-after': '1' } });

  app.get('/health/ready', { schema: { response: { 200: OipReadySchema, 503: OipErrorSchema } } }, async () => {
    if (!ready()) throw notReady();
    return { ready: true };
  });

  // Every model route also answers under /versions/{model_version}.
  for (const version of ['', '/versions/:model_version']) {
    app.get(
      `/models/:model_name${version}`,
      { schema: { params: ModelParamsSchema, response: { 200: OipModelMetadataSchema, 400: OipErrorSchema } } },
      async (request) => modelMetadata(resolveModel(request.params.model_name, request.params.model_version)),
    );
    app.get(
      `/models/:model_name${version}/ready`,
      { schema: { params: ModelParamsSchema, response: { 200: OipModelReadySchema, 400: OipErrorSchema, 503: OipErrorSchema } } },
      async (request) => {
        const model = resolveModel(request.params.model_name, request.params.model_version);
        if (!ready()) throw notReady();
        return { name: model.name, ready: true };
      },
    );
  }
};

export default oipMetadataRoutes;
