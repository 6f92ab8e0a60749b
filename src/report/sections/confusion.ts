/**
 * The confusion matrix (multiclass, when the evaluation has stats.confusion): a heatmap up to
 * MAX_HEATMAP_CLASSES classes, each cell coloured by its share of the true class's rows (so a
 * rare class's mistakes are as visible as a common one's); above that the most-confused pairs
 * as a table, since a 1000 x 1000 grid of 1-pixel cells shows nothing.
 */
import { int, pct, quotient } from '../format.js';
import { clip, rect, svg, text } from '../svg.js';
import { dataTable } from '../table.js';
import type { ReportView } from '../view.js';
import { MAX_CONFUSION_CLASSES } from '../../tensors/decode-evaluation.js';
import { note, type Section } from './section.js';

export const MAX_HEATMAP_CLASSES = 50;
/** Off-diagonal pairs listed above MAX_HEATMAP_CLASSES (the table shows its top rows first). */
export const MAX_PAIRS = 200;

/** White (0) to dark blue (1); the diagonal (correct) in green. */
function cellColour(share: number, diagonal: boolean): string {
  const light = Math.round(97 - share * 62);
  return diagonal ? `hsl(130 45% ${light}%)` : `hsl(212 65% ${light}%)`;
}

function heatmap(view: ReportView, confusion: number[][]): string {
  const c = confusion.length;
  const labels = view.classes.map((k) => k.label);
  const cell = Math.max(12, Math.min(44, Math.floor(760 / c)));
  const left = 150;
  const top = 130;
  const size = cell * c;
  let body = text(0, 16, 'Confusion matrix (rows: true class, columns: prediction)', 'class="chart-title"');
  const showCounts = cell >= 30;
  confusion.forEach((row, t) => {
    const rowTotal = row.reduce((a, b) => a + b, 0);
    body += text(left - 6, top + t * cell + cell / 2 + 4, clip(labels[t], 22), 'text-anchor="end" class="label"');
    row.forEach((count, p) => {
      const share = quotient(count, rowTotal) ?? 0;
      const x = left + p * cell;
      const y = top + t * cell;
      body += rect(
        x,
        y,
        cell - 1,
        cell - 1,
        cellColour(share, t === p),
        `true ${labels[t]}, predicted ${labels[p]}: ${int(count)} rows (${pct(quotient(count, rowTotal))} of ${labels[t]})`,
        'class="cell"',
      );
      if (showCounts && count > 0)
        body += text(x + cell / 2, y + cell / 2 + 4, int(count), `text-anchor="middle" class="value${share > 0.55 ? ' on-dark' : ''}"`);
    });
  });
  labels.forEach((label, p) => {
    const x = left + p * cell + cell / 2;
    body += text(x, top - 6, clip(label, 18), `class="label" transform="rotate(-45 ${x.toFixed(1)} ${top - 6})"`);
  });
  body += text(left + size / 2, top + size + 22, 'predicted class', 'text-anchor="middle" class="axis"');
  return svg(Math.max(left + size + 20, 520), top + size + 32, 'Confusion matrix', body);
}

interface Pair {
  truth: string;
  predicted: string;
  count: number;
  /** Of the true class's rows. */
  ofTrue: number | null;
  /** Of the rows predicted as the predicted class. */
  ofPredicted: number | null;
}

export function confusedPairs(view: ReportView, confusion: number[][]): Pair[] {
  const c = confusion.length;
  const rowTotals = confusion.map((r) => r.reduce((a, b) => a + b, 0));
  const colTotals = Array.from({ length: c }, (_, p) => confusion.reduce((a, r) => a + r[p], 0));
  const pairs: Pair[] = [];
  confusion.forEach((row, t) =>
    row.forEach((count, p) => {
      if (t !== p && count > 0)
        pairs.push({
          truth: view.classes[t].label,
          predicted: view.classes[p].label,
          count,
          ofTrue: quotient(count, rowTotals[t]),
          ofPredicted: quotient(count, colTotals[p]),
        });
    }),
  );
  return pairs.sort((a, b) => b.count - a.count).slice(0, MAX_PAIRS);
}

export function confusionSection(view: ReportView): Section | null {
  const { stats, meta } = view.response;
  if (meta.mode !== 'multiclass') return null;
  const confusion = stats.confusion;
  if (confusion === undefined)
    return {
      id: 'confusion',
      title: 'Confusion',
      body: note(
        `No confusion matrix: it is computed for at most ${int(MAX_CONFUSION_CLASSES)} classes; this evaluation has ${int(meta.c)}.`,
      ),
    };
  if (confusion.length <= MAX_HEATMAP_CLASSES)
    return {
      id: 'confusion',
      title: 'Confusion matrix',
      body: `${note('A cell is the rows of its true class (row) predicted as its column; the colour is its share of the true class, so each row reads as where that class goes. Hover a cell for the count.')}
<div class="scroll">${heatmap(view, confusion)}</div>`,
    };
  const pairs = confusedPairs(view, confusion);
  return {
    id: 'confusion',
    title: 'Most-confused pairs',
    body: `${note(`With ${int(confusion.length)} classes a heatmap cannot be read; these are the ${int(pairs.length)} largest off-diagonal cells of the confusion matrix (rows of a true class predicted as another), most rows first.`)}
${dataTable({
  id: 'confused-pairs-table',
  columns: [
    { header: 'true class', value: (p: Pair) => p.truth, left: true },
    { header: 'predicted as', value: (p: Pair) => p.predicted, left: true },
    { header: 'rows', value: (p: Pair) => p.count, text: (p: Pair) => int(p.count) },
    { header: 'of the true class', value: (p: Pair) => p.ofTrue, text: (p: Pair) => pct(p.ofTrue) },
    { header: 'of the predictions', value: (p: Pair) => p.ofPredicted, text: (p: Pair) => pct(p.ofPredicted) },
  ],
  rows: pairs,
  sortedBy: { column: 2, descending: true },
  noun: 'pairs',
  order: 'by rows',
})}`,
  };
}
