/**
 * The exactness claim on a file of 1M elements: evaluating it in many chunks (locally on the
 * worker pool, and on the real service with several requests in flight) gives the result of
 * one computation over the whole file within 1e-9 relative (loss, every per-class statistic,
 * every gradient element).
 */
import t, { type Test } from 'tap';
import { focalLoss } from '../../src/kernels/focal.js';
import { reportStats } from 'focal-loss-client/merge';
import { openNpy } from '../../src/files/npy.js';
import { Fixtures, lcg, runCli } from '../helpers/cli.js';
import { startServer } from '../helpers/server-process.js';
import { buildTestApp } from '../helpers/app.js';

const N = 250_000;
const C = 4; // N x C = 1,000,000 logits
const TOLERANCE = 1e-9;

type Json = Record<string, any>;

function worstRelative(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) return Infinity;
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (a !== e) worst = Math.max(worst, Math.abs(a - e) / Math.max(Math.abs(e), 1e-300));
  }
  return worst;
}

/** Every number of the stats, in a fixed order, for an element-wise comparison. */
function statNumbers(out: Json): number[] {
  return [
    out.loss,
    out.stats.count,
    out.stats.accuracy,
    ...out.stats.classes.flatMap((k: Json) => [k.support, k.loss_sum, k.tp, k.fp, k.fn, k.precision, k.recall, k.suggested_alpha]),
    out.meta.count,
    out.meta.denominator,
  ];
}

async function readNpy(file: string): Promise<Float64Array> {
  const src = await openNpy(file);
  const all = Float64Array.from(await src.read(src.rows));
  await src.close();
  return all;
}

const fx = await Fixtures.create(t);
const rand = lcg(2024);
const logits = Float32Array.from({ length: N * C }, () => (rand() - 0.5) * 12);
const labels = BigInt64Array.from({ length: N }, () => (rand() < 0.05 ? -100n : BigInt(Math.floor(rand() * C))));
const weights = Float64Array.from({ length: N }, () => 0.5 + rand());
const files = [
  '--mode',
  'multiclass',
  '--gamma',
  '2',
  '--alpha',
  '0.25,0.5,1,2',
  '--ignore-index',
  '-100',
  '--json',
  '--logits',
  await fx.npy('logits.npy', logits, [N, C]),
  '--targets',
  await fx.npy('labels.npy', labels),
  '--weights',
  await fx.npy('weights.npy', weights),
];

// The reference: the kernel over the whole file at once, on this thread.
const whole = focalLoss({
  mode: 'multiclass',
  n: N,
  c: C,
  logits,
  weights,
  alpha: Float64Array.from([0.25, 0.5, 1, 2]),
  gamma: 2,
  labelSmoothing: 0,
  reduction: 'mean',
  normalizer: null,
  wantGradient: true,
  wantLosses: false,
  labels: Int32Array.from(labels, (v) => (v === -100n ? -1 : Number(v))),
  probabilities: null,
});
const wholeStats = {
  loss: whole.loss,
  stats: reportStats('multiclass', whole.stats, whole.count, N),
  meta: { count: whole.count, denominator: whole.denominator },
};

function sameAsWhole(t: Test, out: Json, gradient: Float64Array, what: string) {
  const stats = worstRelative(statNumbers(out), statNumbers(wholeStats));
  t.ok(stats <= TOLERANCE, `${what}: loss and stats within ${TOLERANCE} (worst ${stats})`);
  const grad = worstRelative(gradient, whole.gradient!);
  t.ok(grad <= TOLERANCE, `${what}: gradient within ${TOLERANCE} (worst ${grad})`);
  t.equal(out.meta.n, N);
}

t.test(`local: ${N * C} elements in 26 chunks on the worker pool equal one pass over the file`, async (t) => {
  const app = await buildTestApp(t);
  const run = await runCli(['eval', ...files, '--chunk-rows', '9973', '--gradient-out', fx.path('g-local.npy')], { pool: app.focalPool });
  t.equal(run.code, 0, run.stderr);
  sameAsWhole(t, JSON.parse(run.stdout), await readNpy(fx.path('g-local.npy')), 'local chunked');
});

t.test(`remote: ${N * C} elements in 26 requests, 4 in flight, equal one request over the whole file`, async (t) => {
  const server = await startServer({ MAX_ELEMENTS: String(N * C) });
  t.teardown(() => void server.child.kill('SIGKILL'));
  const chunked = await runCli([
    'eval',
    ...files,
    '--url',
    server.url,
    '--chunk-rows',
    '9973',
    '--concurrency',
    '4',
    '--gradient-out',
    fx.path('g-remote.npy'),
  ]);
  t.equal(chunked.code, 0, chunked.stderr);
  const single = await runCli([
    'eval',
    ...files,
    '--url',
    server.url,
    '--chunk-rows',
    String(N),
    '--gradient-out',
    fx.path('g-single.npy'),
  ]);
  t.equal(single.code, 0, single.stderr);
  const one = JSON.parse(single.stdout);
  const many = JSON.parse(chunked.stdout);
  t.ok(worstRelative(statNumbers(many), statNumbers(one)) <= TOLERANCE, 'chunked requests = one request: loss and stats');
  t.ok(worstRelative(await readNpy(fx.path('g-remote.npy')), await readNpy(fx.path('g-single.npy'))) <= TOLERANCE, 'and gradient');
  sameAsWhole(t, many, await readNpy(fx.path('g-remote.npy')), 'remote chunked');
  server.child.kill('SIGTERM');
  await server.exited;
});
