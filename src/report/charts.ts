/**
 * The per-class bar charts and the focusing curve as inline SVG: each class's share of the loss,
 * support against the two suggested alphas, easy vs hard examples per class (the p_t histogram),
 * and the focal modulating curve (1 - p_t)^gamma against gamma = 0 (cross-entropy).
 */
import { int, num, pct } from './format.js';
import { clip, escapeXml, hardToEasy, rect, svg, text } from './svg.js';
import type { ReportClass } from './view.js';

const WIDTH = 760;
const ROW = 22;
const LABEL = 150;
const TOP = 28;

function header(title: string): string {
  return text(0, 16, title, 'class="chart-title"');
}

/** Horizontal bars: each class's loss_sum as a share of the total. */
export function lossShareChart(classes: ReportClass[]): string {
  const barMax = WIDTH - LABEL - 70;
  const height = TOP + classes.length * ROW + 8;
  let body = header('Share of the loss by class');
  classes.forEach((k, i) => {
    const share = k.share;
    const y = TOP + i * ROW;
    body += text(LABEL - 8, y + 15, clip(k.label, 22), 'text-anchor="end" class="label"');
    body += rect(
      LABEL,
      y + 3,
      Math.max(1, share * barMax),
      ROW - 6,
      '#4e79a7',
      `${k.label}: loss ${num(k.stats.loss_sum)} (${pct(share)})`,
    );
    body += text(LABEL + share * barMax + 6, y + 15, pct(share), 'class="value"');
  });
  return svg(WIDTH, height, 'Share of the loss by class', body);
}

/**
 * Three bars per class: support (how many) and the two suggested alphas (how much weight), the
 * alphas on one shared scale so that they can be compared with each other.
 */
export function supportAlphaChart(classes: ReportClass[], supportLabel: string): string {
  const col = (WIDTH - LABEL - 40) / 3;
  const barMax = col - 50;
  const maxSupport = Math.max(1, ...classes.map((k) => k.stats.support));
  const maxAlpha = Math.max(1e-12, ...classes.flatMap((k) => [k.stats.suggested_alpha ?? 0, k.stats.class_balanced_alpha ?? 0]));
  const height = TOP + 18 + classes.length * ROW + 8;
  let body = header('Support against the suggested alphas');
  const columns = [
    { title: supportLabel, colour: '#59a14f', value: (k: ReportClass) => k.stats.support, max: maxSupport, show: int },
    { title: 'suggested alpha', colour: '#f28e2b', value: (k: ReportClass) => k.stats.suggested_alpha, max: maxAlpha, show: num },
    {
      title: 'class-balanced alpha',
      colour: '#b07aa1',
      value: (k: ReportClass) => k.stats.class_balanced_alpha,
      max: maxAlpha,
      show: num,
    },
  ];
  columns.forEach((c, j) => (body += text(LABEL + j * (col + 20), TOP + 10, c.title, 'class="axis"')));
  classes.forEach((k, i) => {
    const y = TOP + 18 + i * ROW;
    body += text(LABEL - 8, y + 15, clip(k.label, 22), 'text-anchor="end" class="label"');
    columns.forEach((c, j) => {
      const x = LABEL + j * (col + 20);
      // No alpha (a class without support, a column without negatives): an empty bar and a dash.
      const v = c.value(k);
      const w = Math.max(1, ((v ?? 0) / c.max) * barMax);
      body += rect(x, y + 3, w, ROW - 6, c.colour, `${k.label}: ${c.title} ${c.show(v, 6)}`);
      body += text(x + w + 6, y + 15, c.show(v, 3), 'class="value"');
    });
  });
  return svg(WIDTH, height, 'Support against the suggested alphas', body);
}

