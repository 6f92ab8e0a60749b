/**
 * A comparison (cli/compare.ts) as text: the headline metrics with their change, the classes
 * (all of them up to MAX_CLASS_ROWS; above that the ones whose F1 fell most), and each check
 * with PASS or FAIL.
 */
import type { Comparison } from '../report/comparison.js';
import { columns } from './format-table.js';

export const MAX_CLASS_ROWS = 50;

/** Six significant digits, without trailing zeros. */
const num = (v: number) => String(Number(v.toPrecision(6)));

function signed(v: number): string {
  return `${v > 0 ? '+' : ''}${num(v)}`;
}

function change(base: number, next: number): string {
  const delta = next - base;
  if (delta === 0) return '0';
  const percent = (100 * delta) / Math.abs(base);
  return base !== 0 ? `${signed(delta)} (${percent > 0 ? '+' : ''}${percent.toFixed(1)}%)` : signed(delta);
}

export function formatComparison(comparison: Comparison, files: { base: string; next: string }, exitCode: number): string {
  const lines = [`${files.base} -> ${files.next}`, ''];
  lines.push(
    ...columns(
      ['metric', 'base', 'new', 'change', ''],
      comparison.metrics.map((m) => {
        const better = m.next === m.base ? '' : m.next > m.base === m.higherIsBetter ? 'better' : 'worse';
        return [m.metric, num(m.base), num(m.next), change(m.base, m.next), better];
      }),
    ),
  );
  lines.push('');
  const classes = comparison.classes;
  const shown =
    classes.length <= MAX_CLASS_ROWS
      ? classes
      : [...classes].sort((a, b) => a.f1[1] - a.f1[0] - (b.f1[1] - b.f1[0])).slice(0, MAX_CLASS_ROWS);
  if (shown.length < classes.length) lines.push(`the ${shown.length} of ${classes.length} classes whose F1 fell most:`);
  lines.push(
    ...columns(
      ['class', 'support', 'recall base', 'recall new', 'f1 base', 'f1 new', 'f1 change', 'mean loss base', 'mean loss new'],
      shown.map((k) => [
        k.label,
        k.support.toLocaleString('en-US'),
        k.recall[0].toFixed(4),
        k.recall[1].toFixed(4),
        k.f1[0].toFixed(4),
        k.f1[1].toFixed(4),
        `${k.f1[1] > k.f1[0] ? '+' : ''}${(k.f1[1] - k.f1[0]).toFixed(4)}`,
        k.meanLoss[0] === null ? '-' : num(k.meanLoss[0]),
        k.meanLoss[1] === null ? '-' : num(k.meanLoss[1]),
      ]),
    ),
  );
  lines.push('');
  for (const c of comparison.checks) {
    const relation = c.check.endsWith('increase') ? (c.passed ? '<=' : '>') : c.passed ? '>=' : '<';
    lines.push(
      `${c.passed ? 'PASS' : 'FAIL'}  ${c.check} ${c.check.endsWith('increase') ? signed(c.value) : num(c.value)} ${relation} ${num(c.limit)}`,
    );
  }
  const failed = comparison.checks.filter((c) => !c.passed).length;
  lines.push(
    comparison.checks.length === 0
      ? 'no thresholds given (--max-loss-increase, --max-ece-increase, --min-recall, --min-f1): nothing to gate'
      : failed === 0
        ? `all ${comparison.checks.length} checks pass`
        : `${failed} of ${comparison.checks.length} checks fail (exit ${exitCode})`,
  );
  return lines.join('\n') + '\n';
}
