/**
 * Piscina worker entry: runs one pool task (pool/pool-task.ts) with the WebAssembly SIMD kernels
 * (kernels/fast-focal.ts, which fall back to the JS ones) and transfers what it produced back. Deliberately thin (code here is invisible to coverage); everything it calls is tested
 * on the main thread.
 */
import { move, transferableSymbol, valueSymbol, workerData } from 'piscina';
import { focalLossFast, initFastKernels } from './kernels/fast-focal.js';
import { withEvaluation } from './kernels/evaluated-focal.js';
import { runPoolTask, type PoolTask } from './pool/pool-task.js';
import { lowerThreadPriority } from './pool/thread-priority.js';

// The WebAssembly kernels are instantiated once per worker, at start rather than in a request.
initFastKernels();
// Below the main thread, which must stay responsive while workers compute (pool/thread-priority.ts).
lowerThreadPriority((workerData as { nice?: number } | undefined)?.nice ?? 0);
const kernel = withEvaluation(focalLossFast);

export default function runTask(task: PoolTask): unknown {
  const { value, transfer } = runPoolTask(task, kernel);
  return move({ [transferableSymbol]: transfer, [valueSymbol]: value } as never);
}
