/**
 * The report's sections on hand-made results, for the cases the command-line runs do not reach:
 * an asymmetric loss (no single gamma), alpha per class, a result without calibration or
 * confusion matrix, a class without support, a baseline identical to the evaluation, a sweep
 * with one gamma. Each section is a pure function of the result, so no evaluation is needed.
 */
import t from 'tap';
import type { EvalResult } from '../../src/report/eval-result.js';
import type { ClassStats } from '../../src/schemas/loss-response.js';
import { renderReport } from '../../src/report/html-report.js';
import { baselineSection } from '../../src/report/sections/baseline.js';
import { confusionSection } from '../../src/report/sections/confusion.js';
import { sweepSection } from '../../src/report/sections/sweep.js';
import { DASH } from '../../src/report/format.js';
import { reportView } from '../../src/report/view.js';

function klass(k: number, support: number, tp: number, fp: number, lossSum: number): ClassStats {
  const fn = support - tp;
  return {
    class: k,
    support,
    loss_sum: lossSum,
    tp,
    fp,
    fn,
    tn: 10 - support - fp,
    precision: tp + fp === 0 ? 0 : tp / (tp + fp),
    recall: support === 0 ? 0 : tp / support,
    f1: 2 * tp + fp + fn === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn),
    mean_loss: support === 0 ? null : lossSum / support,
    pt_histogram: [support, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    suggested_alpha: support === 0 ? null : 1,
    class_balanced_alpha: support === 0 ? null : 1,
  };
}

/** Ten rows of three classes; class 2 never occurs and is never predicted. */
function result(): EvalResult {
  const classes = [klass(0, 6, 5, 1, 3), klass(1, 4, 3, 1, 2), klass(2, 0, 0, 0, 0)];
  return {
    response: {
      loss: 0.5,
      stats: {
        count: 10,
        accuracy: 0.8,
        classes,
        averages: { macro: { precision: 0.8, recall: 0.79, f1: 0.79 }, weighted: { precision: 0.8, recall: 0.8, f1: 0.8 } },
      },
      meta: {
        mode: 'multiclass',
        reduction: 'mean',
        n: 10,
        c: 3,
        count: 10,
        denominator: 10,
        denominator_source: 'count',
        variant: 'asymmetric',
        gamma: null,
        gamma_pos: 0,
        gamma_neg: 4,
        alpha: [0.5, 0.25, 0.25],
        alpha_convention: 'class_weight',
        label_smoothing: 0,
        ignore_index: null,
        target_format: 'class_ids',
      },
    },
    raw: undefined as unknown as EvalResult['raw'],
    chunks: 1,
    retries: 0,
    elapsedMs: 1,
    backend: 'test',
  };
}

t.test('asymmetric, alpha per class, no calibration, a class without support', async (t) => {
  const html = renderReport(result(), { generatedAt: new Date(0) });
  t.match(html, /<b>0 \/ 4<\/b><span>gamma\+ \/ gamma-<\/span>/, 'the two exponents instead of one gamma');
  t.match(html, /<b>per class \(3\)<\/b><span>alpha \(class weight\)<\/span>/);
  t.notMatch(html, /<span>ECE<\/span>|id="calibration"/, 'no calibration, no calibration section');
  t.notMatch(html, /The focal modulating factor/, 'no single gamma: no focusing curve');
  t.match(html, /1970-01-01T00:00:00\.000Z/, 'the given time');
  t.notMatch(html, / against .* · computed/, 'no files named');
  // Class 2: no rows, never predicted: every ratio, its mean loss and its alphas are undefined.
  const row = /<tr><td class="l" data-v="class 2">class 2<\/td>(.*?)<\/tr>/.exec(html)?.[1] ?? '';
  t.equal((row.match(new RegExp(`<td>${DASH}</td>`, 'g')) ?? []).length, 4, 'mean loss, precision, recall and F1 are dashes');
  t.match(html, /data-v="0.25">0.25<\/td><\/tr>/, 'the alpha applied to a class');
  t.match(html, /No confusion matrix|id="confusion"/);
});

t.test('no confusion matrix above the limit', async (t) => {
  const r = result();
  r.response.meta.c = 1001;
  t.match(confusionSection(reportView(r.response))?.body ?? '', /computed for at most 1,000 classes; this evaluation has 1,001/);
});

t.test('a baseline that is the evaluation itself', async (t) => {
  const r = result();
  const view = reportView(r.response);
  const comparison = {
    metrics: [
      { metric: 'loss', base: 0.5, next: 0.5, higherIsBetter: false },
      { metric: 'zero', base: 0, next: 0, higherIsBetter: true },
    ],
    classes: [
      {
        label: 'class 0',
        support: 6,
        recall: [0.8, 0.8] as [number, number],
        f1: [0.8, 0.8] as [number, number],
        meanLoss: [null, 0.5] as [number | null, number | null],
      },
    ],
    checks: [],
    passed: true,
  };
  t.equal(baselineSection(view, {}), null, 'no baseline, no section');
  const body = baselineSection(view, { baseline: { file: 'base.json', comparison } })?.body ?? '';
  t.match(body, /class="flags ok">No regression/);
  t.match(body, new RegExp(`<td class="">${DASH}</td>`), 'no relative change from a zero baseline');
});

t.test("a sweep with one gamma and the request's own per-class alpha", async (t) => {
  const r = result();
  r.response.sweep = [{ gamma: 2, alpha: [0.5, 0.25, 0.25], loss: 0.5, class_loss_sum: [3, 2, 0] }];
  const body = sweepSection(reportView(r.response))?.body ?? '';
  t.match(body, /alpha per class/);
  t.notMatch(body, /class="curve"/, 'one point: no line');
  t.equal((body.match(/<circle/g) ?? []).length, 1, 'but its point');
  r.response.sweep = [];
  t.equal(sweepSection(reportView(r.response)), null, 'an empty sweep: no section');
});
