/**
 * Graceful shutdown at the connection level: from app.close() on, `app.draining` is true
 * (readiness answers 503), answers to in-flight requests close their connection, and
 * connections that have not started a request are closed at once.
 *
 * Why the last part: Node's server.close() closes idle keep-alive connections, but a connection
 * on which the client has not sent a byte yet (HTTP clients open connections ahead of use, and
 * an aborted fetch can leave one behind) counts as a request in progress until
 * HEADERS_TIMEOUT_MS expires — which, at the default 10 s, outlived the 10 s shutdown grace and
 * turned a clean SIGTERM into exit 1 after a soak run. Closing such a connection loses nothing:
 * no request on it has been accepted, and a client's retry goes to another replica.
 */
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyInstance {
    /** True once app.close() has begun: no new work, in-flight requests finish. */
    draining: boolean;
  }
}

async function drainConnections(app: FastifyInstance): Promise<void> {
  app.decorate('draining', false);

  // Open connections, and those on which a request has started (its headers arrived).
  const open = new Set<Socket>();
  const served = new WeakSet<Socket>();
  app.server.on('connection', (socket: Socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  });
  app.server.on('request', (request: { socket: Socket }) => {
    served.add(request.socket);
  });

  app.addHook('preClose', async () => {
    app.draining = true;
    for (const socket of open) {
      if (!served.has(socket)) socket.destroy();
    }
  });
  app.addHook('onSend', async (_request, reply) => {
    if (app.draining) reply.header('connection', 'close');
  });
}

export default fp(drainConnections, { name: 'drain-connections' });
