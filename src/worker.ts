/**
 * Piscina worker entry: runs one pool task (pool/pool-task.ts) and transfers what it produced
 * back. Deliberately thin (code here is invisible to coverage); everything it calls is tested
 * on the main thread.
 */
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { focalLoss } from './kernels/focal.js';
import { runPoolTask, type PoolTask } from './pool/pool-task.js';

export default function runTask(task: PoolTask): unknown {
  const { value, transfer } = runPoolTask(task, focalLoss);
  return move({ [transferableSymbol]: transfer, [valueSymbol]: value } as never);
}
