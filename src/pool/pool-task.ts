/**
 * What a worker can be asked to do, and what each task sends back by transfer:
 * - `kernel`: a decoded batch (small bodies are decoded on the main thread) -> its result;
 * - `request`: body bytes -> the answer's bytes, or the prepared request in shared memory
 *   (pipeline/request-task.ts);
 * - `part`: rows of a shared batch -> their sums and counters (gradient and losses are written
 *   into shared memory);
 * - `answer`: a prepared request and its merged result (or none: compute it here) -> the
 *   answer's bytes (or its problem).
 * Pure dispatch, tested on the main thread; src/worker.ts only wraps it.
 */
import type { KernelBatch, FocalResult } from '../kernels/types.js';
import { partResult, type PartResult } from '../kernels/split-batch.js';
import type { PreparedRequest } from '../pipeline/answer.js';
import { finishRequest, runRequestTask, type Kernel, type RequestOutcome, type RequestTask } from '../pipeline/request-task.js';
import { ownedBuffers, resultBuffers } from './focal-task.js';

export type PoolTask =
  | { kind: 'kernel'; batch: KernelBatch }
  | RequestTask
  | { kind: 'part'; batch: KernelBatch }
  | { kind: 'answer'; prepared: PreparedRequest; result: FocalResult | null };

/** A task's value and the buffers to transfer with it. */
export interface TaskOutput {
  value: FocalResult | RequestOutcome | PartResult;
  transfer: ArrayBuffer[];
}

export function runPoolTask(task: PoolTask, kernel: Kernel): TaskOutput {
  switch (task.kind) {
    case 'kernel': {
      const result = kernel(task.batch);
      return { value: result, transfer: resultBuffers(result) };
    }
    case 'request':
      return outcomeOutput(runRequestTask(task, kernel));
    case 'part':
      return { value: partResult(kernel(task.batch)), transfer: [] };
    case 'answer':
      return outcomeOutput(finishRequest(task.prepared, task.result, kernel));
  }
}

/** An outcome and, for an answer, its bytes to transfer. */
function outcomeOutput(outcome: RequestOutcome): TaskOutput {
  return { value: outcome, transfer: outcome.kind === 'answer' ? ownedBuffers([outcome.answer.body]) : [] };
}
