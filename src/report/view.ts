/**
 * The evaluation as the report's sections read it: each class with its label and its share of
 * the loss, and the classes ordered by that share (the order of every chart and table, so the
 * classes that matter come first even at 1000 classes).
 */
import type { ClassStats } from '../schemas/loss-response.js';
import type { EvalResponse } from './eval-result.js';

export interface ReportClass {
  label: string;
  stats: ClassStats;
  /** loss_sum / the sum over classes; 0 when the loss is 0 everywhere. */
  share: number;
}

export interface ReportView {
  response: EvalResponse;
  /** In class order. */
  classes: ReportClass[];
  /** Largest share of the loss first (ties: class order). */
  byLoss: ReportClass[];
  /** What each class's count means: rows of it (multiclass) or its positives. */
  supportMeaning: string;
}

export function classLabel(stats: ClassStats, mode: EvalResponse['meta']['mode']): string {
  return stats.name ?? (mode === 'binary' ? 'positive label' : `class ${stats.class}`);
}

export function reportView(response: EvalResponse): ReportView {
  const { stats, meta } = response;
  const total = stats.classes.reduce((a, k) => a + k.loss_sum, 0);
  const classes = stats.classes.map((s): ReportClass => ({
    label: classLabel(s, meta.mode),
    stats: s,
    share: total > 0 ? s.loss_sum / total : 0,
  }));
  // Array.prototype.sort is stable: equal shares keep class order.
  const byLoss = [...classes].sort((a, b) => b.share - a.share);
  return {
    response,
    classes,
    byLoss,
    supportMeaning: meta.mode === 'multiclass' ? 'rows of the class' : 'positives',
  };
}
