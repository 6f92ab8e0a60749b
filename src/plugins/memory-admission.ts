/**
 * Compute requests reserve their memory before their body is read (memory/memory-budget.ts);
 * over the budget they get 503 + Retry-After at once, and nothing of them is read or decoded.
 * The reservation is released when the response is done, whether it was sent or the client left
 * (a computation the client left is aborted, pool/focal-pool.ts).
 */
import type { FastifyInstance } from 'fastify';
import { ProblemError } from '../errors/problem-error.js';
import { requestMemoryCost, type MemoryBudget } from '../memory/memory-budget.js';

const MB = 1024 * 1024;
const mb = (bytes: number) => `${Math.ceil(bytes / MB)} MiB`;

/** Adds the admission hook to `scope`, the encapsulated context of the compute routes. */
export function registerMemoryAdmission(scope: FastifyInstance, budget: MemoryBudget, bodyLimit: number): void {
  scope.addHook('onRequest', async (request, reply) => {
    const cost = requestMemoryCost(request.headers, bodyLimit);
    if (!budget.tryReserve(cost)) {
      throw new ProblemError(
        'overloaded',
        `the memory budget is taken by requests in flight (${mb(budget.reservedBytes)} of ${mb(budget.budgetBytes)} reserved; ` +
          `this request needs about ${mb(cost)}); retry shortly, or send smaller or uncompressed bodies`,
        { headers: { 'retry-after': '1' } },
      );
    }
    reply.raw.once('close', () => budget.release(cost));
  });
}
