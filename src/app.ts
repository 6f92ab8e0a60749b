/**
 * buildApp(config) -> a ready-to-listen Fastify instance: plugins first, then routes.
 * Tests build the app with this and call app.inject(); server.ts adds listening and signals.
 *
 * Routes live in two scopes: probes (always open, never shed, so they answer while every
 * worker is busy) and compute routes behind the guards (API keys, rate limit, load shedding).
 */
import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import cors from '@fastify/cors';
import { apiKeys, poolCloseTimeoutMs, type Config } from './config.js';
import problemHandler from './plugins/problem-handler.js';
import { clientErrorHandler, frameworkErrors } from './plugins/framework-errors.js';
import focalPool from './plugins/focal-pool.js';
import requestLog from './plugins/request-log.js';
import drainConnections from './plugins/drain-connections.js';
import securityHeaders from './plugins/security-headers.js';
import requestLifetime from './plugins/request-lifetime.js';
import bodyAdmission from './plugins/body-admission.js';
import jsonBody from './plugins/json-body.js';
import metrics from './plugins/metrics.js';
import sharedSchemas from './plugins/shared-schemas.js';
import openapi from './plugins/openapi.js';
import { registerComputeGuards } from './plugins/compute-guards.js';
import { registerMemoryAdmission } from './plugins/memory-admission.js';
import { MemoryBudget } from './memory/memory-budget.js';
import { AJV_OPTIONS, buildValidatorAcceptingRawBodies } from './schemas/validators.js';
import { SharedBuffers } from './memory/shared-buffers.js';
import { apiKeyHook } from './plugins/api-key-auth.js';
import metricsRoute from './routes/metrics.js';
import docsRoutes from './routes/docs.js';
import lossRoute from './routes/loss.js';
import healthRoutes from './routes/health.js';
import oipMetadataRoutes from './routes/v2/metadata.js';
import oipInferRoute from './routes/v2/infer.js';
import oipStatisticsRoutes from './routes/v2/statistics.js';

/** Incoming x-request-id values are echoed only when they look like ids, not arbitrary text. */
const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/** How often Node checks its connections' header and request deadlines. */
const NODE_CHECK_INTERVAL_MS = 1000;

export interface AppOptions {
  logger?: FastifyServerOptions['logger'];
  /** Test-only: another worker module (fault injection). Not reachable from env or HTTP. */
  workerUrl?: URL;
}

