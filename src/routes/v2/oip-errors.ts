/**
 * Errors on the Open Inference Protocol routes: the same typed problems (and statuses) as the
 * rest of the service, answered as the protocol's `{"error": "..."}` (plus the stable `code`)
 * instead of problem+json, so tritonclient and other OIP clients show the message.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ProblemError } from '../../errors/problem-error.js';
import { noRoute, prepareErrorReply } from '../../plugins/problem-handler.js';
import { OIP_JSON_TYPE } from '../../pipeline/infer-pipeline.js';

export { OIP_JSON_TYPE };

export function sendOipError(reply: FastifyReply, problem: ProblemError): FastifyReply {
  for (const [k, v] of Object.entries(problem.headers)) reply.header(k, v);
  return reply
    .code(problem.status)
    .type(OIP_JSON_TYPE)
    .send(JSON.stringify({ error: problem.message, code: problem.code }));
}

/** Makes `scope` (an encapsulated /v2 context) answer every error, and unknown routes, the OIP way. */
export function useOipErrors(scope: FastifyInstance, options: { notFound: boolean }): void {
  scope.setErrorHandler((err, request: FastifyRequest, reply: FastifyReply) => {
    const problem = prepareErrorReply(err, request, reply);
    return problem === null ? reply : sendOipError(reply, problem);
  });
  scope.addHook('onSend', async (_request, reply, payload) => {
    const type = reply.getHeader('content-type');
    if (typeof type === 'string' && /^application\/json(;|$)/.test(type)) reply.type(OIP_JSON_TYPE);
    return payload;
  });
  if (options.notFound) {
    scope.setNotFoundHandler((request, reply) => sendOipError(reply, noRoute(request)));
  }
}
