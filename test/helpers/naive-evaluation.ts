/**
 * The contract's evaluation statistics written straight from the reference README's "Evaluation
 * statistics" and "Sweep" sections, with plain loops over rows, Math.exp / Math.log / Math.pow and
 * no code shared with src/: the independent oracle of test/evaluation. Moderate logits only.
 */
import { naiveLosses, type NaiveBatch } from './naive-focal.js';

const BINS = 15;
const bin = (v: number) => Math.min(Math.floor(v * BINS), BINS - 1);
const div = (a: number, b: number) => (b > 0 ? a / b : 0);

export interface NaiveEvaluationBatch extends NaiveBatch {
  /** multiclass class ids only: rows with this target are ignored. */
  ignoreIndex: number | null;
  beta: number;
  /** gamma x alpha settings of a sweep (null: no sweep). */
  sweep: { gamma: number[]; alpha: (number | null)[] } | null;
}

interface Row {
  cls: number;
  pred: number;
  probs: number[];
  y: number[];
}

/** Per multiclass row: class, prediction, softmax and the (unsmoothed) target row; null when ignored. */
function softmaxRows(p: NaiveEvaluationBatch): (Row | null)[] {
  const rows: (Row | null)[] = [];
  for (let i = 0; i < p.n; i++) {
    if (p.classIds && p.targets[i] === p.ignoreIndex) {
      rows.push(null);
      continue;
    }
    const z = p.logits.slice(i * p.c, (i + 1) * p.c);
    const m = Math.max(...z);
    const e = z.map((v) => Math.exp(v - m));
    const total = e.reduce((a, b) => a + b, 0);
    const probs = e.map((v) => v / total);
    const y = p.classIds ? z.map((_, k) => (k === p.targets[i] ? 1 : 0)) : p.targets.slice(i * p.c, (i + 1) * p.c);
    rows.push({ cls: y.indexOf(Math.max(...y)), pred: z.indexOf(m), probs, y });
  }
  return rows;
}

function calibration(bins: number[][], count: number) {
  let ece = 0;
  let mce = 0;
  for (const [n, value, hit] of bins) {
    if (n === 0) continue;
    const gap = Math.abs(hit / n - value / n);
    ece += (n / count) * gap;
    mce = Math.max(mce, gap);
  }
  return { ece, mce };
}

