/**
 * Piscina worker entry: runs one focal-loss kernel and transfers the result's arrays back.
 * Deliberately thin (code here is invisible to coverage); everything it calls is tested on
 * the main thread.
 */
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { focalLoss } from './kernels/focal.js';
import type { FocalProblem } from './kernels/types.js';
import { resultBuffers } from './pool/focal-task.js';

export default function computeFocal(problem: FocalProblem): unknown {
  const result = focalLoss(problem);
  return move({ [transferableSymbol]: resultBuffers(result), [valueSymbol]: result } as never);
}
