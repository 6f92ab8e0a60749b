/**
 * Precision, recall and F1 per class with the macro and weighted averages below, sortable, the
 * classes with the largest share of the loss first. A ratio whose denominator is 0 (precision of
 * a class never predicted, recall of a class absent from the targets) is undefined: the stats
 * hold 0 there, the page shows a dash.
 */
import { int, num, pct, quotient, ratio } from '../format.js';
import { dataTable, type Column } from '../table.js';
import type { ReportClass, ReportView } from '../view.js';
import { note, type Section } from './section.js';

export function precisionOf(k: ReportClass): number | null {
  return quotient(k.stats.tp, k.stats.tp + k.stats.fp);
}
export function recallOf(k: ReportClass): number | null {
  return quotient(k.stats.tp, k.stats.tp + k.stats.fn);
}
export function f1Of(k: ReportClass): number | null {
  return quotient(2 * k.stats.tp, 2 * k.stats.tp + k.stats.fp + k.stats.fn);
}

/** The stats' own ratio where it is defined (the page shows the service's number), else null. */
const defined = (stat: number, when: number | null): number | null => (when === null ? null : stat);

export function perClassSection(view: ReportView): Section {
  const { stats, meta } = view.response;
  const columns: Column<ReportClass>[] = [
    { header: 'class', value: (k) => k.label, left: true },
    { header: 'support', title: view.supportMeaning, value: (k) => k.stats.support, text: (k) => int(k.stats.support) },
    { header: 'loss share', title: 'loss_sum / the sum over classes', value: (k) => k.share, text: (k) => pct(k.share) },
    { header: 'mean loss', title: 'loss_sum / support', value: (k) => k.stats.mean_loss, text: (k) => num(k.stats.mean_loss) },
    {
      header: 'precision',
      value: (k) => defined(k.stats.precision, precisionOf(k)),
      text: (k) => ratio(defined(k.stats.precision, precisionOf(k))),
    },
    { header: 'recall', value: (k) => defined(k.stats.recall, recallOf(k)), text: (k) => ratio(defined(k.stats.recall, recallOf(k))) },
    { header: 'F1', value: (k) => defined(k.stats.f1, f1Of(k)), text: (k) => ratio(defined(k.stats.f1, f1Of(k))) },
    { header: 'tp', value: (k) => k.stats.tp, text: (k) => int(k.stats.tp) },
    { header: 'fp', value: (k) => k.stats.fp, text: (k) => int(k.stats.fp) },
    { header: 'fn', value: (k) => k.stats.fn, text: (k) => int(k.stats.fn) },
    { header: 'tn', value: (k) => k.stats.tn, text: (k) => int(k.stats.tn) },
  ];
  const average = (name: string, a: { precision: number; recall: number; f1: number }) => [
    name,
    '',
    '',
    '',
    ratio(a.precision),
    ratio(a.recall),
    ratio(a.f1),
    '',
    '',
    '',
    '',
  ];
  const what =
    meta.mode === 'multiclass' ? 'A row is predicted as its arg-max class.' : 'An element is predicted positive when z >= 0 (p >= 0.5).';
  return {
    id: 'per-class',
    title: 'Precision, recall and F1 per class',
    body: `${note(
      `${what} Macro averages the classes that occur in the targets or the predictions; weighted weighs each class by its support. A dash marks a ratio with nothing to divide by (precision of a class never predicted, recall of a class with no ${view.supportMeaning}). Click a header to sort.`,
    )}
${dataTable({
  id: 'per-class-table',
  columns,
  rows: view.byLoss,
  foot: [average('macro average', stats.averages.macro), average('weighted average', stats.averages.weighted)],
  sortedBy: { column: 2, descending: true },
  noun: meta.mode === 'multiclass' ? 'classes' : 'labels',
  order: 'by loss share',
})}`,
  };
}
