/**
 * Where the loss comes from: each class's share of it (with more than one), and how easy or hard its examples are
 * (the p_t histogram), with the focusing curve that turns p_t into a weight. Charts show the
 * MAX_CHART_CLASSES classes with the largest loss; the tables elsewhere keep them all.
 */
import { PT_BINS } from 'focal-loss-client/merge';
import { easyHardChart, lossShareChart, modulatingCurveChart } from '../charts.js';
import { int } from '../format.js';
import type { ReportView } from '../view.js';
import { note, type Section } from './section.js';

export const MAX_CHART_CLASSES = 40;

export function lossSection(view: ReportView): Section {
  const { meta } = view.response;
  const charted = view.byLoss.slice(0, MAX_CHART_CLASSES);
  const omitted = view.byLoss.length - charted.length;
  const noun = meta.mode === 'multiclass' ? 'classes' : 'labels';
  return {
    id: 'loss',
    title: 'Where the loss comes from',
    body: `${omitted > 0 ? note(`The charts show the ${charted.length} ${noun} with the largest loss; ${int(omitted)} more are in the tables only.`) : ''}
<div class="grid2">${charted.length > 1 ? `<div>\n${lossShareChart(charted)}\n</div>` : ''}<div>
${note(`Each bar splits a class's examples by p_t into ${PT_BINS} bins. The focal term (1 - p_t)^gamma shrinks the loss of the easy ones (green) so the hard ones (red) dominate training.`)}
${easyHardChart(charted)}
</div>${typeof meta.gamma === 'number' ? `<div>\n${modulatingCurveChart(meta.gamma)}\n</div>` : ''}</div>`,
  };
}
