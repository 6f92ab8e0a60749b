/**
 * Guards in front of the compute routes (and only them, so health probes answer under any
 * load): API keys (401), a per-client rate limit (429), the declared body size (413) and load
 * shedding on event-loop delay, heap or RSS (503). All of them decide in onRequest, before a byte
 * of the body is read, so a refused request costs no decompression or parsing (and, with
 * `Expect: 100-continue`, no upload: plugins/body-admission.ts). Every refusal is a problem+json
 * with Retry-After where waiting helps.
 *
 * The rate limit counts every request of the compute scope that reaches it, whatever its answer
 * (401, 400, 413 and 503 included), so guessing keys or sending garbage is limited like real
 * work. A request is counted against its API key once the key is verified, else against its IP
 * (an invented key does not buy a fresh budget).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import underPressure from '@fastify/under-pressure';
import rateLimit from '@fastify/rate-limit';
import { ProblemError } from '../errors/problem-error.js';
import { apiKeys, type Config } from '../config.js';
import { apiKeyCheck } from './api-key-auth.js';
import { bodyTooLarge } from './problem-handler.js';

/** How often under-pressure samples the event loop, heap and RSS. */
const PRESSURE_SAMPLE_INTERVAL_MS = 1000;

/**
 * The reading that shed a request, in words. under-pressure reports an event-loop delay of
 * Infinity when its histogram got no sample in a whole interval (the loop never turned): say so
 * with the number that is known, not "Infinity".
 */
export function pressureReading(type: string, value: number): string {
  if (Number.isFinite(value)) return `${type}: ${Math.round(value)}`;
  return `${type}: the event loop did not turn for the whole ${PRESSURE_SAMPLE_INTERVAL_MS} ms sampling interval`;
}

/** Registers the guards into `scope`, an encapsulated context holding the compute routes. */
export async function registerComputeGuards(scope: FastifyInstance, config: Config): Promise<void> {
  // The hooks run in the order they are added here.
  const keys = apiKeys(config);
  const checkApiKey = keys.length > 0 ? apiKeyCheck(keys) : null;
  // The 401 of each request whose key failed, answered once the rate limit has counted it.
  const refusedKey = new WeakMap<FastifyRequest, ProblemError>();
  if (checkApiKey !== null) {
    scope.addHook('onRequest', async (request) => {
      const problem = checkApiKey(request);
      if (problem !== null) refusedKey.set(request, problem);
    });
  }

  if (config.RATE_LIMIT_MAX > 0) {
    await scope.register(rateLimit, {
      // Not per route (that would run after the scope's other hooks): as the hook added below.
      global: false,
      max: config.RATE_LIMIT_MAX,
      timeWindow: config.RATE_LIMIT_WINDOW_MS,
      keyGenerator: (request) => request.apiKeyId ?? request.ip,
      errorResponseBuilder: (_request, context) =>
        new ProblemError('rate-limited', `rate limit of ${context.max} requests per ${context.after} exceeded`, {
          headers: { 'retry-after': String(Math.max(1, Math.ceil(context.ttl / 1000))) },
        }),
    });
    scope.addHook('onRequest', scope.rateLimit());
  }

  if (checkApiKey !== null) {
    scope.addHook('onRequest', async (request) => {
      const problem = refusedKey.get(request);
      if (problem !== undefined) throw problem;
    });
  }

  // A body declared larger than BODY_LIMIT is refused before it is read.
  scope.addHook('onRequest', async (request) => {
    const declared = Number(request.headers['content-length']);
    if (declared > config.BODY_LIMIT) throw bodyTooLarge();
  });

  await scope.register(underPressure, {
    maxEventLoopDelay: config.PRESSURE_MAX_EVENT_LOOP_DELAY_MS,
    maxHeapUsedBytes: config.PRESSURE_MAX_HEAP_USED_BYTES,
    maxRssBytes: config.PRESSURE_MAX_RSS_BYTES,
    // A rejected promise reaches Fastify's error handler (a synchronous throw would not).
    sampleInterval: PRESSURE_SAMPLE_INTERVAL_MS,
    pressureHandler: (_request, _reply, type, value) =>
      Promise.reject(
        new ProblemError('overloaded', `the service is under pressure (${pressureReading(String(type), Number(value))}); retry shortly`, {
          headers: { 'retry-after': '1' },
        }),
      ),
  });
}
