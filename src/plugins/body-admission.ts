/**
 * A request's body is read only once the request is admitted. With `Expect: 100-continue` Node
 * would answer "100 Continue" before any hook ran, so a client uploaded its body only to hear 401,
 * 413, 429 or 503: here the interim answer waits until every onRequest guard has admitted the
 * request, and is sent just before the body is read (preParsing). Any answer given while the body
 * is still unread (a refusal, a 404, a deadline passed mid-upload) closes the connection: the
 * body is then never read, and no later bytes of it can be taken for the next request.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

const AWAITING_CONTINUE = Symbol('awaiting 100 Continue');
type Incoming = IncomingMessage & { [AWAITING_CONTINUE]?: boolean };

export default fp(
  async function bodyAdmission(app: FastifyInstance) {
    // With a listener here Node leaves "100 Continue" to us and hands the request on as usual.
    app.server.on('checkContinue', (request: Incoming, response: ServerResponse) => {
      request[AWAITING_CONTINUE] = true;
      app.server.emit('request', request, response);
    });
    app.addHook('preParsing', async (request, reply, payload) => {
      const raw = request.raw as Incoming;
      // A body sent to no route is not asked for (it is not read either: plugins/json-body.ts).
      if (raw[AWAITING_CONTINUE] === true && !request.is404) {
        raw[AWAITING_CONTINUE] = false;
        reply.raw.writeContinue();
      }
      return payload;
    });
    app.addHook('onSend', async (request, reply, payload) => {
      if (request.raw.complete === false) reply.header('connection', 'close');
      return payload;
    });
  },
  { name: 'body-admission' },
);
