/**
 * Prometheus metrics for the service, on a registry of its own (several apps in one process,
 * as in the tests, do not collide): request durations by route and status, requests in flight,
 * the worker pool's queue, utilisation and size, elements computed and time spent in the pool
 * by mode, rejected requests by reason, Open Inference Protocol requests by model (which
 * GET /v2/models/stats reads: one source of counts), and prom-client's default process metrics.
 * The names are a contract with the dashboards: change them only together.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ProblemCode } from '../errors/problem-error.js';
import { findModel, type ModelPath } from '../oip/models.js';

/** The `reason` label of focal_rejected_requests_total for each problem code; null: not a rejection. */
export const REJECT_REASONS: Record<ProblemCode, string | null> = {
  'invalid-request': 'validation',
  'malformed-body': 'validation',
  'malformed-request': 'validation',
  'request-timeout': 'timeout',
  'uri-too-long': 'too_large',
  'headers-too-large': 'too_large',
  'payload-too-large': 'too_large',
  'too-many-elements': 'too_large',
  'answer-too-large': 'too_large',
  'unsupported-media-type': 'unsupported_media_type',
  overloaded: 'overloaded',
  unavailable: 'unavailable',
  timeout: 'timeout',
  unauthorized: 'unauthorized',
  'rate-limited': 'rate_limited',
  'result-not-finite': 'not_finite',
  cancelled: 'cancelled',
  // Not rejections of work: a wrong URL or method, or a bug (seen in the status_code label).
  'not-found': null,
  'method-not-allowed': null,
  internal: null,
};

/** The `route` label of requests that matched no route: never the raw URL (unbounded cardinality). */
export const UNMATCHED_ROUTE = 'not_found';

