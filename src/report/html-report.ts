/**
 * `focal-loss eval --html FILE`: one self-contained HTML page (inline CSS, SVG and one small sort
 * script; a Content-Security-Policy that allows nothing to be fetched) with the evaluation's
 * headline numbers and one section per view (sections/*.ts, each a pure function of the result).
 * Sections that do not apply (no sweep, no baseline, multiclass-only views) are left out.
 */
import type { EvalResult } from './eval-result.js';
import { SORT_SCRIPT } from './script.js';
import { baselineSection } from './sections/baseline.js';
import { calibrationSection } from './sections/calibration.js';
import { classBalanceSection } from './sections/class-balance.js';
import { confusionSection } from './sections/confusion.js';
import { lossSection } from './sections/loss.js';
import { perClassSection } from './sections/per-class.js';
import { posNegSection } from './sections/pos-neg.js';
import type { ReportContext, Section, SectionRenderer } from './sections/section.js';
import { summaryKpis } from './sections/summary.js';
import { sweepSection } from './sections/sweep.js';
import { STYLE } from './style.js';
import { escapeXml } from './svg.js';
import { reportView } from './view.js';

export { MAX_CHART_CLASSES } from './sections/loss.js';
export type { ReportContext } from './sections/section.js';

/** The sections in reading order: the regressions first when there is a baseline, then the model, then the loss. */
const SECTIONS: SectionRenderer[] = [
  baselineSection,
  perClassSection,
  calibrationSection,
  confusionSection,
  posNegSection,
  lossSection,
  sweepSection,
  classBalanceSection,
];

/** Nothing may be loaded: no network, no files; only the page's own style and script run. */
const CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'";

function sectionHtml(s: Section): string {
  return `<section id="${escapeXml(s.id)}">
<h2>${escapeXml(s.title)}</h2>
${s.body}
</section>`;
}

export function renderReport(result: EvalResult, context: ReportContext = {}): string {
  const view = reportView(result.response);
  const { meta } = result.response;
  const sections = SECTIONS.map((render) => render(view, context)).filter((s): s is Section => s !== null);
  const title = `Focal loss report: ${meta.mode}`;
  const source = context.logits === undefined || context.targets === undefined ? '' : `${context.logits} against ${context.targets} · `;
  const when = (context.generatedAt ?? new Date()).toISOString();
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeXml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>${escapeXml(title)}</h1>
<p class="sub">${escapeXml(`${source}computed ${result.backend} · ${when}`)}</p>
${summaryKpis(view)}
<nav>${sections.map((s) => `<a href="#${escapeXml(s.id)}">${escapeXml(s.title)}</a>`).join('')}</nav>
</header>
${sections.map(sectionHtml).join('\n')}
<script>${SORT_SCRIPT}</script>
</body>
</html>
`;
}
