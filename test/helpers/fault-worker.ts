/**
 * Test-only worker: the real worker, plus faults triggered by a magic first logit. It lives
 * under test/ and is passed to buildApp() by tests only, so the service cannot reach it.
 */
import computeFocal from '../../src/worker.js';
import type { FocalProblem } from '../../src/kernels/types.js';

export const FAULT_THROW = 1111;
export const FAULT_EXIT = 2222;
export const FAULT_OOM = 3333;
export const FAULT_SLOW = 4444;

export default function faultyCompute(problem: FocalProblem): unknown {
  const first = problem.logits[0];
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
  return computeFocal(problem);
}