export async function buildApp(config: Config, options: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: config.BODY_LIMIT,
    // Fastify sets this on the server (overriding http.requestTimeout below).
    requestTimeout: config.REQUEST_TIMEOUT_MS + NODE_CHECK_INTERVAL_MS,
    trustProxy: config.TRUST_PROXY,
    http: {
      // Slow clients: headers must arrive within HEADERS_TIMEOUT_MS; Node checks that every
      // second (its default is 30 s). The request's own deadline is a timer of its own
      // (plugins/request-lifetime.ts): Node's requestTimeout, a check's interval later, is only a
      // backstop for a request that never reached Fastify's hooks.
      headersTimeout: Math.min(config.HEADERS_TIMEOUT_MS, config.REQUEST_TIMEOUT_MS),
      connectionsCheckingInterval: NODE_CHECK_INTERVAL_MS,
    },
    // Errors before any route or hook: answered, logged and counted like the rest.
    frameworkErrors,
    clientErrorHandler,
    // One line per request is written by plugins/request-log.ts instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'reqId' }),
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID_PATTERN.test(given) ? given : randomUUID();
    },
    // The same Ajv options and compiler validate bodies in workers (schemas/validators.ts).
    ajv: { customOptions: { ...AJV_OPTIONS } },
    schemaController: { compilersFactory: { buildValidator: buildValidatorAcceptingRawBodies() as never } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  await app.register(drainConnections);
  await app.register(requestLifetime, { requestTimeoutMs: config.REQUEST_TIMEOUT_MS });
  await app.register(bodyAdmission);

  await app.register(problemHandler);
  await app.register(requestLog);
  // Memory for bodies on their way to a worker, reused from one request to the next.
  const bodyOptions = {
    maxDepth: config.MAX_JSON_DEPTH,
    bodyLimit: config.BODY_LIMIT,
    offloadMinBytes: config.OFFLOAD_MIN_BYTES,
    buffers: new SharedBuffers(2 * config.BODY_LIMIT),
  };
  await app.register(jsonBody, bodyOptions);
  await app.register(securityHeaders, {
    helmet: {
      contentSecurityPolicy: {
        // Plain-HTTP deployments behind a load balancer are common; upgrading the docs page's
        // requests to https would break "Try it out" there.
        directives: { 'upgrade-insecure-requests': null },
      },
    },
  });
  if (config.CORS_ORIGINS.trim() !== '') {
    const origins = config.CORS_ORIGINS.split(',').map((o) => o.trim());
    await app.register(cors, { origin: origins.includes('*') ? '*' : origins });
  }
  // Read by the metrics (focal_memory_*) and used by the compute routes' admission.
  app.decorate('memoryBudget', new MemoryBudget(config.MEMORY_BUDGET_BYTES));
  await app.register(metrics);
  await app.register(focalPool, {
    size: config.POOL_SIZE,
    maxQueue: config.POOL_MAX_QUEUE,
    maxOldGenerationMb: config.WORKER_MAX_OLD_GENERATION_MB,
    inlineMaxElements: config.INLINE_MAX_ELEMENTS,
    splitMinElements: config.SPLIT_MIN_ELEMENTS,
    // As much shared memory for split batches is kept for reuse as for bodies.
    batchMemoryBytes: 2 * config.BODY_LIMIT,
    workerNice: config.WORKER_NICE,
    limits: {
      maxElements: config.MAX_ELEMENTS,
      maxClasses: config.MAX_CLASSES,
      maxJsonDepth: config.MAX_JSON_DEPTH,
      bodyLimit: config.BODY_LIMIT,
      responseLimit: config.RESPONSE_LIMIT,
    },
    // Budgets nest: the pool's wait for orphaned tasks < the shutdown grace (server.ts).
    closeTimeoutMs: poolCloseTimeoutMs(config.SHUTDOWN_GRACE_MS),
    workerUrl: options.workerUrl,
    onWorkerError: (err: unknown) => app.log.error({ err }, 'worker error'),
  });
  // Shared schemas and the OpenAPI plugin come before every route they describe.
  await app.register(sharedSchemas);
  await app.register(openapi);

  // Probes: always open, never shed.
  await app.register(healthRoutes);
  // Operations: metrics and docs, behind the API keys only when AUTH_PROTECT_OPS is set.
  await app.register(async function opsScope(scope) {
    const keys = apiKeys(config);
    if (config.AUTH_PROTECT_OPS && keys.length > 0) scope.addHook('onRequest', apiKeyHook(keys));
    await scope.register(docsRoutes);
    await scope.register(metricsRoute);
    await scope.register(oipStatisticsRoutes, { prefix: '/v2' });
  });
  // Open Inference Protocol: metadata and probes open like /healthz, inference in the compute scope.
  await app.register(oipMetadataRoutes, { prefix: '/v2' });
  // Compute: API keys, rate limit and load shedding in front of the pool.
  await app.register(async function computeScope(scope) {
    await registerComputeGuards(scope, config);
    registerMemoryAdmission(scope, app.memoryBudget, config.BODY_LIMIT);
    await scope.register(lossRoute);
    await scope.register(oipInferRoute, { prefix: '/v2', ...bodyOptions });
  });
  return app;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Memory reserved by the compute requests in flight, against MEMORY_BUDGET_BYTES. */
    memoryBudget: MemoryBudget;
  }
}
