/**
 * Errors that happen before any route or hook sees the request, answered like every other error
 * (problem+json, or the protocol's JSON under /v2, with an x-request-id), logged on one line and
 * counted in the request metrics. Passed to Fastify as options (app.ts):
 * - frameworkErrors: Fastify's router refused the URL (an invalid percent-escape: 400; a path
 *   parameter over maxParamLength: 414). Fastify's own answers echoed the whole URL.
 * - clientErrorHandler: Node's HTTP parser refused the bytes (not HTTP: 400; headers over the
 *   header size limit: 431; headers or request not arrived in time: 408). Node has no request
 *   to hand over, so the answer is written to the socket raw, with `Connection: close`, and never
 *   repeats anything of the request.
 */
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ProblemError } from '../errors/problem-error.js';
import { PROBLEM_CONTENT_TYPE, problemBody, sendProblem } from './problem-handler.js';
import { logRequestLine } from './request-log.js';
import { sendOipError } from '../routes/v2/oip-errors.js';

/** Fastify's router errors and the problem each one is. */
function routerProblem(err: FastifyError): ProblemError {
  if (err.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    return new ProblemError('uri-too-long', 'a segment of the request path is longer than this service accepts (100 characters)');
  }
  if (err.code === 'FST_ERR_BAD_URL') return new ProblemError('malformed-request', 'the request path has an invalid percent-escape');
  return new ProblemError('malformed-request', 'the request could not be routed');
}

export function frameworkErrors(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const problem = routerProblem(err);
  // No hook ran for this request: what they would have done is done here.
  request.startedAt = performance.now();
  reply.header('x-request-id', request.id);
  request.problem = { code: problem.code, detail: problem.message };
  // The same shape the request's scope answers its errors with.
  const path = request.raw.url ?? '';
  if (path === '/v2' || path.startsWith('/v2/')) sendOipError(reply, problem);
  else sendProblem(reply, request, problem);
  logRequestLine(request, problem.status);
  request.server.observeAnswer({
    method: request.method,
    route: undefined,
    statusCode: problem.status,
    seconds: (performance.now() - request.startedAt) / 1000,
    problem: problem.code,
  });
}

/** Node's client errors and the problem each one is. */
function clientProblem(err: NodeJS.ErrnoException): ProblemError {
  if (err.code === 'HPE_HEADER_OVERFLOW')
    return new ProblemError('headers-too-large', 'the request line and headers are larger than this service accepts');
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT')
    return new ProblemError('request-timeout', 'the request did not arrive within HEADERS_TIMEOUT_MS or REQUEST_TIMEOUT_MS');
  return new ProblemError('malformed-request', 'the request is not valid HTTP/1.1');
}

export function clientErrorHandler(this: FastifyInstance, err: NodeJS.ErrnoException, socket: Socket): void {
  // A reset connection, or one whose answer has begun, cannot be answered.
  const answering = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (err.code === 'ECONNRESET' || socket.destroyed || !socket.writable || answering?.headersSent === true) {
    socket.destroy();
    return;
  }
  const problem = clientProblem(err);
  const id = randomUUID();
  const body = JSON.stringify(problemBody(problem, id));
  socket.end(
    `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status]}\r\n` +
      `content-type: ${PROBLEM_CONTENT_TYPE}\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\n` +
      `x-request-id: ${id}\r\n` +
      'connection: close\r\n\r\n' +
      body,
  );
  this.log.info(
    { reqId: id, statusCode: problem.status, problem: problem.code, detail: problem.message, parserError: err.code },
    'request completed',
  );
  this.observeAnswer({ method: 'unknown', route: undefined, statusCode: problem.status, seconds: 0, problem: problem.code });
}