/** Stacked bars of each class's p_t histogram: hard examples (low p_t, red) to easy ones (high p_t, green). */
export function easyHardChart(classes: ReportClass[]): string {
  const bins = classes[0]?.stats.pt_histogram.length ?? 0;
  const barMax = WIDTH - LABEL - 90;
  const height = TOP + classes.length * ROW + 44;
  let body = header('Easy vs hard examples per class (p_t = the predicted probability of the true label)');
  classes.forEach((k, i) => {
    const y = TOP + i * ROW;
    const h = k.stats.pt_histogram;
    const total = h.reduce((a, b) => a + b, 0);
    body += text(LABEL - 8, y + 15, clip(k.label, 22), 'text-anchor="end" class="label"');
    let x = LABEL;
    h.forEach((count, b) => {
      const w = total > 0 ? (count / total) * barMax : 0;
      if (w > 0)
        body += rect(
          x,
          y + 3,
          w,
          ROW - 6,
          hardToEasy(b, bins),
          `${k.label}: ${int(count)} with p_t in [${num(b / bins, 2)}, ${num((b + 1) / bins, 2)})`,
        );
      x += w;
    });
    const hard = h.slice(0, Math.ceil(bins / 2)).reduce((a, b) => a + b, 0);
    body += text(LABEL + barMax + 8, y + 15, total > 0 ? `${pct(hard / total, 0)} hard` : 'none', 'class="value"');
  });
  // Legend: the bins' colours from p_t = 0 to 1.
  const ly = TOP + classes.length * ROW + 14;
  const lw = Math.min(36, barMax / Math.max(1, bins));
  body += text(LABEL - 8, ly + 12, 'p_t', 'text-anchor="end" class="axis"');
  for (let b = 0; b < bins; b++) body += rect(LABEL + b * lw, ly, lw - 2, 14, hardToEasy(b, bins));
  body += text(LABEL, ly + 28, '0 (hard)', 'class="axis"');
  body += text(LABEL + bins * lw, ly + 28, '1 (easy)', 'text-anchor="end" class="axis"');
  return svg(WIDTH, height, 'Easy vs hard examples per class', body);
}

/** The modulating factor (1 - p_t)^gamma over p_t in [0, 1], for the chosen gamma and for gamma = 0. */
export function modulatingCurveChart(gamma: number): string {
  const left = 60;
  const top = TOP + 10;
  const w = 420;
  const h = 240;
  const x = (p: number) => left + p * w;
  const y = (v: number) => top + (1 - v) * h;
  const points = (g: number) =>
    Array.from({ length: 201 }, (_, i) => {
      const p = i / 200;
      const v = g === 0 ? 1 : (1 - p) ** g;
      return `${x(p).toFixed(1)},${y(v).toFixed(1)}`;
    }).join(' ');
  let body = header(`The focal modulating factor (1 - p_t)^gamma`);
  for (let i = 0; i <= 4; i++) {
    const v = i / 4;
    body += `<line x1="${left}" x2="${left + w}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" class="grid"/>`;
    body += text(left - 8, y(v) + 4, num(v, 3), 'text-anchor="end" class="axis"');
    body += text(x(v), top + h + 18, num(v, 3), 'text-anchor="middle" class="axis"');
  }
  body += text(left + w / 2, top + h + 36, 'p_t (the predicted probability of the true label)', 'text-anchor="middle" class="axis"');
  body += `<polyline points="${points(0)}" fill="none" stroke="#9c9c9c" stroke-width="2" stroke-dasharray="6 4"><title>gamma = 0 (cross-entropy): every example weighs 1</title></polyline>`;
  body += `<polyline points="${points(gamma)}" fill="none" stroke="#e15759" stroke-width="3"><title>gamma = ${escapeXml(String(gamma))}</title></polyline>`;
  const lx = left + w + 30;
  body += `<line x1="${lx}" x2="${lx + 30}" y1="${top + 20}" y2="${top + 20}" stroke="#e15759" stroke-width="3"/>`;
  body += text(lx + 38, top + 24, `gamma = ${gamma}`, 'class="label"');
  body += `<line x1="${lx}" x2="${lx + 30}" y1="${top + 44}" y2="${top + 44}" stroke="#9c9c9c" stroke-width="2" stroke-dasharray="6 4"/>`;
  body += text(lx + 38, top + 48, 'gamma = 0 (cross-entropy)', 'class="label"');
  const at = (p: number) => (gamma === 0 ? 1 : (1 - p) ** gamma);
  body += text(lx, top + 84, `an easy example (p_t = 0.9) weighs ${num(at(0.9), 3)}`, 'class="note"');
  body += text(lx, top + 102, `a hard one (p_t = 0.1) weighs ${num(at(0.1), 3)}`, 'class="note"');
  return svg(WIDTH, top + h + 48, 'The focal modulating factor', body);
}
