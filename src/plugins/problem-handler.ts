/**
 * The one place errors become HTTP responses: typed ProblemErrors, Fastify's own errors
 * (schema validation, body parsing, limits, content type) and anything unexpected are all
 * answered as RFC 9457 application/problem+json. Unexpected errors are logged with the request
 * id and answered as a 500 without internals.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { PROBLEM_TYPE_BASE, PROBLEMS, ProblemError, type FieldError, type ProblemCode } from '../errors/problem-error.js';
import type { Problem } from '../schemas/problem.js';
import { validationProblem, type AjvErrorLike } from '../errors/ajv-errors.js';
import { logRequestLine } from './request-log.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

/** Fastify error codes that are the client's doing, and the problem each one is. */
const FASTIFY_CODES: Record<string, ProblemCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload-too-large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported-media-type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'malformed-body',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'malformed-body',
  FST_ERR_CTP_INVALID_JSON_BODY: 'malformed-body',
  FST_ERR_CTP_INVALID_TYPE: 'malformed-body',
};

export function toProblem(err: unknown): ProblemError {
  if (err instanceof ProblemError) return err;
  const e = err as FastifyError & { validation?: AjvErrorLike[] };
  if (Array.isArray(e.validation)) return validationProblem(e.validation);
  const code = e.code !== undefined ? FASTIFY_CODES[e.code] : undefined;
  if (code !== undefined) return new ProblemError(code, clientMessage(code, e));
  // Body parse errors (bad JSON, forbidden __proto__ keys, bad UTF-8) carry a 4xx status.
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    if (e.statusCode === 413) return new ProblemError('payload-too-large', e.message);
    if (e.statusCode === 415) return new ProblemError('unsupported-media-type', e.message);
    if (e.statusCode === 429) return new ProblemError('rate-limited', e.message);
    // A path a static file server refuses (one climbing out with "..") is as absent as any other.
    if (e.statusCode === 404 || e.statusCode === 403)
      return new ProblemError('not-found', e.message === 'Forbidden' ? 'no such file' : e.message);
    if (e.statusCode === 405) return new ProblemError('method-not-allowed', e.message);
    return new ProblemError('malformed-body', e.message);
  }
  return new ProblemError('internal', 'an internal error occurred; the request id identifies it in the service logs', { cause: err });
}

/** The 413 of a body over BODY_LIMIT, however it was found out. */
export function bodyTooLarge(): ProblemError {
  return new ProblemError(
    'payload-too-large',
    'the request body is larger than this service accepts (BODY_LIMIT); split the batch or use a binary encoding',
  );
}

function clientMessage(code: ProblemCode, e: FastifyError): string {
  switch (code) {
    case 'payload-too-large':
      return bodyTooLarge().message;
    case 'unsupported-media-type':
      return 'send the body as application/json';
    default:
      return e.message;
  }
}

/** The problem of a request no route matches (404); the path without its query string. */
export function noRoute(request: FastifyRequest): ProblemError {
  return new ProblemError('not-found', `no route ${request.method} ${request.url.split('?')[0]}`);
}

export function problemBody(problem: ProblemError, requestId: string): Problem {
  const body: Problem = {
    type: PROBLEM_TYPE_BASE + problem.code,
    title: problem.title,
    status: problem.status,
    detail: problem.message,
    code: problem.code,
    instance: `urn:request-id:${requestId}`,
  };
  if (problem.errors.length > 0) body.errors = problem.errors as FieldError[];
  return body;
}

export function sendProblem(reply: FastifyReply, request: FastifyRequest, problem: ProblemError): FastifyReply {
  // Read by the request log line and the rejected-requests metric.
  request.problem = { code: problem.code, detail: problem.message };
  for (const [k, v] of Object.entries(problem.headers)) reply.header(k, v);
  return reply
    .code(problem.status)
    .type(PROBLEM_CONTENT_TYPE)
    .send(JSON.stringify(problemBody(problem, request.id)));
}

/**
 * What every error handler does before it answers: log server errors with their stack, note the
 * problem for the request's log line, and close quietly when the client is gone. Returns the
 * problem to answer with, or null when there is nobody to answer.
 */
export function prepareErrorReply(err: unknown, request: FastifyRequest, reply: FastifyReply): ProblemError | null {
  const problem = toProblem(err);
  // Client errors are reported on the request's one log line (plugins/request-log.ts);
  // server errors get their own line with the stack.
  if (problem.status >= 500) request.log.error({ err }, 'request failed: %s', problem.code);
  request.problem = { code: problem.code, detail: problem.message };
  if (problem.status < 500 && problem.code !== 'cancelled' && request.raw.socket?.destroyed === true) {
    // The client left while its body was being decoded (decompression is asynchronous): its line
    // says so, with what the answer would have been.
    request.problem = {
      code: 'cancelled',
      detail: `the client closed the connection before the answer (${problem.code}: ${problem.message})`,
    };
  }
  if (request.problem.code === 'cancelled') {
    // Nobody is listening and no response hook will run: log the request's line here, close quietly.
    logRequestLine(request, PROBLEMS.cancelled.status);
    reply.code(PROBLEMS.cancelled.status).send();
    return null;
  }
  return problem;
}

export default fp(
  async function problemHandler(app: FastifyInstance) {
    app.setErrorHandler((err, request, reply) => {
      const problem = prepareErrorReply(err, request, reply);
      return problem === null ? reply : sendProblem(reply, request, problem);
    });
    app.setNotFoundHandler((request, reply) => sendProblem(reply, request, noRoute(request)));
  },
  { name: 'problem-handler' },
);

declare module 'fastify' {
  interface FastifyRequest {
    problem?: { code: ProblemCode; detail: string };
  }
}
