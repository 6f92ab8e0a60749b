/**
 * The focal-loss worker pool as a Fastify plugin, started with the app and closed with it, and
 * the one way a compute route answers: `reply.compute(job)`. A job is a body left as bytes
 * (RawBody: a worker does everything) or a body already parsed and validated on the main thread
 * (small bodies: decoded here, computed in the pool, encoded here). Either way the work is
 * bounded by the request's deadline and cancelled when the client goes away (request.workSignal,
 * plugins/request-lifetime.ts), noted for the request's log line, and the answer's bytes are sent as they are.
 */
import { performance } from 'node:perf_hooks';
import type { FastifyInstance, FastifyReply } from 'fastify';
import fp from 'fastify-plugin';
import { FocalPool, settled, type FocalPoolOptions, type RequestAnswer } from '../pool/focal-pool.js';
import { RawBody } from '../body/raw-body.js';
import { bytesOf, type PreparedRequest } from '../pipeline/answer.js';
import { PACE_ABOVE_BYTES, pacedBytes } from '../pipeline/paced-bytes.js';
import { answerOutcome, type PipelineLimits } from '../pipeline/request-task.js';
import { prepareLoss } from '../pipeline/loss-pipeline.js';
import { prepareInfer } from '../pipeline/infer-pipeline.js';
import type { ModelPath } from '../oip/models.js';
import type { LossRequest } from '../schemas/loss-request.js';
import type { InferenceRequest } from '../schemas/oip.js';

export interface FocalPoolPluginOptions extends FocalPoolOptions {
  limits: PipelineLimits;
}

/** What a compute route hands over: its body (bytes or validated) and, for /v2, its parameters. */
export type ComputeJob =
  | { route: 'loss'; body: LossRequest | RawBody }
  | { route: 'infer'; body: InferenceRequest | RawBody; params: ModelPath; binary: Buffer | null };

export default fp(
  async function focalPoolPlugin(app: FastifyInstance, options: FocalPoolPluginOptions) {
    const pool = new FocalPool(options);
    const { limits } = options;
    app.decorate('focalPool', pool);
    app.addHook('onClose', async () => {
      await pool.close();
    });

    /** The job's answer: in the workers from its bytes, or prepared here and computed in the pool. */
    async function answerJob(job: ComputeJob, signal: AbortSignal): Promise<RequestAnswer> {
      if (job.body instanceof RawBody) {
        const raw = job.body;
        return pool.runRequest(
          {
            route: job.route,
            bytes: raw.bytes,
            contentEncoding: raw.contentEncoding,
            headerLength: raw.headerLength,
            params: job.route === 'infer' ? job.params : null,
            limits,
          },
          signal,
        );
      }
      const prepared: PreparedRequest =
        job.route === 'loss' ? prepareLoss(job.body, limits) : prepareInfer(job.params, job.body, job.binary, limits);
      return settled(answerOutcome(prepared, await pool.run(prepared.decoded.batch, signal)));
    }

    app.decorateReply('compute', async function compute(this: FastifyReply, job: ComputeJob): Promise<FastifyReply> {
      // eslint-disable-next-line @typescript-eslint/no-this-alias -- Fastify passes the reply as `this`; the closures below need a name for it.
      const reply = this;
      const started = performance.now();
      reply.request.log.debug({ route: job.route, onWorker: job.body instanceof RawBody }, 'computing');
      let done: RequestAnswer;
      try {
        // Aborts at the deadline (504) or when the client leaves (plugins/request-lifetime.ts).
        done = await answerJob(job, reply.request.workSignal);
      } catch (err) {
        // The answer was already given (the deadline's safety net): nothing more to say.
        if (reply.sent) return reply;
        throw err;
      } finally {
        if (job.body instanceof RawBody) job.body.release();
      }
      if (done.info !== null) reply.request.compute = { ...done.info, computeMs: Math.round((performance.now() - started) * 1000) / 1000 };
      if ('problem' in done) throw done.problem;
      for (const [name, value] of Object.entries(done.answer.headers)) reply.header(name, value);
      const body = done.answer.body;
      reply.type(done.answer.contentType);
      if (body.byteLength <= PACE_ABOVE_BYTES) return reply.send(bytesOf(body));
      // The exact length: a paced answer is sent with Content-Length, not chunked.
      return reply.header('content-length', body.byteLength).send(pacedBytes(body));
    });
  },
  { name: 'focal-pool' },
);

declare module 'fastify' {
  interface FastifyInstance {
    focalPool: FocalPool;
  }
  interface FastifyReply {
    /** Computes a compute route's answer and sends it. */
    compute(job: ComputeJob): Promise<FastifyReply>;
  }
}
