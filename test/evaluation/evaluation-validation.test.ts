/**
 * The evaluation fields' rules, through POST /loss: a bad class_balance_beta, sweep or confusion
 * request is a 400 problem naming the field and the reason; `"confusion"` alone brings the stats
 * it is part of; and a problem with no evaluation fields answers as before.
 */
import t from 'tap';
import { buildTestApp, postLoss, SLOW_START } from '../helpers/app.js';
import { expectBadRequests, type BadCase } from '../helpers/bad-requests.js';

const binary = { mode: 'binary', logits: [0.5, -1, 2], targets: [1, 0, 1] };
const multiclass = {
  mode: 'multiclass',
  logits: [
    [1, 2, 3],
    [0, 0, 1],
  ],
  targets: [2, 0],
};
const wide = { mode: 'multiclass', logits: [new Array(1001).fill(0)], targets: [3] };

const cases: BadCase[] = [
  { name: 'class_balance_beta 1', body: { ...binary, class_balance_beta: 1 }, pointer: '#/class_balance_beta', detail: /must be < 1/ },
  {
    name: 'class_balance_beta < 0',
    body: { ...binary, class_balance_beta: -0.1 },
    pointer: '#/class_balance_beta',
    detail: /must be >= 0/,
  },
  {
    name: 'confusion in binary mode',
    body: { ...binary, outputs: ['loss', 'confusion'] },
    pointer: '#/outputs',
    detail: /only to multiclass mode/,
  },
  {
    name: 'confusion for C > 1000',
    body: { ...wide, outputs: ['stats', 'confusion'] },
    pointer: '#/outputs',
    detail: /at most 1000 classes; this batch has C = 1001/,
  },
  {
    name: 'a sweep with reduction none',
    body: { ...multiclass, reduction: 'none', sweep: { gamma: [0, 1] } },
    pointer: '#/sweep',
    detail: /reduction "mean" or "sum"/,
  },
  {
    name: 'a sweep of 9 x 8 settings',
    body: { ...binary, sweep: { gamma: [0, 1, 2, 3, 4, 5, 6, 7, 8], alpha: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8] } },
    pointer: '#/sweep',
    detail: /9 x 8 = 72 settings; at most 64/,
  },
  { name: 'a sweep gamma above 20', body: { ...binary, sweep: { gamma: [21] } }, pointer: '#/sweep/gamma/0', detail: /must be <= 20/ },
  {
    name: 'a sweep alpha above 1',
    body: { ...binary, sweep: { alpha: [1.5] } },
    pointer: '#/sweep/alpha/0',
    detail: /must be <= 1|must be null/,
  },
  { name: 'an empty sweep list', body: { ...binary, sweep: { gamma: [] } }, pointer: '#/sweep/gamma', detail: /fewer than 1/ },
  {
    name: 'a sweep with the asymmetric loss',
    body: { mode: 'multilabel', logits: [[0.5, -1]], targets: [[1, 0]], variant: 'asymmetric', sweep: { alpha: [0.25] } },
    pointer: '#/sweep',
    detail: /only with one gamma/,
  },
  {
    name: 'a sweep with a gamma per class',
    body: { ...multiclass, gamma: [1, 2, 3], sweep: { gamma: [0, 1] } },
    pointer: '#/sweep',
    detail: /only with one gamma/,
  },
  { name: 'an unknown sweep field', body: { ...binary, sweep: { beta: [1] } }, pointer: '#/sweep/beta', detail: /not a known field/ },
];

t.test('bad evaluation fields get a 400 problem naming the field', async (t) => {
  const app = await buildTestApp(t, SLOW_START);
  await expectBadRequests(t, app, cases);
});