/** The expected `stats` (and `sweep`) of a request, as the contract defines them. */
export function naiveEvaluation(p: NaiveEvaluationBatch) {
  const sigmoid = p.mode !== 'multiclass';
  const losses = naiveLosses(p);
  const c = p.c;
  const support = new Array(c).fill(0);
  const tp = new Array(c).fill(0);
  const fp = new Array(c).fill(0);
  const fn = new Array(c).fill(0);
  const lossSum = new Array(c).fill(0);
  const confusion = Array.from({ length: c }, () => new Array(c).fill(0));
  const columnBins = Array.from({ length: sigmoid ? c : 1 }, () => Array.from({ length: BINS }, () => [0, 0, 0]));
  let brier = 0;
  let nll = 0;
  let count = 0;
  const rows = sigmoid ? [] : softmaxRows(p);
  if (sigmoid) {
    for (let i = 0; i < p.n; i++) {
      for (let j = 0; j < c; j++) {
        const z = p.logits[i * c + j];
        const y = p.targets[i * c + j];
        const prob = 1 / (1 + Math.exp(-z));
        const pos = y >= 0.5;
        const predicted = z >= 0;
        if (pos) support[j]++;
        if (pos && predicted) tp[j]++;
        if (!pos && predicted) fp[j]++;
        if (pos && !predicted) fn[j]++;
        lossSum[j] += losses[i * c + j];
        const b = columnBins[j][bin(prob)];
        b[0]++;
        b[1] += prob;
        b[2] += pos ? 1 : 0;
        brier += (prob - y) ** 2;
        nll -= y * Math.log(prob) + (1 - y) * Math.log(1 - prob);
        count++;
      }
    }
  } else {
    for (let i = 0; i < p.n; i++) {
      const row = rows[i];
      if (row === null) continue;
      support[row.cls]++;
      lossSum[row.cls] += losses[i];
      if (row.pred === row.cls) tp[row.cls]++;
      else {
        fp[row.pred]++;
        fn[row.cls]++;
      }
      confusion[row.cls][row.pred]++;
      const confidence = Math.max(...row.probs);
      const b = columnBins[0][bin(confidence)];
      b[0]++;
      b[1] += confidence;
      b[2] += row.pred === row.cls ? 1 : 0;
      for (let k = 0; k < c; k++) {
        brier += (row.probs[k] - row.y[k]) ** 2;
        if (row.y[k] > 0) nll -= row.y[k] * Math.log(row.probs[k]);
      }
      count++;
    }
  }

  const perColumn = sigmoid ? p.n : count;
  const r = (x: number) => 1 / Math.log(1.02 + x);
  const effective = (n: number) => (1 - Math.pow(p.beta, n)) / (1 - p.beta);
  // Multiclass weights normalised so that sum_k f_k w_k = 1 over classes with support.
  const normalised = (w: (k: number) => number) => {
    let mean = 0;
    for (let k = 0; k < c; k++) if (support[k] > 0) mean += (support[k] / count) * w(k);
    return (k: number) => (support[k] > 0 ? w(k) / mean : null);
  };
  const suggestedMc = normalised((k) => r(support[k] / count));
  const balancedMc = normalised((k) => 1 / effective(support[k]));
  const classes = support.map((s, k) => {
    const precision = div(tp[k], tp[k] + fp[k]);
    const recall = div(tp[k], tp[k] + fn[k]);
    const neg = p.n - s;
    const both = s > 0 && neg > 0;
    return {
      class: k,
      support: s,
      tp: tp[k],
      fp: fp[k],
      fn: fn[k],
      tn: perColumn - tp[k] - fp[k] - fn[k],
      precision,
      recall,
      f1: div(2 * tp[k], 2 * tp[k] + fp[k] + fn[k]),
      loss_sum: lossSum[k],
      mean_loss: s > 0 ? lossSum[k] / s : null,
      suggested_alpha: sigmoid ? (both ? r(s / p.n) / (r(s / p.n) + r(neg / p.n)) : null) : suggestedMc(k),
      class_balanced_alpha: sigmoid ? (both ? 1 / effective(s) / (1 / effective(s) + 1 / effective(neg)) : null) : balancedMc(k),
    };
  });
  const present = classes.filter((k) => k.support + k.fp > 0);
  const totalSupport = classes.reduce((a, k) => a + k.support, 0);
  const average = (key: 'precision' | 'recall' | 'f1') => ({
    macro: div(
      present.reduce((a, k) => a + k[key], 0),
      present.length,
    ),
    weighted: div(
      classes.reduce((a, k) => a + k.support * k[key], 0),
      totalSupport,
    ),
  });
  const [pr, rc, f1] = [average('precision'), average('recall'), average('f1')];

  const pooled = Array.from({ length: BINS }, (_, b) => [0, 1, 2].map((f) => columnBins.reduce((a, col) => a + col[b][f], 0)));
  const [value, hit] = sigmoid ? ['probability_sum', 'positive_sum'] : ['confidence_sum', 'correct_sum'];
  const stats: Record<string, unknown> = {
    count,
    classes,
    averages: {
      macro: { precision: pr.macro, recall: rc.macro, f1: f1.macro },
      weighted: { precision: pr.weighted, recall: rc.weighted, f1: f1.weighted },
    },
    calibration: {
      bins: pooled.map(([n, v, h]) => ({ count: n, [value]: v, [hit]: h })),
      ...calibration(pooled, count),
      brier: div(brier, count),
      nll: div(nll, count),
      ...(p.mode === 'multilabel' ? { classwise_ece: columnBins.reduce((a, col) => a + calibration(col, p.n).ece, 0) / c } : {}),
    },
  };
  if (!sigmoid) stats.confusion = confusion;

  let sweep: unknown[] | undefined;
  if (p.sweep !== null) {
    sweep = [];
    for (const gamma of p.sweep.gamma) {
      for (const alpha of p.sweep.alpha) {
        const q = { ...p, gamma, alpha: alpha === null ? null : new Array(c).fill(alpha) };
        const l = naiveLosses(q);
        const classLoss = new Array(c).fill(0);
        let sum = 0;
        for (let i = 0; i < p.n; i++) {
          if (sigmoid) {
            for (let j = 0; j < c; j++) {
              classLoss[j] += l[i * c + j];
              sum += l[i * c + j];
            }
          } else if (rows[i] !== null) {
            classLoss[rows[i]!.cls] += l[i];
            sum += l[i];
          }
        }
        sweep.push({ gamma, alpha, loss: p.reduction === 'mean' ? div(sum, count) : sum, class_loss_sum: classLoss });
      }
    }
  }
  // Each column's own bins [b][count, value sum, hit sum] (multilabel: stats.calibration.column_bins).
  return { stats, sweep, columnBins };
}
