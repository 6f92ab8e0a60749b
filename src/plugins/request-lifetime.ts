/**
 * Each request's lifetime as one AbortSignal, `request.workSignal`: it aborts when the request's
 * deadline passes (REQUEST_TIMEOUT_MS from its arrival: 504 timeout) or when its client goes away
 * before the answer (cancelled). Body reading (body/read-body.ts) and the pool's tasks
 * (plugins/focal-pool.ts) listen to it, so no work goes on for a client that left or past the
 * deadline, and the 504 is answered by the usual error path the moment the deadline passes.
 *
 * Why a timer of its own: Node's requestTimeout covers only the upload, and is checked only every
 * connectionsCheckingInterval, so its answer came 0.5-1.3 s late and in Node's format. The main
 * thread never works for long in one go (large bodies are handled in workers), so the timer fires
 * on time.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { ProblemError } from '../errors/problem-error.js';

export interface RequestLifetimeOptions {
  requestTimeoutMs: number;
}

export function timeoutProblem(requestTimeoutMs: number): ProblemError {
  return new ProblemError('timeout', `the request did not finish within REQUEST_TIMEOUT_MS (${requestTimeoutMs} ms)`);
}

export default fp(
  async function requestLifetime(app: FastifyInstance, { requestTimeoutMs }: RequestLifetimeOptions) {
    app.decorateRequest('workSignal', null as unknown as AbortSignal);
    app.addHook('onRequest', async (request, reply) => {
      const controller = new AbortController();
      request.workSignal = controller.signal;
      const timer = setTimeout(
        () => {
          if (reply.sent) return;
          controller.abort(timeoutProblem(requestTimeoutMs));
          // Whatever the request waits on listens to the signal, so its 504 is on its way by now. A
          // safety net all the same: a wait that did not listen must not hold the answer back.
          setImmediate(() => {
            if (!reply.sent && request.raw.socket?.destroyed !== true) reply.send(controller.signal.reason);
          });
        },
        Math.max(1, requestTimeoutMs - reply.elapsedTime),
      );
      // 'close' fires once per response: when it has been sent, or when its connection is gone.
      reply.raw.once('close', () => {
        clearTimeout(timer);
        if (!reply.raw.writableFinished) controller.abort(new ProblemError('cancelled', 'the client closed the connection'));
      });
    });
  },
  { name: 'request-lifetime' },
);

declare module 'fastify' {
  interface FastifyRequest {
    /** Aborts at the request's deadline or when its client goes away; the reason is a ProblemError. */
    workSignal: AbortSignal;
  }
}
