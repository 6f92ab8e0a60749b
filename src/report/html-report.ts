/**
 * `focal-loss eval --html FILE`: one self-contained HTML page (inline CSS and SVG, no scripts,
 * no external assets) with the result's headline numbers, the per-class table and four charts
 * (report/charts.ts). Classes beyond MAX_CHART_CLASSES are left out of the charts (the table
 * keeps them all) and the page says so.
 */
import type { EvalResult } from './eval-result.js';
import { PT_BINS } from 'focal-loss-client/merge';
import { easyHardChart, lossShareChart, modulatingCurveChart, supportAlphaChart, type ChartClass } from './charts.js';
import { escapeXml, fmt } from './svg.js';

export const MAX_CHART_CLASSES = 40;

export interface ReportSources {
  logits: string;
  targets: string;
}

const STYLE = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #222; margin: 24px auto; max-width: 800px; padding: 0 16px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 28px 0 8px; }
.sub { color: #666; margin: 0 0 16px; } .note { fill: #555; font-size: 12px; } p.note { color: #555; font-size: 13px; }
.kpis { display: flex; flex-wrap: wrap; gap: 12px; margin: 12px 0; }
.kpi { border: 1px solid #ddd; border-radius: 6px; padding: 8px 12px; min-width: 110px; }
.kpi b { display: block; font-size: 18px; } .kpi span { color: #666; font-size: 12px; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { padding: 4px 8px; border-bottom: 1px solid #eee; text-align: right; } th:first-child, td:first-child { text-align: left; }
svg { display: block; margin: 8px 0 16px; max-width: 100%; height: auto; }
.chart-title { font-weight: 600; font-size: 14px; fill: #222; } .label { font-size: 12px; fill: #333; }
.value, .axis { font-size: 11px; fill: #555; } .grid { stroke: #e5e5e5; }
`;

function kpi(label: string, value: string): string {
  return `<div class="kpi"><b>${escapeXml(value)}</b><span>${escapeXml(label)}</span></div>`;
}

export function renderReport(result: EvalResult, sources?: ReportSources): string {
  const { loss, stats, meta } = result.response;
  const named = stats.classes.map((s): ChartClass => ({
    label: s.name ?? (meta.mode === 'binary' ? 'positive label' : `class ${s.class}`),
    stats: s,
  }));
  const total = named.reduce((a, k) => a + k.stats.loss_sum, 0);
  // Charts show the classes with the largest loss first, up to MAX_CHART_CLASSES.
  const charted = [...named].sort((a, b) => b.stats.loss_sum - a.stats.loss_sum).slice(0, MAX_CHART_CLASSES);
  const omitted = named.length - charted.length;
  const alpha = meta.alpha === null ? 'none' : Array.isArray(meta.alpha) ? `per class (${meta.alpha.length})` : String(meta.alpha);
  const supportLabel = meta.mode === 'multiclass' ? 'support (rows of the class)' : 'support (positives)';

  const rows = named
    .map((k) => {
      const s = k.stats;
      const share = total > 0 ? (100 * s.loss_sum) / total : 0;
      const hard = s.pt_histogram.slice(0, PT_BINS / 2).reduce((a, b) => a + b, 0);
      const all = s.pt_histogram.reduce((a, b) => a + b, 0);
      return `<tr><td>${escapeXml(k.label)}</td><td>${s.support.toLocaleString('en-US')}</td><td>${share.toFixed(1)}%</td><td>${s.precision.toFixed(4)}</td><td>${s.recall.toFixed(4)}</td><td>${s.suggested_alpha === null ? '-' : fmt(s.suggested_alpha, 4)}</td><td>${all > 0 ? ((100 * hard) / all).toFixed(1) : '0.0'}%</td></tr>`;
    })
    .join('\n');

  const title = `Focal loss report: ${meta.mode}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeXml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${escapeXml(title)}</h1>
<p class="sub">${sources === undefined ? '' : `${escapeXml(sources.logits)} against ${escapeXml(sources.targets)} · `}computed ${escapeXml(result.backend)} · ${escapeXml(new Date().toISOString())}</p>
<div class="kpis">
${kpi(`focal loss (${meta.reduction}${meta.reduction === 'mean' ? ` over ${meta.denominator.toLocaleString('en-US')}` : ''})`, fmt(loss, 6))}
${stats.accuracy === undefined ? '' : kpi('accuracy', stats.accuracy.toFixed(4))}
${kpi('gamma', String(meta.gamma))}
${kpi(`alpha (${meta.alpha_convention.replace('_', ' ')})`, alpha)}
${kpi('rows x columns', `${meta.n.toLocaleString('en-US')} x ${meta.c}`)}
${kpi('counted', meta.count.toLocaleString('en-US'))}
</div>
<h2>Per class</h2>
<table>
<thead><tr><th>class</th><th>support</th><th>loss share</th><th>precision</th><th>recall</th><th>suggested alpha</th><th>hard (p_t &lt; 0.5)</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
${omitted > 0 ? `<p class="note">The charts show the ${charted.length} classes with the largest loss; ${omitted} more are in the table only.</p>` : ''}
<h2>Where the loss comes from</h2>
${lossShareChart(charted)}
<h2>Class balance</h2>
<p class="note">Support is how many ${meta.mode === 'multiclass' ? 'rows belong to each class' : 'positives each label has'}; the suggested alpha is the weight these frequencies suggest (${meta.mode === 'multiclass' ? '1 / ln(1.02 + support / count)' : 'the share of negatives'}).</p>
${supportAlphaChart(charted, supportLabel)}
<h2>Easy and hard examples</h2>
<p class="note">Each bar splits a class's examples by p_t into ${PT_BINS} bins. The focal term (1 - p_t)^gamma shrinks the loss of the easy ones (green) so the hard ones (red) dominate training.</p>
${easyHardChart(charted)}
${typeof meta.gamma === 'number' ? `<h2>The focusing curve</h2>\n${modulatingCurveChart(meta.gamma)}` : ''}
</body>
</html>
`;
}
