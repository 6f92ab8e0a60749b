/**
 * Graceful shutdown at the connection level: from app.close() on, `app.draining` is true
 * (readiness answers 503), answers to in-flight requests close their connection, and
 * connections with no request in progress, or whose request is still being uploaded, are closed
 * at once.
 *
 * Why the last part: Node's server.close() closes idle keep-alive connections, but a connection
 * on which the client has not sent a byte yet (HTTP clients open connections ahead of use, and
 * an aborted fetch can leave one behind), or has sent only part of its next request's headers,
 * counts as a request in progress until HEADERS_TIMEOUT_MS expires — which, at the default 10 s,
 * outlived the 10 s shutdown grace and turned a clean SIGTERM into exit 1 after a soak run. Closing such a connection loses nothing:
 * no request on it has been accepted, and a client's retry goes to another replica. The same holds
 * for a request whose body is still arriving: it has not been accepted either, and a slow uploader
 * would otherwise hold the drain until REQUEST_TIMEOUT_MS and turn every shutdown into exit 1.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
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

  // Open connections, and how many requests each has in progress (headers received, response not
  // yet finished). A connection with none — fresh, idle after its last answer, or with the next
  // request only partly sent — has nothing accepted on it and is closed when the drain begins.
  const open = new Set<Socket>();
  const inProgress = new WeakMap<Socket, number>();
  const latest = new WeakMap<Socket, IncomingMessage>();
  app.server.on('connection', (socket: Socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  });
  app.server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const socket = request.socket;
    inProgress.set(socket, (inProgress.get(socket) ?? 0) + 1);
    latest.set(socket, request);
    // 'close' fires once per response: when it has been sent, or when its connection is gone.
    response.once('close', () => inProgress.set(socket, (inProgress.get(socket) ?? 1) - 1));
  });

  app.addHook('preClose', async () => {
    app.draining = true;
    for (const socket of open) {
      const uploading = latest.get(socket)?.complete === false;
      if ((inProgress.get(socket) ?? 0) === 0 || uploading) socket.destroy();
    }
  });
  app.addHook('onSend', async (_request, reply) => {
    if (app.draining) reply.header('connection', 'close');
  });
}

export default fp(drainConnections, { name: 'drain-connections' });
