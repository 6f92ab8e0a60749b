/**
 * POST /loss: validate (schema) -> decode to typed arrays -> worker pool -> encode.
 * No math here. The computation is bounded by the request's deadline (REQUEST_TIMEOUT_MS
 * from its first byte) and cancelled when the client goes away.
 */
import { performance } from 'node:perf_hooks';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { ProblemError } from '../errors/problem-error.js';
import { LossOperationSchema } from '../schemas/loss-operation.js';
import type { LossResponse } from '../schemas/loss-response.js';
import { decodeLossRequest, type DecodedLossRequest } from '../tensors/decode-loss-request.js';
import type { FocalResult } from '../kernels/types.js';
import { encodeLossResponse, serializeLossResponse } from '../tensors/encode-loss-response.js';

export interface LossRouteOptions {
  maxElements: number;
  maxClasses: number;
  requestTimeoutMs: number;
}

const lossRoute: FastifyPluginAsyncTypebox<LossRouteOptions> = async (app, options) => {
  app.post(
    '/loss',
    { schema: LossOperationSchema },
    async (request, reply) => {
      const decoded = decodeLossRequest(request.body, { maxElements: options.maxElements, maxClasses: options.maxClasses });
      const result = await computeOnPool(reply, decoded, options.requestTimeoutMs);
      const body = encodeLossResponse(decoded, result);
      // Serialised here, not by the response schema's compiled serializer: the body is already
      // checked to be finite, and JSON.stringify is the fastest writer for large arrays.
      // Fastify sends a string payload as it is.
      return reply.type('application/json; charset=utf-8').send(serializeLossResponse(body) as unknown as LossResponse);
    },
  );
};

/**
 * Runs a decoded problem on the worker pool within the request's deadline (and cancelled when
 * the client leaves), and notes mode, N, C and the compute time for the request's log line.
 * Every compute route goes through here.
 */
export async function computeOnPool(reply: FastifyReply, decoded: DecodedLossRequest, requestTimeoutMs: number): Promise<FocalResult> {
  const request = reply.request;
  const { mode, n, c } = decoded.meta;
  const started = performance.now();
  const { signal, release } = computeSignal(reply, requestTimeoutMs);
  request.log.debug({ mode, n, c }, 'computing');
  let result: FocalResult;
  try {
    result = await request.server.focalPool.run(decoded.problem, signal);
  } finally {
    release();
  }
  request.compute = { mode, n, c, computeMs: Math.round((performance.now() - started) * 1000) / 1000 };
  return result;
}

/**
 * An AbortSignal for one computation: it aborts when the request's deadline passes (504) or
 * when the client closes the connection before its answer (the task is dropped from the queue,
 * or its worker replaced, instead of computing for nobody).
 */
export function computeSignal(reply: FastifyReply, requestTimeoutMs: number): { signal: AbortSignal; release: () => void } {
  const controller = new AbortController();
  const remaining = Math.max(1, requestTimeoutMs - reply.elapsedTime);
  const timer = setTimeout(
    () => controller.abort(new ProblemError('timeout', `the request did not finish within REQUEST_TIMEOUT_MS (${requestTimeoutMs} ms)`)),
    remaining,
  );
  const onClose = () => {
    if (!reply.raw.writableFinished) controller.abort(new ProblemError('cancelled', 'the client closed the connection'));
  };
  // The client may already be gone (it left while its body was parsed): then abort at once.
  const socket = reply.request.raw.socket as { destroyed?: boolean } | null;
  if (socket === null || socket.destroyed === true) onClose();
  else reply.raw.once('close', onClose);
  return {
    signal: controller.signal,
    release: () => {
      clearTimeout(timer);
      reply.raw.off('close', onClose);
    },
  };
}

export default lossRoute;
