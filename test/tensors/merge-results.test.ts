/**
 * Merging chunk results: the merged result of any split of a batch into chunks equals the
 * kernel's result over the whole batch (sums within 1e-12 relative, counters exactly), for every
 * mode and reduction; and the raw counters survive a round trip through a /loss response.
 */
import t, { type Test } from 'tap';
import fc from 'fast-check';
import { evaluatedFocal } from '../../src/kernels/evaluated-focal.js';
import { focalLoss } from '../../src/kernels/focal.js';
import type { KernelBatch, Mode, Reduction } from '../../src/kernels/types.js';
import {
  addRawStats,
  BIN_FIELDS,
  CALIBRATION_BINS,
  emptyRawStats,
  rawStatsFromReport,
  reportStats,
  ResultMerger,
} from 'focal-loss-client/merge';
import { gradientScale, lossDenominator, reduceLossSum } from '../../src/kernels/reduction.js';
import { near } from '../helpers/cli.js';

/** A deterministic random batch of n x c. */
function batch(
  mode: Mode,
  n: number,
  c: number,
  seed: number,
  opts: { reduction?: Reduction; ignore?: boolean; normalizer?: number | null } = {},
): KernelBatch {
  let s = seed >>> 0 || 1;
  const rand = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const cols = mode === 'binary' ? 1 : c;
  const logits = Float64Array.from({ length: n * cols }, () => (rand() - 0.5) * 12);
  const weights = Float64Array.from({ length: n }, () => rand() * 2);
  const common = {
    n,
    c: cols,
    logits,
    weights,
    alpha: mode === 'multiclass' ? Float64Array.from({ length: cols }, () => 0.5 + rand()) : new Float64Array(cols).fill(0.25),
    gamma: 1.5,
    labelSmoothing: 0.05,
    reduction: opts.reduction ?? 'mean',
    normalizer: opts.normalizer ?? null,
    wantGradient: true,
    wantLosses: true,
  };
  if (mode === 'multiclass') {
    const labels = Int32Array.from({ length: n }, () => (opts.ignore && rand() < 0.2 ? -1 : Math.floor(rand() * cols)));
    return { mode, ...common, labels, probabilities: null };
  }
  return { mode, ...common, targets: Float64Array.from({ length: n * cols }, () => (rand() < 0.3 ? 1 : 0)) };
}

/** Rows [a, b) of a batch, computed with reduction sum (as the CLI computes chunks). */
function slice(p: KernelBatch, a: number, b: number): KernelBatch {
  const c = p.c;
  const base = {
    ...p,
    n: b - a,
    logits: p.logits.slice(a * c, b * c),
    weights: p.weights === null ? null : p.weights.slice(a, b),
    reduction: p.reduction === 'none' ? ('none' as const) : ('sum' as const),
    normalizer: null,
  };
  if (p.mode === 'multiclass') return { ...base, mode: 'multiclass', labels: p.labels!.slice(a, b), probabilities: null };
  return { ...base, mode: p.mode, targets: p.targets.slice(a * c, b * c) };
}

function close(t: Test, actual: number, expected: number, what: string, rel = 1e-12) {
  const err = Math.abs(actual - expected) / Math.max(Math.abs(expected), 1e-300);
  t.ok(actual === expected || err <= rel, `${what}: ${actual} vs ${expected} (relative error ${err})`);
}

