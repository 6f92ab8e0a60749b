/**
 * The focal-loss worker pool as a Fastify decorator, started with the app and closed with it.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { FocalPool, type FocalPoolOptions } from '../pool/focal-pool.js';

export default fp(
  async function focalPoolPlugin(app: FastifyInstance, options: FocalPoolOptions) {
    const pool = new FocalPool(options);
    app.decorate('focalPool', pool);
    app.addHook('onClose', async () => {
      await pool.close();
    });
  },
  { name: 'focal-pool' },
);

declare module 'fastify' {
  interface FastifyInstance {
    focalPool: FocalPool;
  }
}
