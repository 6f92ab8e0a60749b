/**
 * The memory budget's arithmetic: what a request reserves from its headers, and when a
 * reservation fits (one request always fits when nothing else is reserved).
 */
import t from 'tap';
import { MEMORY_PER_BODY_BYTE, MemoryBudget, requestMemoryCost } from '../../src/memory/memory-budget.js';

const LIMIT = 1_000_000;

t.test('a request reserves a multiple of its body, or of BODY_LIMIT when it cannot know', async (t) => {
  t.equal(requestMemoryCost({ 'content-length': '1000' }, LIMIT), MEMORY_PER_BODY_BYTE * 1000, 'a sized body');
  t.equal(
    requestMemoryCost({ 'content-length': '1000', 'content-encoding': 'identity' }, LIMIT),
    MEMORY_PER_BODY_BYTE * 1000,
    'identity is not compressed',
  );
  t.equal(
    requestMemoryCost({ 'content-length': '1000', 'content-encoding': 'gzip' }, LIMIT),
    MEMORY_PER_BODY_BYTE * LIMIT,
    'a compressed body may grow to BODY_LIMIT',
  );
  t.equal(requestMemoryCost({}, LIMIT), MEMORY_PER_BODY_BYTE * LIMIT, 'no Content-Length (chunked)');
  t.equal(requestMemoryCost({ 'content-length': 'x' }, LIMIT), MEMORY_PER_BODY_BYTE * LIMIT, 'a Content-Length that is not a number');
  t.equal(
    requestMemoryCost({ 'content-length': String(10 * LIMIT) }, LIMIT),
    MEMORY_PER_BODY_BYTE * LIMIT,
    'never more than BODY_LIMIT (a longer body is refused with 413)',
  );
});

t.test('reservations fit the budget; one request always fits alone', async (t) => {
  const budget = new MemoryBudget(100);
  t.ok(budget.tryReserve(60));
  t.ok(budget.tryReserve(40), 'exactly the budget');
  t.notOk(budget.tryReserve(1), 'one byte over');
  t.equal(budget.reservedBytes, 100, 'a refused reservation takes nothing');
  budget.release(60);
  t.ok(budget.tryReserve(50));
  budget.release(50);
  budget.release(40);
  t.equal(budget.reservedBytes, 0);
  t.ok(budget.tryReserve(500), 'larger than the whole budget, but nothing else is in flight');
  t.notOk(budget.tryReserve(1), 'and then nothing else fits');
  budget.release(500);
  budget.release(500);
  t.equal(budget.reservedBytes, 0, 'never below zero');
  const none = new MemoryBudget(0);
  t.ok(none.tryReserve(1e12) && none.tryReserve(1e12), 'budget 0: no limit');
  t.equal(none.reservedBytes, 2e12, 'but reservations are still counted');
});
