/**
 * `eval --baseline BASE.json`: this evaluation against a baseline's, as `focal-loss compare`
 * computes it (cli/compare.ts, the one implementation): the headline metrics with their change
 * (loss, accuracy, ECE, Brier, NLL, macro and weighted averages) and each class's recall and F1.
 * A metric that got worse is flagged; a class is flagged when its recall or F1 fell by more than
 * REGRESSION_TOLERANCE. Thresholds that fail a CI job are `focal-loss compare`'s.
 */
import type { ClassRow, MetricRow } from '../comparison.js';
import { DASH, int, num, ratio, signed } from '../format.js';
import { escapeXml } from '../svg.js';
import { dataTable, type Column } from '../table.js';
import type { ReportView } from '../view.js';
import { note, type ReportContext, type Section } from './section.js';

/** A fall in recall or F1 by more than this (absolute) flags the class. */
export const REGRESSION_TOLERANCE = 0.01;

function worse(m: MetricRow): boolean {
  return m.next !== m.base && m.next > m.base !== m.higherIsBetter;
}

export function regressedClass(k: ClassRow): boolean {
  return k.recall[0] - k.recall[1] > REGRESSION_TOLERANCE || k.f1[0] - k.f1[1] > REGRESSION_TOLERANCE;
}

function fall(pair: [number, number]): string {
  return pair[0] - pair[1] > REGRESSION_TOLERANCE ? 'worse' : pair[1] > pair[0] ? 'better' : '';
}

function relative(m: MetricRow): string {
  if (m.base === 0) return DASH;
  const r = (m.next - m.base) / Math.abs(m.base);
  return `${r > 0 ? '+' : ''}${(100 * r).toFixed(1)}%`;
}

/** A ratio's base, new and change columns; the change is flagged when it falls by more than the tolerance. */
function changeColumns(name: string, pick: (k: ClassRow) => [number, number]): Column<ClassRow>[] {
  return [
    { header: `${name} base`, value: (k) => pick(k)[0], text: (k) => ratio(pick(k)[0]) },
    { header: `${name} new`, value: (k) => pick(k)[1], text: (k) => ratio(pick(k)[1]) },
    {
      header: `${name} change`,
      value: (k) => pick(k)[1] - pick(k)[0],
      text: (k) => signed(pick(k)[1] - pick(k)[0]),
      cls: (k) => fall(pick(k)),
    },
  ];
}

export function baselineSection(_view: ReportView, context: ReportContext): Section | null {
  if (context.baseline === undefined) return null;
  const { file, comparison } = context.baseline;
  const metricRows = comparison.metrics
    .map((m) => {
      const flag = m.next === m.base ? '' : worse(m) ? 'worse' : 'better';
      return `<tr><td class="l">${escapeXml(m.metric)}</td><td data-v="${m.base}">${escapeXml(num(m.base, 6))}</td><td data-v="${m.next}">${escapeXml(num(m.next, 6))}</td><td class="${flag}" data-v="${m.next - m.base}">${escapeXml(signed(m.next - m.base))}</td><td class="${flag}">${escapeXml(relative(m))}</td><td class="${flag}">${flag}</td></tr>`;
    })
    .join('\n');
  const worseMetrics = comparison.metrics.filter(worse).map((m) => m.metric);
  const regressed = comparison.classes.filter(regressedClass);
  const flags =
    worseMetrics.length === 0 && regressed.length === 0
      ? `<div class="flags ok">No regression: no headline metric got worse and no class lost more than ${num(REGRESSION_TOLERANCE)} of recall or F1.</div>`
      : `<div class="flags"><b>Regressions.</b> ${worseMetrics.length === 0 ? '' : `Worse than the baseline: ${escapeXml(worseMetrics.join(', '))}. `}${
          regressed.length === 0
            ? ''
            : `${int(regressed.length)} of ${int(comparison.classes.length)} classes lost more than ${num(REGRESSION_TOLERANCE)} of recall or F1: ${escapeXml(
                regressed
                  .slice(0, 10)
                  .map((k) => k.label)
                  .join(', '),
              )}${regressed.length > 10 ? ', …' : ''}.`
        }</div>`;
  // Worst first: the classes whose F1 fell most.
  const rows = [...comparison.classes].sort((a, b) => a.f1[1] - a.f1[0] - (b.f1[1] - b.f1[0]));
  return {
    id: 'baseline',
    title: 'Against the baseline',
    body: `${note(`This evaluation (new) against ${file} (base), the same data and loss settings. Gate a CI job on thresholds with focal-loss compare ${file} NEW.json.`)}
${flags}
<div class="row"><div>
<div class="scroll"><table class="data" id="baseline-metrics"><thead><tr><th class="l">metric</th><th>base</th><th>new</th><th>change</th><th>relative</th><th></th></tr></thead>
<tbody>
${metricRows}
</tbody></table></div>
</div><div>
${dataTable({
  id: 'baseline-classes-table',
  columns: [
    { header: 'class', value: (k: ClassRow) => k.label, left: true },
    { header: 'support', value: (k: ClassRow) => k.support, text: (k: ClassRow) => int(k.support) },
    ...changeColumns('recall', (k) => k.recall),
    ...changeColumns('F1', (k) => k.f1),
    { header: 'mean loss base', value: (k: ClassRow) => k.meanLoss[0], text: (k: ClassRow) => num(k.meanLoss[0]) },
    { header: 'mean loss new', value: (k: ClassRow) => k.meanLoss[1], text: (k: ClassRow) => num(k.meanLoss[1]) },
  ],
  rows,
  sortedBy: { column: 7, descending: false },
  noun: 'classes',
  order: 'by F1 change, worst first',
})}
</div></div>`,
  };
}
