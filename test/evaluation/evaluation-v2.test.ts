/**
 * The evaluation statistics over the Open Inference Protocol: every cases-evaluation.json case sent
 * to /v2/models/{model}/infer (JSON and binary tensor data), with its class_balance_beta and sweep
 * as parameters, returns class_f1, class_tn, calibration_bins, ece, mce, brier, nll, confusion and
 * sweep_loss equal to the reference (through POST /loss's shape), and the new parameters' rules.
 */
import t from 'tap';
import { buildTestApp, postLoss, SLOW_START } from '../helpers/app.js';
import { compareToExpected, loadCases } from '../helpers/reference-cases.js';
import { inferBinary, inferJson, MODEL_OF_MODE, outputsByName, toInferenceRequest } from '../helpers/oip.js';

const cases = loadCases('cases-evaluation.json');
const EVALUATION_OUTPUTS = ['loss', 'class_tn', 'class_f1', 'class_suggested_alpha', 'calibration_bins', 'ece', 'mce', 'brier', 'nll'];

/** The case's sweep as parameters: comma-separated gammas and alphas ("none" for null). */
function sweepParameters(sweep: { gamma?: number[]; alpha?: (number | null)[] } | undefined): Record<string, string> {
  if (sweep === undefined) return {};
  const out: Record<string, string> = {};
  if (sweep.gamma !== undefined) out.sweep_gamma = sweep.gamma.join(',');
  if (sweep.alpha !== undefined) out.sweep_alpha = sweep.alpha.map((a) => (a === null ? 'none' : String(a))).join(',');
  return out;
}

t.test('cases-evaluation.json through /v2 infer: every evaluation output as the reference says', async (t) => {
  const app = await buildTestApp(t, SLOW_START);
  for (const c of cases) {
    const r = c.request as Record<string, any>;
    const multiclass = r.mode === 'multiclass';
    const names = [...EVALUATION_OUTPUTS, ...(multiclass ? ['confusion'] : []), ...(r.sweep !== undefined ? ['sweep_loss'] : [])];
    for (const form of ['json', 'binary'] as const) {
      const { header, chunks } = toInferenceRequest(r, form);
      header.parameters = { ...header.parameters, class_balance_beta: r.class_balance_beta, ...sweepParameters(r.sweep) };
      header.outputs = names.map((name) => ({ name }));
      const reply =
        form === 'json'
          ? await inferJson(app, MODEL_OF_MODE[r.mode], header)
          : await inferBinary(app, MODEL_OF_MODE[r.mode], header, chunks);
      t.equal(reply.status, 200, `${c.name} (${form}): 200`);
      const o = outputsByName(reply);
      const e = c.expected as Record<string, any>;
      const classes = e.stats.classes as Record<string, number | null>[];
      const calibration = e.stats.calibration;
      const bins = calibration.bins.map((b: Record<string, number>) => Object.values(b));
      const actual = {
        loss: o.loss.data[0],
        tn: o.class_tn.data,
        f1: o.class_f1.data,
        suggested_alpha: o.class_suggested_alpha.data,
        bins: o.calibration_bins.data,
        ece: o.ece.data[0],
        mce: o.mce.data[0],
        brier: o.brier.data[0],
        nll: o.nll.data[0],
        ...(multiclass ? { confusion: o.confusion.data } : {}),
        ...(e.sweep !== undefined ? { sweep: o.sweep_loss.data } : {}),
      };
      const expected = {
        loss: e.loss,
        tn: classes.map((k) => k.tn),
        f1: classes.map((k) => k.f1),
        // A null class weight is 0 in a tensor.
        suggested_alpha: classes.map((k) => k.suggested_alpha ?? 0),
        bins: bins.flat(),
        ece: calibration.ece,
        mce: calibration.mce,
        brier: calibration.brier,
        nll: calibration.nll,
        ...(multiclass ? { confusion: e.stats.confusion.flat() } : {}),
        ...(e.sweep !== undefined ? { sweep: e.sweep.map((s: { loss: number }) => s.loss) } : {}),
      };
      t.same(compareToExpected(actual, expected), [], `${c.name} (${form}): within tolerance`);
      t.same(o.calibration_bins.shape, [15, 3], 'calibration_bins [15, 3]');
      if (multiclass) t.same(o.confusion.shape, [classes.length, classes.length], 'confusion [C, C]');
      if (r.sweep !== undefined) t.same(o.sweep_loss.shape, [r.sweep.gamma?.length ?? 1, r.sweep.alpha?.length ?? 1], 'sweep_loss [G, A]');
      if (multiclass) t.equal(o.confusion.datatype, 'INT64', 'confusion counts are INT64');
    }
  }
});

