/**
 * The headline: the loss and how it was reduced, the metrics people quote first (accuracy, macro
 * F1, ECE, Brier, NLL) and the settings that define the loss (gamma, alpha).
 */
import { int, num, ratio } from '../format.js';
import type { ReportView } from '../view.js';
import { kpi } from './section.js';

function settingText(v: number | number[] | null | undefined): string {
  if (v === null || v === undefined) return 'none';
  return Array.isArray(v) ? `per class (${v.length})` : num(v);
}

export function summaryKpis(view: ReportView): string {
  const { loss, stats, meta } = view.response;
  const over = meta.reduction === 'mean' ? ` over ${int(meta.denominator)}` : '';
  const calibration = stats.calibration;
  return `<div class="kpis">
${kpi(`focal loss (${meta.reduction}${over})`, num(loss, 6))}
${stats.accuracy === undefined ? '' : kpi('accuracy', ratio(stats.accuracy))}
${kpi('macro F1', ratio(stats.averages.macro.f1), 'unweighted mean over the classes present in the targets or the predictions')}
${kpi('weighted F1', ratio(stats.averages.weighted.f1), 'mean weighted by support')}
${calibration === undefined ? '' : kpi('ECE', num(calibration.ece), 'expected calibration error (15 bins)')}
${calibration === undefined ? '' : kpi('Brier', num(calibration.brier))}
${calibration === undefined ? '' : kpi('NLL', num(calibration.nll), 'mean negative log-likelihood (natural log)')}
${meta.gamma === null ? kpi('gamma+ / gamma-', `${settingText(meta.gamma_pos)} / ${settingText(meta.gamma_neg)}`) : kpi('gamma', settingText(meta.gamma))}
${kpi(`alpha (${meta.alpha_convention.replace('_', ' ')})`, settingText(meta.alpha))}
${kpi('rows x columns', `${int(meta.n)} x ${int(meta.c)}`)}
${kpi('counted', int(meta.count), meta.mode === 'multiclass' ? 'rows not ignored' : 'elements')}
</div>`;
}
