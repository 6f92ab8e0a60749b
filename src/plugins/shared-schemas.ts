/**
 * Adds the shared schemas (schemas/shared.ts) to Fastify, so routes can validate with them by
 * `$ref` and the OpenAPI document lists each once under its `$id`. Registered before routes.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { SHARED_SCHEMAS } from '../schemas/shared.js';

export default fp(
  async function sharedSchemas(app: FastifyInstance) {
    for (const schema of SHARED_SCHEMAS) app.addSchema(schema);
  },
  { name: 'shared-schemas' },
);
