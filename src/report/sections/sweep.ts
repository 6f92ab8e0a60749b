/**
 * The sweep (eval --sweep-gamma / --sweep-alpha): the loss against gamma, one curve per alpha,
 * and how the loss is shared among the classes at each gamma. Entries come gamma outer, alpha
 * inner (the response's order).
 */
import type { SweepEntry } from '../../schemas/loss-response.js';
import { num, pct, quotient } from '../format.js';
import { plotArea } from '../plot.js';
import { circle, clip, escapeXml, line, PALETTE, polyline, rect, svg, text } from '../svg.js';
import type { ReportView } from '../view.js';
import { note, type Section } from './section.js';

/** Classes drawn by name in the share chart; the rest are summed as "other". */
export const SHARE_CLASSES = 8;

export function alphaLabel(alpha: SweepEntry['alpha']): string {
  return alpha === null ? 'none' : Array.isArray(alpha) ? 'per class' : num(alpha);
}

export interface SweepGrid {
  gammas: number[];
  alphas: SweepEntry['alpha'][];
  /** entries[g][a] */
  entries: SweepEntry[][];
}

export function sweepGrid(sweep: SweepEntry[]): SweepGrid {
  const perGamma = sweep.filter((e) => e.gamma === sweep[0].gamma).length;
  const entries: SweepEntry[][] = [];
  for (let i = 0; i < sweep.length; i += perGamma) entries.push(sweep.slice(i, i + perGamma));
  return { gammas: entries.map((row) => row[0].gamma), alphas: entries[0].map((e) => e.alpha), entries };
}

function lossCurves(grid: SweepGrid): string {
  const most = Math.max(...grid.entries.flat().map((e) => e.loss));
  const plot = plotArea({
    left: 70,
    top: 30,
    width: 480,
    height: 260,
    xDomain: [Math.min(...grid.gammas), Math.max(...grid.gammas)],
    yDomain: [0, most > 0 ? most * 1.05 : 1],
    xTitle: 'gamma',
    yTitle: 'loss',
    xTicks: grid.gammas,
  });
  let body = text(0, 16, 'Loss against gamma, one curve per alpha', 'class="chart-title"') + plot.frame;
  grid.alphas.forEach((alpha, a) => {
    const colour = PALETTE[a % PALETTE.length];
    const points = grid.entries.map((row): [number, number] => [plot.x(row[a].gamma), plot.y(row[a].loss)]);
    if (points.length > 1) body += polyline(points, `stroke="${colour}" stroke-width="2.5" class="curve"`, `alpha ${alphaLabel(alpha)}`);
    grid.entries.forEach((row, g) => {
      body += circle(
        points[g][0],
        points[g][1],
        3.5,
        colour,
        `gamma ${num(row[a].gamma)}, alpha ${alphaLabel(alpha)}: loss ${num(row[a].loss, 6)}`,
      );
    });
    const ly = 40 + a * 18;
    body += line(plot.left + plot.width + 20, ly, plot.left + plot.width + 44, ly, `stroke="${colour}" stroke-width="2.5"`);
    body += text(plot.left + plot.width + 50, ly + 4, `alpha ${alphaLabel(alpha)}`, 'class="label"');
  });
  return svg(700, plot.top + plot.height + 44, 'Loss against gamma', body);
}

function shareBars(view: ReportView, grid: SweepGrid): string {
  const named = view.byLoss.slice(0, SHARE_CLASSES).map((k) => k.stats.class);
  const width = 760;
  const label = 90;
  const row = 26;
  const top = 30;
  const barMax = width - label - 20;
  let body = text(0, 16, `Share of the loss by class at each gamma (alpha ${alphaLabel(grid.alphas[0])})`, 'class="chart-title"');
  grid.entries.forEach((settings, g) => {
    const entry = settings[0];
    const total = entry.class_loss_sum.reduce((a, b) => a + b, 0);
    const y = top + g * row;
    body += text(label - 8, y + 17, `gamma ${num(entry.gamma)}`, 'text-anchor="end" class="label"');
    let x = label;
    const parts = named.map((k) => ({ name: view.classes[k].label, value: entry.class_loss_sum[k] }));
    const other = total - parts.reduce((a, p) => a + p.value, 0);
    if (view.classes.length > named.length) parts.push({ name: 'other classes', value: other });
    parts.forEach((p, i) => {
      const share = quotient(p.value, total) ?? 0;
      const w = share * barMax;
      const colour = i < named.length ? PALETTE[i % PALETTE.length] : '#d0d0d0';
      if (w > 0)
        body += rect(x, y + 3, w, row - 6, colour, `gamma ${num(entry.gamma)}: ${p.name} ${pct(share)} of the loss`, 'class="share"');
      x += w;
    });
  });
  // Legend: the named classes, then "other".
  const ly = top + grid.entries.length * row + 12;
  const legend = [...named.map((k) => view.classes[k].label), ...(view.classes.length > named.length ? ['other classes'] : [])];
  legend.forEach((name, i) => {
    const x = label + (i % 4) * 160;
    const y = ly + Math.floor(i / 4) * 18;
    body += rect(x, y, 12, 12, i < named.length ? PALETTE[i % PALETTE.length] : '#d0d0d0');
    body += text(x + 16, y + 10, clip(name, 20), 'class="axis"');
  });
  return svg(width, ly + Math.ceil(legend.length / 4) * 18 + 6, 'Share of the loss by class at each gamma', body);
}

export function sweepSection(view: ReportView): Section | null {
  const sweep = view.response.sweep;
  if (sweep === undefined || sweep.length === 0) return null;
  const grid = sweepGrid(sweep);
  const head = grid.alphas.map((a) => `<th>alpha ${escapeXml(alphaLabel(a))}</th>`).join('');
  const rows = grid.entries
    .map(
      (row) =>
        `<tr><td class="l">${escapeXml(num(row[0].gamma))}</td>${row.map((e) => `<td data-v="${e.loss}">${escapeXml(num(e.loss, 6))}</td>`).join('')}</tr>`,
    )
    .join('\n');
  return {
    id: 'sweep',
    title: 'Sweep over gamma and alpha',
    body: `${note('The loss of this evaluation at every gamma x alpha setting, the model unchanged. With the predictions fixed, the focal loss can only fall as gamma grows (the factor (1 - p_t)^gamma shrinks), so a lower loss here does not make a setting better: the curves show how much of the loss comes from easy examples (a steep fall) and how strongly alpha reweights it. Choose gamma and alpha by validation metrics of models trained with them.')}
<div class="grid2"><div>
${lossCurves(grid)}
<div class="scroll"><table class="data" id="sweep-table"><thead><tr><th class="l">gamma</th>${head}</tr></thead>
<tbody>
${rows}
</tbody></table></div>
</div><div>
${view.classes.length > 1 ? shareBars(view, grid) : note('One label: its share of the loss is 100% at every gamma.')}
</div></div>`,
  };
}
