/**
 * GET /openapi.json serves the OpenAPI document (plugins/openapi.ts builds it); GET /docs serves
 * Swagger UI from the package's own assets (no CDN), with "Try it out" calling this same service
 * (the document names no server, so the page uses its own origin).
 */
import type { FastifyInstance } from 'fastify';
import swaggerUi from '@fastify/swagger-ui';
import { DOCS_PREFIX } from '../plugins/openapi.js';

const STATIC_INDEX = `${DOCS_PREFIX}/static/index.html`;

export default async function docsRoutes(app: FastifyInstance): Promise<void> {
  await app.register(swaggerUi, {
    routePrefix: DOCS_PREFIX,
    uiHooks: {
      // The package redirects .../static/index.html to the page only when no query string follows;
      // with one it redirected to itself forever. The page takes no query: send it there either way.
      onRequest: async (request, reply) => {
        if (request.url.split('?')[0] === STATIC_INDEX) return reply.redirect(`${DOCS_PREFIX}/`);
      },
    },
    uiConfig: {
      docExpansion: 'list',
      deepLinking: true,
      displayRequestDuration: true,
      defaultModelsExpandDepth: 1,
      defaultModelExpandDepth: 3,
    },
  });
  app.get('/openapi.json', { schema: { hide: true } }, async (_request, reply) =>
    reply.type('application/json; charset=utf-8').send(app.swagger()),
  );
}
