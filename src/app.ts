/**
 * buildApp(config) -> a ready-to-listen Fastify instance: plugins first, then routes.
 * Tests build the app with this and call app.inject(); server.ts adds listening and signals.
 */
import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Config } from './config.js';
import problemHandler from './plugins/problem-handler.js';
import focalPool from './plugins/focal-pool.js';
import requestLog from './plugins/request-log.js';
import lossRoute from './routes/loss.js';
import healthRoutes from './routes/health.js';
import { EncodedTensorSchema } from './schemas/encoded-tensor.js';

/** Incoming x-request-id values are echoed only when they look like ids, not arbitrary text. */
const REQUEST_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

declare module 'fastify' {
  interface FastifyInstance {
    /** True once app.close() has begun: no new work, in-flight requests finish. */
    draining: boolean;
  }
}

export async function buildApp(config: Config, logger: FastifyServerOptions['logger'] = false): Promise<FastifyInstance> {
  const app = Fastify({
    logger,
    bodyLimit: config.BODY_LIMIT,
    requestTimeout: config.REQUEST_TIMEOUT_MS,
    // One line per request is written by plugins/request-log.ts instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'reqId' }),
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID_PATTERN.test(given) ? given : randomUUID();
    },
    ajv: {
      customOptions: {
        // A numeric service must not turn "0.5" into 0.5 or null into 0 (Fastify's default).
        coerceTypes: false,
        // Unknown fields are errors, not silently dropped.
        removeAdditional: false,
        // Defaults are applied once, in tensors/decode-loss-request.ts, and echoed in `meta`.
        useDefaults: false,
        // Stop at the first schema error: a million bad values must not build a million errors.
        allErrors: false,
        // Errors carry the offending value, so a reason can say "must be finite" for 1e999.
        verbose: true,
      },
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  // JSON only: Fastify's default text/plain parser would let a string body reach the schema.
  app.removeContentTypeParser('text/plain');

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  // Graceful shutdown: from app.close() on, answers to in-flight requests close their
  // connection, so keep-alive clients do not hold the server open past the drain.
  app.decorate('draining', false);
  app.addHook('preClose', async () => {
    app.draining = true;
  });
  app.addHook('onSend', async (_request, reply) => {
    if (app.draining) reply.header('connection', 'close');
  });

  await app.register(problemHandler);
  await app.register(requestLog);
  await app.register(focalPool, { size: config.POOL_SIZE, maxQueue: config.POOL_MAX_QUEUE, inlineMaxElements: config.INLINE_MAX_ELEMENTS });
  await app.register(healthRoutes);
  // Shared schemas referenced by $ref from route schemas (issue 4: encoded tensors).
  app.addSchema(EncodedTensorSchema);
  await app.register(lossRoute, { maxElements: config.MAX_ELEMENTS });
  return app;
}
