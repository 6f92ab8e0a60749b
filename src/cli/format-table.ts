/**
 * The human-readable result: a headline with the loss, a per-class table (support, loss
 * share, precision, recall, suggested alpha) and a summary line.
 */
import type { EvalResult } from '../report/eval-result.js';
import type { SweepEntry } from '../schemas/loss-response.js';

function pad(cells: string[], widths: number[], alignLeft: boolean[]): string {
  return cells
    .map((cell, i) => (alignLeft[i] ? cell.padEnd(widths[i]) : cell.padStart(widths[i])))
    .join('  ')
    .trimEnd();
}

/** A header and rows as aligned text lines: the first column left-aligned, the others right-aligned. */
export function columns(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const left = header.map((_, i) => i === 0);
  return [pad(header, widths, left), ...rows.map((r) => pad(r, widths, left))];
}

/** The sweep's losses as a grid: a row per gamma, a column per alpha (the entries are gamma outer, alpha inner). */
function sweepTable(sweep: SweepEntry[]): string[] {
  const alphas = sweep.filter((e) => e.gamma === sweep[0].gamma).length;
  const label = (a: SweepEntry['alpha']) => (a === null ? 'none' : Array.isArray(a) ? 'per class' : String(a));
  const rows: string[][] = [];
  for (let i = 0; i < sweep.length; i += alphas) {
    const setting = sweep.slice(i, i + alphas);
    rows.push([String(setting[0].gamma), ...setting.map((e) => e.loss.toPrecision(10))]);
  }
  return [
    'sweep: the loss at each gamma (rows) and alpha (columns)',
    ...columns(['gamma', ...sweep.slice(0, alphas).map((e) => `alpha ${label(e.alpha)}`)], rows),
  ];
}

export function formatTable(result: EvalResult): string {
  const { loss, stats, meta } = result.response;
  const lossSum = stats.classes.reduce((s, k) => s + k.loss_sum, 0);
  const over = meta.mode === 'multiclass' ? 'rows' : 'elements';
  const how =
    meta.reduction === 'mean'
      ? `mean over ${meta.denominator.toLocaleString('en-US')} ${meta.denominator_source === 'normalizer' ? '(normalizer)' : over}`
      : meta.reduction === 'sum'
        ? 'sum'
        : 'sum of per-example losses (reduction none)';
  const alpha = meta.alpha === null ? 'none' : Array.isArray(meta.alpha) ? `[${meta.alpha.join(', ')}]` : String(meta.alpha);
  const lines = [`focal loss ${loss.toPrecision(10)}  (${meta.mode}, ${how}, gamma ${meta.gamma}, alpha ${alpha})`, ''];
  const header = ['class', 'support', 'loss share', 'precision', 'recall', 'suggested alpha'];
  const rows = stats.classes.map((k) => [
    k.name ?? String(k.class),
    k.support.toLocaleString('en-US'),
    `${(lossSum > 0 ? (100 * k.loss_sum) / lossSum : 0).toFixed(1)}%`,
    k.precision.toFixed(4),
    k.recall.toFixed(4),
    k.suggested_alpha === null ? '-' : k.suggested_alpha.toFixed(4),
  ]);
  lines.push(...columns(header, rows));
  lines.push('');
  if (result.response.sweep !== undefined) lines.push(...sweepTable(result.response.sweep), '');
  const parts = [
    ...(stats.accuracy === undefined ? [] : [`accuracy ${stats.accuracy.toFixed(4)}`]),
    `${meta.n.toLocaleString('en-US')} rows x ${meta.c} ${meta.c === 1 ? 'column' : 'columns'}`,
    `${meta.count.toLocaleString('en-US')} counted`,
    `${result.chunks} chunk${result.chunks === 1 ? '' : 's'}`,
    `${(result.elapsedMs / 1000).toFixed(2)} s`,
    result.backend,
    ...(result.retries > 0 ? [`${result.retries} retr${result.retries === 1 ? 'y' : 'ies'}`] : []),
  ];
  lines.push(parts.join(' · '));
  return lines.join('\n') + '\n';
}
