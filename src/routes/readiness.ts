/**
 * The one readiness rule, answered by /readyz, /v2/health/ready and /v2/models/{model}/ready:
 * the service takes work until its drain begins (app.close(), on SIGTERM or SIGINT) or its
 * worker pool closes. None of them waits for a worker.
 */
import type { FastifyInstance } from 'fastify';
import { shuttingDown } from '../pool/focal-pool.js';

/** Throws the `unavailable` problem (503, Retry-After) once the service no longer takes work. */
export function assertReady(app: FastifyInstance): void {
  if (app.draining || app.focalPool.isClosing) throw shuttingDown();
}