t.test("multilabel over /v2: classwise_ece, and each label's own bins when named (as POST /loss gives them)", async (t) => {
  const app = await buildTestApp(t, SLOW_START);
  const multilabel = cases.filter((c) => (c.request as Record<string, unknown>).mode === 'multilabel');
  t.ok(multilabel.length > 0, 'the reference has multilabel cases');
  for (const c of multilabel) {
    const r = c.request as Record<string, any>;
    const e = c.expected as Record<string, any>;
    const viaLoss = await postLoss(app, { ...r, outputs: ['loss', 'column_calibration'] });
    t.equal(viaLoss.status, 200, `${c.name}: POST /loss 200`);
    const columns = viaLoss.body.stats.calibration.column_bins as number[][][];
    for (const form of ['json', 'binary'] as const) {
      const { header, chunks } = toInferenceRequest(r, form);
      header.parameters = { ...header.parameters, class_balance_beta: r.class_balance_beta };
      header.outputs = ['classwise_ece', 'calibration_bins', 'column_calibration_bins'].map((name) => ({ name }));
      const reply =
        form === 'json'
          ? await inferJson(app, 'focal_loss_multilabel', header)
          : await inferBinary(app, 'focal_loss_multilabel', header, chunks);
      t.equal(reply.status, 200, `${c.name} (${form}): 200`);
      const o = outputsByName(reply);
      t.same(compareToExpected(o.classwise_ece.data[0], e.stats.calibration.classwise_ece), [], `${c.name} (${form}): classwise_ece`);
      t.same(o.column_calibration_bins.shape, [columns.length, 15, 3], `${c.name} (${form}): [C, 15, 3]`);
      t.same(o.column_calibration_bins.data, columns.flat(2), `${c.name} (${form}): the bins POST /loss gives`);
      const summed = o.calibration_bins.data.map((_, i) => columns.reduce((a, col) => a + col[Math.floor(i / 3)][i % 3], 0));
      t.same(compareToExpected(o.calibration_bins.data, summed), [], `${c.name} (${form}): calibration_bins is their sum`);
    }
  }
  const everything = await inferJson(app, 'focal_loss_multilabel', {
    inputs: [
      { name: 'logits', shape: [2, 2], datatype: 'FP64', data: [1, -1, 0.5, 2] },
      { name: 'targets', shape: [2, 2], datatype: 'FP64', data: [1, 0, 0, 1] },
    ],
  });
  t.equal(everything.status, 200);
  const names = Object.keys(outputsByName(everything));
  t.ok(names.includes('classwise_ece') && !names.includes('column_calibration_bins'), 'every output but the per-label bins unless named');
  const binary = await inferJson(app, 'focal_loss_binary', {
    inputs: [
      { name: 'logits', shape: [2], datatype: 'FP64', data: [1, -1] },
      { name: 'targets', shape: [2], datatype: 'FP64', data: [1, 0] },
    ],
    outputs: [{ name: 'column_calibration_bins' }],
  });
  t.equal(binary.status, 400, 'only the multilabel model has per-label bins');
  t.match(binary.body.error, /unknown output "column_calibration_bins"/);
});

t.test('sweep and confusion rules over /v2', async (t) => {
  const app = await buildTestApp(t, SLOW_START);
  const inputs = [
    { name: 'logits', shape: [2, 3], datatype: 'FP64', data: [1, 2, 3, 0, 0, 1] },
    { name: 'targets', shape: [2], datatype: 'INT64', data: [2, 0] },
  ];
  const own = await inferJson(app, 'focal_loss_multiclass', {
    inputs,
    parameters: { gamma: 1.5 },
    outputs: [{ name: 'loss' }, { name: 'sweep_loss' }],
  });
  t.equal(own.status, 200);
  t.same(
    outputsByName(own).sweep_loss,
    { datatype: 'FP64', shape: [1, 1], data: outputsByName(own).loss.data },
    "no sweep parameters: the request's own setting, [1, 1]",
  );

  const bad = [
    { parameters: { sweep_gamma: '0,x' }, match: /sweep_gamma/ },
    { parameters: { sweep_gamma: '25' }, match: /sweep_gamma: each gamma must be in \[0, 20\]/ },
    { parameters: { sweep_alpha: '0.5,1.5' }, match: /sweep_alpha: each alpha must be a number in \[0, 1\] or none/ },
    { parameters: { sweep_gamma: '0,1', reduction: 'none' }, match: /sweep_gamma and sweep_alpha.*reduction "mean" or "sum"/ },
    { parameters: { sweep_gamma: Array.from({ length: 65 }, (_, i) => i / 10).join(',') }, match: /65 x 1 = 65 settings; at most 64/ },
    { parameters: { class_balance_beta: 1 }, match: /class_balance_beta/ },
  ];
  for (const b of bad) {
    const res = await inferJson(app, 'focal_loss_multiclass', { inputs, parameters: b.parameters });
    t.equal(res.status, 400, `${JSON.stringify(b.parameters)}: 400`);
    t.match(res.body.error, b.match, `${JSON.stringify(b.parameters)}: says which parameter and why`);
  }
  const binary = await inferJson(app, 'focal_loss_binary', {
    inputs: [
      { name: 'logits', shape: [2], datatype: 'FP64', data: [1, -1] },
      { name: 'targets', shape: [2], datatype: 'FP64', data: [1, 0] },
    ],
    outputs: [{ name: 'confusion' }],
  });
  t.equal(binary.status, 400, 'the binary model has no confusion output');
  t.match(binary.body.error, /unknown output "confusion"/);
});
