/**
 * Class balance: each class's support beside the two alphas its frequency suggests
 * (suggested_alpha, an inverse-log-frequency weight, and class_balanced_alpha, Cui et al. 2019)
 * and the alpha this evaluation applied, with a paragraph on choosing alpha together with gamma.
 */
import { DEFAULT_CLASS_BALANCE_BETA } from 'focal-loss-client/merge';
import { supportAlphaChart } from '../charts.js';
import { int, num, pct, quotient } from '../format.js';
import { escapeXml } from '../svg.js';
import { dataTable } from '../table.js';
import type { ReportClass, ReportView } from '../view.js';
import { MAX_CHART_CLASSES } from './loss.js';
import { note, type ReportContext, type Section } from './section.js';

/** The alpha applied to class (column) k, as meta reports it; null: no weighting. */
function appliedAlpha(alpha: number | number[] | null, k: number): number | null {
  return Array.isArray(alpha) ? alpha[k] : alpha;
}

export function classBalanceSection(view: ReportView, context: ReportContext): Section {
  const { meta, stats } = view.response;
  const beta = context.classBalanceBeta ?? DEFAULT_CLASS_BALANCE_BETA;
  const multiclass = meta.mode === 'multiclass';
  // multiclass: a class's share of the counted rows; binary/multilabel: a column's share of positives.
  const frequency = (k: ReportClass) => quotient(k.stats.support, multiclass ? stats.count : meta.n);
  const definitions = multiclass
    ? `suggested alpha: r_k / sum_j f_j r_j with f_k the class's share of the rows and r_k = 1 / ln(1.02 + f_k) (an inverse-log-frequency weight, normalised so that the support-weighted mean weight is 1: passed back as --alpha it keeps the loss on the same scale). class-balanced alpha: 1 / E(support), E(n) = (1 - beta^n) / (1 - beta) the effective number of samples (Cui et al. 2019, beta = ${num(beta)}), normalised the same way.`
    : `Alpha here is the weight of the positives (1 - alpha weighs the negatives). suggested alpha: r(f) / (r(f) + r(1 - f)) with f the share of positives and r(x) = 1 / ln(1.02 + x), above 0.5 when positives are rare. class-balanced alpha: w_pos / (w_pos + w_neg) with w = 1 / E(n), E(n) = (1 - beta^n) / (1 - beta) the effective number of positives or negatives (Cui et al. 2019, beta = ${num(beta)}). A dash: a column with no positive or no negative.`;
  const table = dataTable({
    id: 'class-balance-table',
    columns: [
      { header: multiclass ? 'class' : 'label', value: (k: ReportClass) => k.label, left: true },
      {
        header: 'support',
        title: view.supportMeaning,
        value: (k: ReportClass) => k.stats.support,
        text: (k: ReportClass) => int(k.stats.support),
      },
      { header: 'frequency', value: frequency, text: (k: ReportClass) => pct(frequency(k), 2) },
      { header: 'loss share', value: (k: ReportClass) => k.share, text: (k: ReportClass) => pct(k.share) },
      {
        header: 'suggested alpha',
        value: (k: ReportClass) => k.stats.suggested_alpha,
        text: (k: ReportClass) => num(k.stats.suggested_alpha),
      },
      {
        header: 'class-balanced alpha',
        value: (k: ReportClass) => k.stats.class_balanced_alpha,
        text: (k: ReportClass) => num(k.stats.class_balanced_alpha),
      },
      {
        header: 'alpha applied',
        value: (k: ReportClass) => appliedAlpha(meta.alpha, k.stats.class),
        text: (k: ReportClass) => (meta.alpha === null ? 'none' : num(appliedAlpha(meta.alpha, k.stats.class))),
      },
    ],
    rows: view.byLoss,
    sortedBy: { column: 3, descending: true },
    noun: multiclass ? 'classes' : 'labels',
    order: 'by loss share',
  });
  return {
    id: 'class-balance',
    title: 'Class balance and alpha',
    body: `${note(definitions)}
<div class="grid2"><div>
${supportAlphaChart(view.byLoss.slice(0, MAX_CHART_CLASSES), multiclass ? 'support (rows)' : 'support (positives)')}
</div><div>
<h3>How gamma interacts with alpha</h3>
<p class="note">${escapeXml(
      'Both alphas above are computed from class frequencies alone; they do not know gamma, and should not be used at full strength with a large gamma. ' +
        'In RetinaNet (Lin et al. 2017, "Focal Loss for Dense Object Detection"), alpha weighs the rare foreground class: with gamma = 0 (alpha-balanced cross-entropy) the best alpha was 0.75, but with gamma = 2 the best was alpha = 0.25, which gives the rare positives less weight than the negatives. ' +
        'The focal term already down-weights the many easy negatives, so as gamma grows less alpha compensation is needed, and alpha should move towards no weighting (0.5, or none in multiclass). ' +
        'Treat the frequency-based alphas as the gamma = 0 end of that range, and choose gamma and alpha together (a --sweep-gamma x --sweep-alpha run shows how the loss moves; validation metrics of models trained with each setting decide).',
    )}</p>
</div></div>
${table}`,
  };
}
