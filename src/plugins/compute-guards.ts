/**
 * Guards in front of the compute routes (and only them, so health probes answer under any
 * load): API keys, a per-client rate limit (429) and load shedding on event-loop delay, heap
 * or RSS (503). Every refusal is a problem+json with Retry-After where waiting helps.
 */
import type { FastifyInstance } from 'fastify';
import underPressure from '@fastify/under-pressure';
import rateLimit from '@fastify/rate-limit';
import { ProblemError } from '../errors/problem-error.js';
import { apiKeys, type Config } from '../config.js';
import { apiKeyHook } from './api-key-auth.js';

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
  const keys = apiKeys(config);
  if (keys.length > 0) scope.addHook('onRequest', apiKeyHook(keys));

  if (config.RATE_LIMIT_MAX > 0) {
    await scope.register(rateLimit, {
      global: true,
      max: config.RATE_LIMIT_MAX,
      timeWindow: config.RATE_LIMIT_WINDOW_MS,
      // Runs after authentication, so a client is its API key when it has one.
      hook: 'preHandler',
      keyGenerator: (request) => request.apiKeyId ?? request.ip,
      errorResponseBuilder: (_request, context) =>
        new ProblemError('rate-limited', `rate limit of ${context.max} requests per ${context.after} exceeded`, {
          headers: { 'retry-after': String(Math.max(1, Math.ceil(context.ttl / 1000))) },
        }),
    });
  }

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