// Seconds. From a health check (sub-millisecond) to a large batch near the request timeout.
const REQUEST_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const KERNEL_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export default fp(
  async function metrics(app: FastifyInstance) {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });

    const requestDuration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Time from the request arriving to its response being sent, by method, route pattern and status code.',
      labelNames: ['method', 'route', 'status_code'] as const,
      buckets: REQUEST_BUCKETS,
      registers: [registry],
    });
    const inFlight = new Gauge({
      name: 'http_requests_in_flight',
      help: 'HTTP requests received and not yet answered (or abandoned by their client).',
      registers: [registry],
    });
    new Gauge({
      name: 'focal_pool_queue_depth',
      help: 'Loss computations waiting for a free worker thread.',
      registers: [registry],
      collect() {
        this.set(app.focalPool.queueSize);
      },
    });
    new Gauge({
      name: 'focal_pool_utilization',
      help: 'Share of worker threads computing right now (0..1).',
      registers: [registry],
      collect() {
        this.set(app.focalPool.utilization);
      },
    });
    new Gauge({
      name: 'focal_pool_workers',
      help: 'Worker threads running.',
      registers: [registry],
      collect() {
        this.set(app.focalPool.threads);
      },
    });
    new Gauge({
      name: 'focal_memory_reserved_bytes',
      help: 'Memory reserved by the compute requests in flight (estimated before their bodies are read).',
      registers: [registry],
      collect() {
        this.set(app.memoryBudget.reservedBytes);
      },
    });
    new Gauge({
      name: 'focal_memory_budget_bytes',
      help: 'MEMORY_BUDGET_BYTES as in effect (0: no budget); requests over it get 503.',
      registers: [registry],
      collect() {
        this.set(app.memoryBudget.budgetBytes);
      },
    });
    const elements = new Counter({
      name: 'focal_elements_total',
      help: 'Elements (N x C) whose loss was computed, by mode.',
      labelNames: ['mode'] as const,
      registers: [registry],
    });
    const kernelDuration = new Histogram({
      name: 'focal_kernel_duration_seconds',
      help: 'Time a loss request spent in the worker pool (queue wait, transfer and compute), by mode.',
      labelNames: ['mode'] as const,
      buckets: KERNEL_BUCKETS,
      registers: [registry],
    });
    const rejected = new Counter({
      name: 'focal_rejected_requests_total',
      help: 'Requests refused with a problem response, by reason (validation, too_large, overloaded, ...).',
      labelNames: ['reason'] as const,
      registers: [registry],
    });

    // Labelled by model only for the models that exist (bounded cardinality; a wrong name is not a model's failure).
    const inference: InferenceMetrics = {
      duration: new Histogram({
        name: 'focal_oip_inference_duration_seconds',
        help: 'Open Inference Protocol inference requests to a model, from arrival to answer, by model and outcome (success: 2xx, fail).',
        labelNames: ['model', 'outcome'] as const,
        buckets: REQUEST_BUCKETS,
        registers: [registry],
      }),
      computeSeconds: new Counter({
        name: 'focal_oip_compute_seconds_total',
        help: 'Time successful inference requests spent in the worker pool (queue wait, decoding, kernel, encoding), by model.',
        labelNames: ['model'] as const,
        registers: [registry],
      }),
      lastInference: new Gauge({
        name: 'focal_oip_last_inference_timestamp_seconds',
        help: 'When the last successful inference request of a model was answered (Unix time), by model.',
        labelNames: ['model'] as const,
        registers: [registry],
      }),
    };

    app.decorate('metricsRegistry', registry);
    app.decorate('inferenceMetrics', inference);

    app.addHook('onRequest', async (_request, reply) => {
      inFlight.inc();
      // 'close' fires exactly once per response, whether it was sent or its client went away.
      reply.raw.once('close', () => {
        inFlight.dec();
        // Closed before any answer was sent: the client went away, and no response hook will run.
        if (!reply.sent) rejected.inc({ reason: 'cancelled' });
      });
    });

    /** One answered request; also called for answers no route's hooks see (plugins/framework-errors.ts). */
    function observeAnswer(answer: AnsweredRequest): void {
      requestDuration.observe(
        { method: answer.method, route: answer.route ?? UNMATCHED_ROUTE, status_code: String(answer.statusCode) },
        answer.seconds,
      );
      const reason = answer.problem ? REJECT_REASONS[answer.problem] : null;
      if (reason) rejected.inc({ reason });
    }
    app.decorate('observeAnswer', observeAnswer);

    app.addHook('onResponse', async (request, reply) => {
      observeAnswer({
        method: request.method,
        route: request.routeOptions.url,
        statusCode: reply.statusCode,
        seconds: reply.elapsedTime / 1000,
        problem: request.problem?.code,
      });
      if (request.compute) {
        const { mode, n, c, computeMs } = request.compute;
        elements.inc({ mode }, n * c);
        kernelDuration.observe({ mode }, computeMs / 1000);
      }
      const model = request.routeOptions.config.inferenceStats === true ? findModel(request.params as ModelPath) : undefined;
      if (model !== undefined) {
        const success = reply.statusCode < 400;
        inference.duration.observe({ model: model.name, outcome: success ? 'success' : 'fail' }, reply.elapsedTime / 1000);
        if (success) {
          inference.computeSeconds.inc({ model: model.name }, (request.compute?.computeMs ?? 0) / 1000);
          inference.lastInference.set({ model: model.name }, Date.now() / 1000);
        }
      }
    });
  },
  { name: 'metrics', dependencies: ['request-log'] },
);

/** The per-model inference metrics, read by GET /v2/models/stats (oip/statistics.ts). */
export interface InferenceMetrics {
  duration: Histogram<'model' | 'outcome'>;
  computeSeconds: Counter<'model'>;
  lastInference: Gauge<'model'>;
}

export interface AnsweredRequest {
  method: string;
  /** The route pattern; undefined when no route matched. */
  route: string | undefined;
  statusCode: number;
  seconds: number;
  problem: ProblemCode | undefined;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The service's Prometheus registry (GET /metrics). */
    metricsRegistry: Registry;
    inferenceMetrics: InferenceMetrics;
    /** Counts an answered request in the request metrics. */
    observeAnswer: (answer: AnsweredRequest) => void;
  }
  interface FastifyContextConfig {
    /** An inference route: its requests to a known model are counted per model (GET /v2/models/stats). */
    inferenceStats?: boolean;
  }
}