function mergedEqualsWhole(t: Test, p: KernelBatch, cuts: number[]) {
  const whole = focalLoss(p);
  const merger = new ResultMerger(p.mode, p.c);
  const gradient = new Float64Array(p.n * p.c);
  const bounds = [0, ...cuts, p.n];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const r = focalLoss(slice(p, bounds[i], bounds[i + 1]));
    merger.add({ lossSum: r.lossSum, count: r.count, stats: r.stats });
    gradient.set(r.gradient!, bounds[i] * p.c);
  }
  const m = merger.finish({ reduction: p.reduction, normalizer: p.normalizer, n: p.n, classNames: null });
  close(t, m.loss, whole.loss, 'loss');
  t.equal(m.count, whole.count, 'count');
  t.equal(m.denominator, whole.denominator, 'denominator');
  const expected = reportStats(p.mode, whole.stats, whole.count, p.n);
  t.same(
    m.stats.classes.map((k) => [k.support, k.tp, k.fp, k.fn]),
    expected.classes.map((k) => [k.support, k.tp, k.fp, k.fn]),
    'counters exactly',
  );
  m.stats.classes.forEach((k, i) => {
    close(t, k.loss_sum, expected.classes[i].loss_sum, `loss_sum[${i}]`);
    t.equal(k.precision, expected.classes[i].precision);
    t.equal(k.recall, expected.classes[i].recall);
    t.equal(k.suggested_alpha, expected.classes[i].suggested_alpha);
  });
  t.equal(m.stats.accuracy, expected.accuracy);
  let worst = 0;
  for (let i = 0; i < gradient.length; i++) {
    const g = gradient[i] * m.gradientScale;
    if (g !== whole.gradient![i]) worst = Math.max(worst, Math.abs(g - whole.gradient![i]) / Math.abs(whole.gradient![i]));
  }
  // The kernels fold 1/denominator into the row weight in a different order: a few ulp at most.
  t.ok(worst <= 1e-14, `the scaled gradient of the sum equals the mean's gradient (worst relative error ${worst})`);
}

for (const mode of ['binary', 'multilabel', 'multiclass'] as const) {
  for (const reduction of ['mean', 'sum', 'none'] as const) {
    t.test(`${mode}, ${reduction}: chunks merge to the whole batch's result`, async (t) => {
      mergedEqualsWhole(t, batch(mode, 997, 5, 7, { reduction, ignore: true }), [1, 100, 101, 640]);
    });
  }
}

t.test('a normalizer replaces the count as the denominator', async (t) => {
  mergedEqualsWhole(t, batch('multilabel', 300, 3, 3, { normalizer: 17.5 }), [150]);
});

t.test('any split of rows merges to the same result (property)', async () => {
  fc.assert(
    fc.property(
      fc.constantFrom<Mode>('binary', 'multilabel', 'multiclass'),
      fc.integer({ min: 1, max: 200 }),
      fc.integer({ min: 1, max: 4 }),
      fc.integer(),
      fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 }),
      (mode, n, c, seed, fractions) => {
        const cuts = [...new Set(fractions.map((f) => Math.floor(f * n)).filter((x) => x > 0 && x < n))].sort((a, b) => a - b);
        const p = batch(mode, n, c, seed, { ignore: true });
        const whole = focalLoss(p);
        const merger = new ResultMerger(mode, p.c);
        const bounds = [0, ...cuts, n];
        for (let i = 0; i + 1 < bounds.length; i++) {
          const r = focalLoss(slice(p, bounds[i], bounds[i + 1]));
          merger.add({ lossSum: r.lossSum, count: r.count, stats: r.stats });
        }
        const m = merger.finish({ reduction: 'mean', normalizer: null, n, classNames: null });
        return Math.abs(m.loss - whole.loss) <= 1e-12 * Math.abs(whole.loss) && m.count === whole.count;
      },
    ),
    { numRuns: 300 },
  );
});

t.test('every multiclass row ignored: the mean is 0, not NaN', async (t) => {
  const merger = new ResultMerger('multiclass', 2);
  merger.add({ lossSum: 0, count: 0, stats: emptyRawStats('multiclass', 2) });
  const m = merger.finish({ reduction: 'mean', normalizer: null, n: 4, classNames: ['a', 'b'] });
  t.same([m.loss, m.count, m.denominator, m.gradientScale, m.stats.accuracy], [0, 0, 0, 0, 0]);
  t.same(
    m.stats.classes.map((k) => k.name),
    ['a', 'b'],
  );
});

t.test('the reduction rules', async (t) => {
  t.equal(lossDenominator('mean', null, 8), 8);
  t.equal(lossDenominator('mean', 2.5, 8), 2.5);
  t.equal(lossDenominator('sum', 2.5, 8), 1);
  t.equal(reduceLossSum('mean', 6, 3), 2);
  t.equal(reduceLossSum('none', 6, 1), 6);
  t.equal(gradientScale('mean', 4), 0.25);
  t.equal(gradientScale('sum', 4), 1);
});

