/**
 * Test-only worker: the real worker, plus faults triggered by a magic first logit of a kernel
 * task (small JSON bodies are decoded on the main thread and arrive as kernel tasks). It lives
 * under test/ and is passed to buildApp() by tests only, so the service cannot reach it.
 */
import runTask from '../../src/worker.js';
import type { PoolTask } from '../../src/pool/pool-task.js';

export const FAULT_THROW = 1111;
export const FAULT_EXIT = 2222;
export const FAULT_OOM = 3333;
export const FAULT_SLOW = 4444;

export default function faultyTask(task: PoolTask): unknown {
  const first = task.kind === 'kernel' || task.kind === 'part' ? task.batch.logits[0] : null;
  if (first === FAULT_THROW) throw new Error('injected fault: secret internal detail');
  if (first === FAULT_EXIT) process.exit(3);
  if (first === FAULT_OOM) {
    const hoard: number[][] = [];
    for (;;) hoard.push(new Array(1e6).fill(Math.random()));
  }
  if (first === FAULT_SLOW) {
    const until = Date.now() + 2000;
    while (Date.now() < until);
  }
  return runTask(task);
}
