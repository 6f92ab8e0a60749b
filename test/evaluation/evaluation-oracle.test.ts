/**
 * The evaluation statistics and the sweep against an independent implementation written from the
 * contract (test/helpers/naive-evaluation.ts, plain loops), on random batches in every mode and
 * target form (soft labels, class ids with ignore_index, probability rows, label smoothing,
 * weights, sum and mean), through POST /loss; and every sweep entry against the separate request
 * with that gamma and alpha.
 */
import t from 'tap';
import { buildTestApp, postLoss, SLOW_START } from '../helpers/app.js';
import { compareToExpected } from '../helpers/reference-cases.js';
import { naiveEvaluation, type NaiveEvaluationBatch } from '../helpers/naive-evaluation.js';
import { expectBadRequests } from '../helpers/bad-requests.js';

/** A small seeded generator (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

type Form = 'binary' | 'binary-soft' | 'multilabel' | 'class-ids' | 'class-ids-ignored' | 'probability-rows';
const FORMS: Form[] = ['binary', 'binary-soft', 'multilabel', 'class-ids', 'class-ids-ignored', 'probability-rows'];

/** A random batch of a form, and its POST /loss body. */
function randomCase(form: Form, rnd: () => number): { batch: NaiveEvaluationBatch; body: Record<string, unknown> } {
  const mode = form.startsWith('binary') ? 'binary' : form === 'multilabel' ? 'multilabel' : 'multiclass';
  const n = 20 + Math.floor(rnd() * 200);
  const c = mode === 'binary' ? 1 : 2 + Math.floor(rnd() * 6);
  const logits = Array.from({ length: n * c }, () => Math.round((rnd() * 12 - 6) * 1e6) / 1e6);
  let targets: number[];
  if (mode !== 'multiclass') {
    // Rare positives in some columns, soft labels in binary-soft.
    const share = Array.from({ length: c }, () => rnd() * 0.6);
    targets = logits.map((_, i) => (form === 'binary-soft' ? Math.round(rnd() * 10) / 10 : rnd() < share[i % c] ? 1 : 0));
  } else if (form === 'probability-rows') {
    targets = [];
    for (let i = 0; i < n; i++) {
      const raw = Array.from({ length: c }, () => rnd() ** 3);
      const total = raw.reduce((a, b) => a + b, 0);
      targets.push(...raw.map((v) => v / total));
    }
  } else {
    // Class c - 1 never occurs in some batches: support 0, null weights.
    const classes = rnd() < 0.5 ? c - 1 : c;
    targets = Array.from({ length: n }, () => (form === 'class-ids-ignored' && rnd() < 0.2 ? -100 : Math.floor(rnd() * classes)));
  }
  const weights = rnd() < 0.5 ? Array.from({ length: n }, () => Math.round(rnd() * 300) / 100) : null;
  const gamma = [0, 0.5, 1, 2, 3.3][Math.floor(rnd() * 5)];
  const alpha =
    mode === 'multiclass'
      ? rnd() < 0.5
        ? null
        : Array.from({ length: c }, () => Math.round(rnd() * 200) / 100)
      : Math.round(rnd() * 100) / 100;
  const eps = rnd() < 0.3 ? 0.1 : 0;
  const reduction = rnd() < 0.5 ? 'mean' : 'sum';
  const beta = [0, 0.9, 0.99, 0.999, 0.9999][Math.floor(rnd() * 5)];
  const sweep = { gamma: [0, 1.5, 2], alpha: [null, 0.25] };
  const rows = (v: number[]) => (mode === 'binary' ? v : Array.from({ length: n }, (_, i) => v.slice(i * c, (i + 1) * c)));
  const classIds = mode === 'multiclass' && form !== 'probability-rows';
  const body: Record<string, unknown> = {
    mode,
    logits: rows(logits),
    targets: classIds ? targets : rows(targets),
    gamma,
    alpha,
    label_smoothing: eps,
    reduction,
    class_balance_beta: beta,
    outputs: mode === 'multiclass' ? ['loss', 'stats', 'confusion'] : ['loss', 'stats'],
    sweep,
  };
  if (weights !== null) body.weights = weights;
  if (form === 'class-ids-ignored') body.ignore_index = -100;
  const batch: NaiveEvaluationBatch = {
    mode,
    n,
    c,
    logits,
    targets,
    classIds,
    weights,
    alpha: alpha === null ? null : typeof alpha === 'number' ? new Array(c).fill(alpha) : alpha,
    gamma,
    eps,
    reduction,
    ignoreIndex: form === 'class-ids-ignored' ? -100 : null,
    beta,
    sweep,
  };
  return { batch, body };
}

