/**
 * Binary and multilabel: where the loss comes from, the positives or the negatives of each label
 * (stats pos_loss_sum and neg_loss_sum). With rare positives the negatives usually dominate the
 * count; the focal term and alpha decide whether they also dominate the loss.
 */
import { int, num, pct, quotient } from '../format.js';
import { clip, rect, svg, text } from '../svg.js';
import { dataTable } from '../table.js';
import { MAX_CHART_CLASSES } from './loss.js';
import type { ReportClass, ReportView } from '../view.js';
import { kpi, note, type Section } from './section.js';

const POS = '#f28e2b';
const NEG = '#4e79a7';

interface Split {
  k: ReportClass;
  pos: number;
  neg: number;
  positives: number;
  negatives: number;
}

function posNegChart(splits: Split[]): string {
  const width = 760;
  const label = 150;
  const row = 22;
  const top = 46;
  const barMax = width - label - 110;
  const most = Math.max(1e-300, ...splits.map((s) => s.pos + s.neg));
  let body = text(0, 16, 'Loss of the positives and the negatives per label', 'class="chart-title"');
  body += rect(label, 26, 12, 12, POS) + text(label + 16, 36, 'positives', 'class="axis"');
  body += rect(label + 90, 26, 12, 12, NEG) + text(label + 106, 36, 'negatives', 'class="axis"');
  splits.forEach((s, i) => {
    const y = top + i * row;
    const wp = (s.pos / most) * barMax;
    const wn = (s.neg / most) * barMax;
    body += text(label - 8, y + 15, clip(s.k.label, 22), 'text-anchor="end" class="label"');
    body += rect(label, y + 3, wp, row - 6, POS, `${s.k.label}: positives ${num(s.pos)} (${int(s.positives)} elements)`, 'class="pos"');
    body += rect(
      label + wp,
      y + 3,
      wn,
      row - 6,
      NEG,
      `${s.k.label}: negatives ${num(s.neg)} (${int(s.negatives)} elements)`,
      'class="neg"',
    );
    body += text(label + wp + wn + 6, y + 15, `${pct(quotient(s.pos, s.pos + s.neg), 0)} from positives`, 'class="value"');
  });
  return svg(width, top + splits.length * row + 8, 'Loss of the positives and the negatives', body);
}

export function posNegSection(view: ReportView): Section | null {
  const { meta } = view.response;
  if (meta.mode === 'multiclass') return null;
  const splits: Split[] = view.byLoss.map((k) => ({
    k,
    pos: k.stats.pos_loss_sum ?? 0,
    neg: k.stats.neg_loss_sum ?? 0,
    positives: k.stats.support,
    // Every row has an element in every column (no ignore_index outside multiclass).
    negatives: meta.n - k.stats.support,
  }));
  const pos = splits.reduce((a, s) => a + s.pos, 0);
  const neg = splits.reduce((a, s) => a + s.neg, 0);
  const positives = splits.reduce((a, s) => a + s.positives, 0);
  const negatives = splits.reduce((a, s) => a + s.negatives, 0);
  const table =
    splits.length === 1
      ? ''
      : dataTable({
          id: 'pos-neg-table',
          columns: [
            { header: 'label', value: (s: Split) => s.k.label, left: true },
            { header: 'positives', value: (s: Split) => s.positives, text: (s: Split) => int(s.positives) },
            { header: 'negatives', value: (s: Split) => s.negatives, text: (s: Split) => int(s.negatives) },
            { header: 'positive loss', value: (s: Split) => s.pos, text: (s: Split) => num(s.pos) },
            { header: 'negative loss', value: (s: Split) => s.neg, text: (s: Split) => num(s.neg) },
            {
              header: 'from positives',
              value: (s: Split) => quotient(s.pos, s.pos + s.neg),
              text: (s: Split) => pct(quotient(s.pos, s.pos + s.neg)),
            },
            {
              header: 'per positive',
              value: (s: Split) => quotient(s.pos, s.positives),
              text: (s: Split) => num(quotient(s.pos, s.positives)),
            },
            {
              header: 'per negative',
              value: (s: Split) => quotient(s.neg, s.negatives),
              text: (s: Split) => num(quotient(s.neg, s.negatives)),
            },
          ],
          rows: splits,
          sortedBy: undefined,
          noun: 'labels',
          order: 'by loss share',
        });
  return {
    id: 'pos-neg',
    title: 'Positives against negatives',
    body: `<div class="kpis">
${kpi('loss from positives', num(pos), `${int(positives)} positive elements`)}
${kpi('loss from negatives', num(neg), `${int(negatives)} negative elements`)}
${kpi('share from positives', pct(quotient(pos, pos + neg)))}
${kpi('mean loss per positive', num(quotient(pos, positives)))}
${kpi('mean loss per negative', num(quotient(neg, negatives)))}
</div>
${note('Loss sums (weights and alpha included) of the positive (y >= 0.5) and negative elements. Negatives usually outnumber positives; with gamma > 0 the many easy negatives contribute little, and alpha sets the remaining balance.')}
${posNegChart(splits.slice(0, MAX_CHART_CLASSES))}
${table}`,
  };
}
