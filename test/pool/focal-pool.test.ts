/**
 * The worker pool: same numbers as a direct call of the workers' kernel (focalLossFast), arrays moved (not copied) both ways,
 * a bounded queue that answers "overloaded" instead of piscina's own error, and no new work
 * once closing.
 */
import t from 'tap';
import fc from 'fast-check';
import { FocalPool } from '../../src/pool/focal-pool.js';
import { focalLossFast } from '../../src/kernels/fast-focal.js';
import { ProblemError } from '../../src/errors/problem-error.js';
import { arbitraryBatch, toKernelBatch } from '../helpers/batches.js';
import { batchBuffers, resultBuffers } from '../../src/pool/focal-task.js';

t.test('the pool returns the same numbers as a direct kernel call', async (t) => {
  const pool = new FocalPool({ size: 2, maxQueue: 1000 });
  t.teardown(() => pool.close());
  await fc.assert(
    fc.asyncProperty(arbitraryBatch(), async (p) => {
      const direct = focalLossFast(toKernelBatch(p));
      const pooled = await pool.run(toKernelBatch(p));
      t.same(pooled, direct);
      return pooled.loss === direct.loss && pooled.gradient!.every((g, i) => g === direct.gradient![i]);
    }),
    { numRuns: 60 },
  );
});

t.test('typed arrays are transferred to the worker, not copied', async (t) => {
  const pool = new FocalPool({ size: 1, maxQueue: 10 });
  t.teardown(() => pool.close());
  const batch = toKernelBatch({
    mode: 'multilabel',
    n: 2,
    c: 2,
    logits: [1, 2, 3, 4],
    targets: [1, 0, 0, 1],
    classIds: false,
    weights: [1, 2],
    alpha: [0.5, 0.5],
    gamma: 2,
    eps: 0,
    reduction: 'mean',
  });
  t.equal(batchBuffers(batch).length, 4, 'logits, targets, weights and alpha buffers are listed');
  const result = await pool.run(batch);
  t.equal(batch.logits.byteLength, 0, 'the logits buffer is detached: it moved to the worker');
  t.equal(batch.weights!.byteLength, 0, 'the weights buffer moved too');
  t.equal(result.gradient!.length, 4, 'the gradient came back');
  t.equal(resultBuffers(result).length, 10, 'gradient, losses and eight stats arrays (with the p_t histogram) travel back by transfer');
});

t.test('views into a larger buffer are never transferred', async (t) => {
  const big = new Float64Array(8);
  const view = big.subarray(2, 4);
  const batch = {
    ...toKernelBatch({
      mode: 'binary',
      n: 2,
      c: 1,
      logits: [0, 0],
      targets: [0, 1],
      classIds: false,
      weights: null,
      alpha: null,
      gamma: 2,
      eps: 0,
      reduction: 'sum',
    }),
    logits: view,
  };
  t.notOk(batchBuffers(batch).includes(big.buffer as ArrayBuffer), 'the shared buffer is not in the transfer list');
});

t.test("a full queue rejects with the overloaded problem (503), not piscina's error", async (t) => {
  const pool = new FocalPool({ size: 1, maxQueue: 1 });
  t.teardown(() => pool.close());
  const n = 2_000_000;
  const big = () =>
    toKernelBatch({
      mode: 'binary',
      n,
      c: 1,
      logits: new Array(n).fill(0.5),
      targets: new Array(n).fill(1),
      classIds: false,
      weights: null,
      alpha: null,
      gamma: 1.5,
      eps: 0,
      reduction: 'mean',
    });
  const settled = await Promise.allSettled([big(), big(), big(), big(), big()].map((p) => pool.run(p)));
  const rejected = settled.filter((s) => s.status === 'rejected') as PromiseRejectedResult[];
  t.ok(rejected.length >= 1, `${rejected.length} of 5 rejected`);
  for (const r of rejected) {
    t.ok(r.reason instanceof ProblemError, 'a ProblemError');
    t.equal((r.reason as ProblemError).code, 'overloaded');
    t.equal((r.reason as ProblemError).status, 503);
    t.equal((r.reason as ProblemError).headers['retry-after'], '1');
  }
  t.ok(
    settled.some((s) => s.status === 'fulfilled'),
    'the accepted ones complete',
  );
});

