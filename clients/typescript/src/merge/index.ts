/**
 * The package's "./merge" entry: the exact merge of results computed over chunks of one batch and
 * the rules it shares with a single request (reduction, per-class statistics, calibration, sweep).
 * The service and its CLI import these from here, so each rule exists once.
 */
export { CompensatedSum } from './compensated-sum.js';
export { denominatorSource, gradientScale, lossDenominator, OVERFLOW_DETAIL, reduceLossSum } from './reduction.js';
export type { Mode, RawClassStats, Reduction } from './types.js';
export { BIN_FIELDS, CALIBRATION_BINS, calibrationBin, NLL_SCALE } from './calibration-bins.js';
export { PT_BINS, ptBin } from './pt-histogram.js';
export { addRawStats, emptyRawStats } from './raw-stats.js';
export { reportStats, type ReportOptions } from './class-stats.js';
export {
  averages,
  calibrationReport,
  classWeights,
  confusionRows,
  DEFAULT_CLASS_BALANCE_BETA,
  ratio,
  SUGGESTED_ALPHA_OFFSET,
  type ClassScores,
  type ClassWeights,
} from './evaluation-stats.js';
export { isFiniteMerge, rawStatsFromReport, ResultMerger, type MergedResult, type PartialResult } from './merge-results.js';
export { sweepEntries, sweepLosses, type SweepSettings } from './sweep-report.js';
