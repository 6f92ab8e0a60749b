/**
 * Calibration: the reliability diagram from the 15 bins of stats.calibration (observed accuracy,
 * or fraction of positives, against the mean predicted value of each bin, with the diagonal of a
 * perfectly calibrated model) above a histogram of how many predictions fall in each bin; ECE,
 * MCE, Brier and NLL beside it, and the bins as a table.
 */
import type { Calibration } from '../../schemas/loss-response.js';
import { int, num, quotient } from '../format.js';
import { plotArea } from '../plot.js';
import { line, rect, svg, text } from '../svg.js';
import type { ReportView } from '../view.js';
import { kpi, note, type Section } from './section.js';

export interface ReliabilityBin {
  lo: number;
  hi: number;
  count: number;
  /** Mean confidence (multiclass) or mean p (binary, multilabel); null for an empty bin. */
  predicted: number | null;
  /** Accuracy (multiclass) or fraction of positives; null for an empty bin. */
  observed: number | null;
}

export function reliabilityBins(calibration: Calibration): ReliabilityBin[] {
  const b = calibration.bins.length;
  return calibration.bins.map((bin, i) => ({
    lo: i / b,
    hi: (i + 1) / b,
    count: bin.count,
    predicted: quotient(bin.confidence_sum ?? bin.probability_sum ?? 0, bin.count),
    observed: quotient(bin.correct_sum ?? bin.positive_sum ?? 0, bin.count),
  }));
}

function reliabilityDiagram(bins: ReliabilityBin[], multiclass: boolean): string {
  const W = 620;
  const plot = plotArea({
    left: 60,
    top: 30,
    width: 520,
    height: 300,
    xDomain: [0, 1],
    yDomain: [0, 1],
    xTitle: multiclass ? 'confidence (largest softmax probability)' : 'predicted probability p = sigmoid(z)',
    yTitle: multiclass ? 'accuracy' : 'fraction positive',
  });
  const observedName = multiclass ? 'accuracy' : 'fraction positive';
  let body = text(0, 16, 'Reliability diagram', 'class="chart-title"') + plot.frame;
  for (const b of bins) {
    if (b.observed === null || b.predicted === null) continue;
    const x = plot.x(b.lo) + 1;
    const w = plot.x(b.hi) - plot.x(b.lo) - 2;
    const tip = `[${num(b.lo, 3)}, ${num(b.hi, 3)}): ${int(b.count)} predictions, ${observedName} ${num(b.observed)}, mean predicted ${num(b.predicted)}, gap ${num(b.predicted - b.observed)}`;
    body += rect(x, plot.y(b.observed), w, plot.y(0) - plot.y(b.observed), '#4e79a7', tip, 'class="bin"');
    // The gap to the mean prediction: red hatch between what was predicted and what happened.
    const [top, bottom] = [Math.max(b.observed, b.predicted), Math.min(b.observed, b.predicted)];
    body += rect(x, plot.y(top), w, plot.y(bottom) - plot.y(top), 'rgba(225,87,89,0.35)', tip, 'stroke="#e15759" class="gap"');
  }
  body += line(plot.x(0), plot.y(0), plot.x(1), plot.y(1), 'stroke="#888" stroke-dasharray="5 4" class="diagonal"');
  body += text(plot.x(0.04), plot.y(0.93), 'perfectly calibrated', 'class="axis"');
  // The bins' counts below, scaled to the fullest bin: where the predictions are.
  const hTop = plot.top + plot.height + 50;
  const hHeight = 60;
  const most = Math.max(1, ...bins.map((b) => b.count));
  body += text(plot.left, hTop - 6, 'predictions per bin', 'class="axis"');
  for (const b of bins) {
    const h = (b.count / most) * hHeight;
    const x = plot.x(b.lo) + 1;
    body += rect(
      x,
      hTop + hHeight - h,
      plot.x(b.hi) - plot.x(b.lo) - 2,
      h,
      '#9c9c9c',
      `${int(b.count)} predictions in [${num(b.lo, 3)}, ${num(b.hi, 3)})`,
      'class="count"',
    );
  }
  body += line(plot.left, hTop + hHeight, plot.left + plot.width, hTop + hHeight, 'class="tick"');
  return svg(W, hTop + hHeight + 10, 'Reliability diagram', body);
}

export function calibrationSection(view: ReportView): Section | null {
  const calibration = view.response.stats.calibration;
  if (calibration === undefined) return null;
  const multiclass = view.response.meta.mode === 'multiclass';
  const bins = reliabilityBins(calibration);
  const rows = bins
    .map(
      (b) =>
        `<tr><td class="l">[${num(b.lo, 3)}, ${num(b.hi, 3)})</td><td>${int(b.count)}</td><td>${num(b.predicted)}</td><td>${num(b.observed)}</td><td>${num(b.predicted === null || b.observed === null ? null : Math.abs(b.predicted - b.observed))}</td></tr>`,
    )
    .join('\n');
  const what = multiclass
    ? 'Each counted row falls in a bin by its confidence (the largest softmax probability); a bar is the share of the bin whose prediction is right.'
    : 'Every element falls in a bin by p = sigmoid(z), pooled over the labels; a bar is the share of the bin that is positive.';
  return {
    id: 'calibration',
    title: 'Calibration',
    body: `<div class="grid2"><div>
${reliabilityDiagram(bins, multiclass)}
</div><div>
<div class="kpis">
${kpi('ECE', num(calibration.ece), 'expected calibration error: the count-weighted mean |observed - predicted| over the bins')}
${kpi('MCE', num(calibration.mce), 'maximum calibration error: the largest |observed - predicted| of a bin')}
${calibration.classwise_ece === undefined ? '' : kpi('classwise ECE', num(calibration.classwise_ece), "the mean over labels of each label's own ECE")}
${kpi('Brier', num(calibration.brier), 'mean squared error of the probabilities against the targets')}
${kpi('NLL', num(calibration.nll), 'mean negative log-likelihood, natural log')}
</div>
${note(`${what} Bars below the diagonal are over-confident, above it under-confident; the red boxes are the gaps, and ECE is their count-weighted mean. Training with focal loss (gamma > 0) tends to reduce over-confidence (Mukhoti et al. 2020): the gamma of this evaluation does not change these numbers, the gamma a model was trained with does; compare such models with --baseline.`)}
<details class="bins"><summary>The ${bins.length} bins</summary>
<table class="data"><thead><tr><th class="l">bin</th><th>count</th><th>mean predicted</th><th>${multiclass ? 'accuracy' : 'fraction positive'}</th><th>|gap|</th></tr></thead>
<tbody>
${rows}
</tbody></table>
</details>
</div></div>`,
  };
}