t.test('a closing pool refuses new work with 503 unavailable', async (t) => {
  const pool = new FocalPool({ size: 1, maxQueue: 1 });
  await pool.close();
  t.ok(pool.isClosing);
  await t.rejects(
    pool.run(
      toKernelBatch({
        mode: 'binary',
        n: 1,
        c: 1,
        logits: [0],
        targets: [1],
        classIds: false,
        weights: null,
        alpha: null,
        gamma: 2,
        eps: 0,
        reduction: 'mean',
      }),
    ),
    { code: 'unavailable', status: 503 },
  );
});

t.test('close() waits for a running task at most closeTimeoutMs, then terminates the worker', async (t) => {
  const batch = (n: number) =>
    toKernelBatch({
      mode: 'binary',
      n,
      c: 1,
      logits: new Array(n).fill(0.5),
      targets: new Array(n).fill(1),
      classIds: false,
      weights: null,
      alpha: null,
      gamma: 1.5,
      eps: 0,
      reduction: 'mean',
    });
  async function closeWhileRunning(closeTimeoutMs: number): Promise<string> {
    const pool = new FocalPool({ size: 1, maxQueue: 1, closeTimeoutMs });
    // Once the worker has answered a task it is ready, and the next task is posted to it the
    // moment run() is called: close() then finds it running.
    await pool.run(batch(1));
    const settled = pool.run(batch(2_000_000)).then(
      () => 'completed',
      () => 'terminated',
    );
    await pool.close();
    return settled;
  }
  t.equal(await closeWhileRunning(60_000), 'completed', 'with time to wait, the task finishes');
  t.equal(await closeWhileRunning(0), 'terminated', 'with no time, the worker is terminated');
});

t.test('utilization is the share of workers computing now, not a mean since start-up', async (t) => {
  const pool = new FocalPool({ size: 2, maxQueue: 10 });
  t.teardown(() => pool.close());
  t.equal(pool.utilization, 0);
  const n = 1_000_000;
  const big = () =>
    toKernelBatch({
      mode: 'binary',
      n,
      c: 1,
      logits: new Array(n).fill(0.5),
      targets: new Array(n).fill(1),
      classIds: false,
      weights: null,
      alpha: null,
      gamma: 1.5,
      eps: 0,
      reduction: 'mean',
    });
  const one = pool.run(big());
  t.equal(pool.utilization, 0.5, 'one of two workers');
  const more = [pool.run(big()), pool.run(big())];
  t.equal(pool.utilization, 1, 'capped at 1 with work queued');
  await Promise.all([one, ...more]);
  t.equal(pool.utilization, 0, 'back to 0 when idle');
});

t.test('batches up to inlineMaxElements run on the calling thread, larger ones on a worker, with the same numbers', async (t) => {
  const pool = new FocalPool({ size: 1, maxQueue: 10, inlineMaxElements: 4 });
  t.teardown(() => pool.close());
  const small = {
    mode: 'multilabel' as const,
    n: 2,
    c: 2,
    logits: [1, -2, 3, 0.5],
    targets: [1, 0, 0, 1],
    classIds: false,
    weights: null,
    alpha: null,
    gamma: 2,
    eps: 0,
    reduction: 'mean' as const,
  };
  const inline = toKernelBatch(small);
  const result = await pool.run(inline);
  t.same(result, focalLossFast(toKernelBatch(small)), 'the same result as a direct kernel call');
  t.equal(inline.logits.byteLength, 32, 'computed in place: the logits were not transferred away');
  const large = toKernelBatch({ ...small, n: 3, logits: [1, -2, 3, 0.5, 0, 0], targets: [1, 0, 0, 1, 1, 1] });
  await pool.run(large);
  t.equal(large.logits.byteLength, 0, 'above the threshold the logits moved to a worker');
});