t.test('raw counters survive a round trip through a reported stats object', async (t) => {
  for (const mode of ['multilabel', 'multiclass'] as const) {
    const r = focalLoss(batch(mode, 50, 3, 11));
    const reported = reportStats(mode, r.stats, r.count, 50);
    t.same(rawStatsFromReport(mode, reported), r.stats, mode);
  }
  // Calibration and confusion as raw sums again where the report holds them all (one column of bins);
  // Brier and NLL come back as mean x count, so to rounding.
  for (const mode of ['binary', 'multiclass'] as const) {
    const c = mode === 'binary' ? 1 : 4;
    const p = { ...batch(mode, 60, c, 5), evaluation: { calibration: true, confusion: mode === 'multiclass', sweep: [] } };
    const r = evaluatedFocal(p, focalLoss);
    const raw = rawStatsFromReport(mode, reportStats(mode, r.stats, r.count, 60));
    t.same(raw.calibration, r.stats.calibration, `${mode} calibration bins`);
    t.same(raw.confusion, r.stats.confusion, `${mode} confusion`);
    const [brier, nll] = raw.scoreSums as Float64Array;
    const [brierWant, nllWant] = r.stats.scoreSums as Float64Array;
    t.ok(Math.abs(brier - brierWant) <= 1e-14 * brierWant && Math.abs(nll - nllWant) <= 1e-14 * nllWant, `${mode} brier and nll sums`);
  }
  const multilabel = evaluatedFocal(
    { ...batch('multilabel', 20, 3, 6), evaluation: { calibration: true, confusion: false, sweep: [] } },
    focalLoss,
  );
  // Multilabel: the report pools the columns' bins, so they come back as one pooled column (the sum of the
  // kernel's per-column bins), and a report of those has every calibration number but classwise_ece.
  const reported = reportStats('multilabel', multilabel.stats, multilabel.count, 20);
  const pooledRaw = rawStatsFromReport('multilabel', reported);
  const columns = multilabel.stats.calibration as Float64Array;
  const width = CALIBRATION_BINS * BIN_FIELDS;
  const pooled = new Float64Array(width).map((_, i) => columns[i] + columns[i + width] + columns[i + 2 * width]);
  t.same(pooledRaw.calibration, pooled, 'multilabel: one pooled column of bins');
  const again = reportStats('multilabel', pooledRaw, multilabel.count, 20).calibration;
  const { classwise_ece: classwise, ...rest } = reported.calibration as NonNullable<typeof reported.calibration>;
  t.type(classwise, 'number', "the kernel's own per-column bins give classwise_ece");
  t.same(again?.bins, rest.bins);
  t.same([again?.ece, again?.mce], [rest.ece, rest.mce]);
  t.ok(Math.abs((again?.brier ?? 0) - rest.brier) <= 1e-14 * rest.brier, 'brier to rounding (mean x count / count)');
  t.equal(again?.classwise_ece, undefined, 'pooled bins have no classwise_ece to give, rather than a wrong one');
  // Asked for with column bins ("column_calibration"), the report carries each column's own bins: they come back as
  // the kernel's raw bins, column by column, and a report of them is the first report (classwise_ece included).
  const withColumns = reportStats('multilabel', multilabel.stats, multilabel.count, 20, { columnBins: true });
  t.equal(withColumns.calibration?.column_bins?.length, 3, 'one entry per column');
  const columnsRaw = rawStatsFromReport('multilabel', withColumns);
  t.same(columnsRaw.calibration, columns, "the kernel's per-column bins, exactly");
  const { column_bins: _bins, ...merged } =
    reportStats('multilabel', columnsRaw, multilabel.count, 20, { columnBins: true }).calibration ?? {};
  near(t, merged, reported.calibration, 1e-14, 'the same calibration, classwise_ece included');
  t.equal(reported.calibration?.column_bins, undefined, 'column bins only when asked for');
  const a = emptyRawStats('binary', 1);
  t.throws(() => addRawStats(a, emptyRawStats('binary', 2)), /cannot merge stats of 2 classes into 1/);
});