t.test('random batches in every mode: stats and sweep equal the independent implementation', async (t) => {
  const app = await buildTestApp(t, SLOW_START);
  const rnd = random(15);
  for (const form of FORMS) {
    for (let run = 0; run < 4; run++) {
      const { batch, body } = randomCase(form, rnd);
      const res = await postLoss(app, body);
      t.equal(res.status, 200, `${form} #${run}: 200`);
      const expected = naiveEvaluation(batch);
      t.same(compareToExpected(res.body.stats, expected.stats), [], `${form} #${run}: stats within tolerance`);
      t.same(compareToExpected(res.body.sweep, expected.sweep), [], `${form} #${run}: sweep within tolerance`);
    }
  }
});

t.test('multilabel with "column_calibration": each label\'s own bins, as the independent implementation bins them', async (t) => {
  const app = await buildTestApp(t, SLOW_START);
  const rnd = random(17);
  for (let run = 0; run < 4; run++) {
    const { batch, body } = randomCase('multilabel', rnd);
    const res = await postLoss(app, { ...body, outputs: ['loss', 'column_calibration'] });
    t.equal(res.status, 200, `#${run}: 200`);
    const expected = naiveEvaluation(batch);
    const { column_bins: columnBins, ...calibration } = res.body.stats.calibration;
    t.same(compareToExpected(columnBins, expected.columnBins), [], `#${run}: ${batch.c} columns of bins within tolerance`);
    t.same(compareToExpected(calibration, expected.stats.calibration as object), [], `#${run}: the rest of the calibration`);
    t.ok(res.body.stats.classes.length === batch.c, `#${run}: "column_calibration" implies stats`);
  }
  const outputs = ['loss', 'column_calibration'];
  await expectBadRequests(t, app, [
    {
      name: 'binary',
      body: { mode: 'binary', logits: [0.5, -1], targets: [1, 0], outputs },
      pointer: '#/outputs',
      detail: /"column_calibration" applies only to multilabel mode \(a binary batch has one column/,
    },
    {
      name: 'multiclass',
      body: { mode: 'multiclass', logits: [[0.5, -1]], targets: [1], outputs },
      pointer: '#/outputs',
      detail: /"column_calibration" applies only to multilabel mode \(multiclass calibrates rows/,
    },
  ]);
});

t.test('each sweep entry equals the separate request with that gamma and alpha, to the last bit', async (t) => {
  const app = await buildTestApp(t, SLOW_START);
  const rnd = random(16);
  for (const form of FORMS) {
    const { body } = randomCase(form, rnd);
    const swept = await postLoss(app, { ...body, sweep: { gamma: [0, 0.7, 2, 4.5], alpha: [null, 0.3, 1] } });
    t.equal(swept.status, 200);
    t.equal(swept.body.sweep.length, 12, `${form}: 4 x 3 settings`);
    for (const entry of swept.body.sweep) {
      const { sweep: _sweep, ...single } = body;
      const res = await postLoss(app, { ...single, gamma: entry.gamma, alpha: entry.alpha, outputs: ['loss', 'stats'] });
      t.equal(entry.loss, res.body.loss, `${form} gamma ${entry.gamma} alpha ${entry.alpha}: loss`);
      t.same(
        entry.class_loss_sum,
        res.body.stats.classes.map((k: { loss_sum: number }) => k.loss_sum),
        `${form}: class_loss_sum`,
      );
    }
  }
  // A list left out is the request's own value (here a per-class alpha list).
  const own = {
    mode: 'multiclass',
    logits: [
      [1, 2, 0],
      [0, 0, 3],
    ],
    targets: [1, 2],
    gamma: 1.5,
    alpha: [0.5, 2, 1],
  };
  const res = await postLoss(app, { ...own, sweep: { alpha: [null] } });
  t.same(
    res.body.sweep.map((e: { gamma: number }) => e.gamma),
    [1.5],
    "gamma left out: the request's gamma",
  );
  const res2 = await postLoss(app, { ...own, sweep: { gamma: [0, 1.5] } });
  t.same(
    res2.body.sweep.map((e: { alpha: unknown }) => e.alpha),
    [
      [0.5, 2, 1],
      [0.5, 2, 1],
    ],
    "alpha left out: the request's alpha list",
  );
  t.equal(res2.body.sweep[1].loss, res2.body.loss, "the request's own setting gives its own loss");
});