t.test('a Poly-1 sweep: each entry is the Poly-1 loss of the request at that gamma', async (t) => {
  const app = await buildTestApp(t, SLOW_START);
  const poly = { ...multiclass, variant: 'poly1', epsilon: 0.5 };
  const swept = await postLoss(app, { ...poly, sweep: { gamma: [0, 1.5] } });
  t.equal(swept.status, 200);
  for (const [s, gamma] of [0, 1.5].entries()) {
    const alone = await postLoss(app, { ...poly, gamma, outputs: ['loss'] });
    t.equal(swept.body.sweep[s].loss, alone.body.loss, `gamma ${gamma}`);
  }
  const focal = await postLoss(app, { ...multiclass, gamma: 0, outputs: ['loss'] });
  t.not(swept.body.sweep[0].loss, focal.body.loss, 'not the plain focal loss');
});

t.test('"confusion" alone returns the stats with the matrix; without it there is none', async (t) => {
  const app = await buildTestApp(t, SLOW_START);
  const res = await postLoss(app, { ...multiclass, outputs: ['confusion'] });
  t.equal(res.status, 200);
  t.same(
    res.body.stats.confusion,
    [
      [0, 0, 1],
      [0, 0, 0],
      [0, 0, 1],
    ],
    'confusion[true][predicted]',
  );
  t.ok(res.body.stats.calibration, 'the stats it is part of come with it');
  const plain = await postLoss(app, multiclass);
  t.equal(plain.body.stats.confusion, undefined, 'not part of the default stats');
  t.ok(plain.body.stats.calibration && plain.body.stats.averages, 'calibration and averages are');
  t.equal(plain.body.sweep, undefined, 'no sweep unless asked for');
  const bare = await postLoss(app, { ...multiclass, outputs: ['loss'] });
  t.same(Object.keys(bare.body).sort(), ['loss', 'meta'], 'no stats asked: none computed or sent');
});

t.test('the confusion matrix and the sweep count in the answer size bound (422 answer-too-large before any work)', async (t) => {
  const app = await buildTestApp(t, { RESPONSE_LIMIT: '200000', ...SLOW_START });
  const c = 100;
  const body = { mode: 'multiclass', logits: [new Array(c).fill(0), new Array(c).fill(1)], targets: [0, 1], outputs: ['loss', 'stats'] };
  t.equal((await postLoss(app, body)).status, 200, 'the stats of 100 classes fit');
  const confusion = await postLoss(app, { ...body, outputs: ['loss', 'confusion'] });
  t.equal(confusion.status, 422, '100 x 100 counts more do not');
  t.match(confusion.body.detail, /\(stats, confusion\), more than RESPONSE_LIMIT/);
  const sweep = await postLoss(app, {
    ...body,
    sweep: { gamma: [0, 1, 2, 3, 4, 5, 6, 7], alpha: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8] },
  });
  t.equal(sweep.status, 422, '64 settings of 100 class sums do not');
  t.match(sweep.body.detail, /\(stats, sweep\)/);
});

t.test('logits at the edge of float64: whose loss is finite have a finite nll too (its sum is kept scaled)', async (t) => {
  const app = await buildTestApp(t, SLOW_START);
  // Two element NLLs of 1e308 and 1.7e308 overflow as a plain sum; their mean does not.
  const res = await postLoss(app, { mode: 'binary', logits: [1e308, -1.7e308, 0.5], targets: [0, 1, 1], gamma: 0.5, reduction: 'sum' });
  t.equal(res.status, 200);
  const softplus = Math.log1p(Math.exp(-0.5)); // -log sigmoid(0.5)
  const nll = 1e308 / 3 + 1.7e308 / 3 + softplus / 3;
  t.ok(Math.abs(res.body.stats.calibration.nll - nll) <= 1e-12 * nll, `nll ${res.body.stats.calibration.nll} = ${nll}`);
  const brier = (1 + 1 + (1 / (1 + Math.exp(-0.5)) - 1) ** 2) / 3;
  t.ok(Math.abs(res.body.stats.calibration.brier - brier) <= 1e-15, 'brier: p is exactly 1 and 0 at the edges');
});
