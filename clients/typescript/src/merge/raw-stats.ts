/**
 * Raw per-class counters (merge/types.ts RawClassStats): an empty set, and adding one set into
 * another. Results over parts of one batch (worker splits, the CLI's chunks) merge through here.
 */
import { PT_BINS } from './pt-histogram.js';
import type { Mode, RawClassStats } from './types.js';

const COUNTERS = ['support', 'lossSum', 'posLossSum', 'negLossSum', 'tp', 'fp', 'fn', 'ptHistogram'] as const;
/** Evaluation sums, present only when asked for: a part that has them brings them into the merge. */
const EVALUATION_SUMS = ['calibration', 'scoreSums', 'confusion', 'sweepLossSum', 'sweepClassLossSum'] as const;

export function emptyRawStats(mode: Mode, c: number): RawClassStats {
  const sigmoid = mode !== 'multiclass';
  return {
    support: new Float64Array(c),
    lossSum: new Float64Array(c),
    posLossSum: sigmoid ? new Float64Array(c) : null,
    negLossSum: sigmoid ? new Float64Array(c) : null,
    tp: new Float64Array(c),
    fp: new Float64Array(c),
    fn: new Float64Array(c),
    ptHistogram: new Float64Array(c * PT_BINS),
  };
}

/** into += from, counter by counter (counts stay exact integers below 2^53). */
export function addRawStats(into: RawClassStats, from: RawClassStats): void {
  for (const key of COUNTERS) addInto(into[key], from[key]);
  for (const key of EVALUATION_SUMS) {
    const b = from[key];
    if (b === undefined) continue;
    const a = into[key];
    if (a === undefined) into[key] = b.slice();
    else addInto(a, b);
  }
}

function addInto(a: Float64Array | null, b: Float64Array | null): void {
  if (a === null || b === null) return;
  if (a.length !== b.length) throw new Error(`cannot merge stats of ${b.length} classes into ${a.length}`);
  for (let k = 0; k < a.length; k++) a[k] += b[k];
}
