/**
 * `focal-loss eval` with .npy files of rank 3 to 5 (dense shapes, class axis 1): chunks of whole
 * samples computed locally and on the service (--url, both wires), with the gradient written in the
 * logits' shape and the losses answered in the targets' (multiclass) or the logits' shape. The
 * expected answer is the same problem written by this test as 2-D files [N*S, C] (moved with its
 * own loops) and evaluated the ordinary way, its gradient and losses moved back.
 */
import t, { type Test } from 'tap';
import { readFile } from 'node:fs/promises';
import { Fixtures, lcg, near, runCli, sharedPool, type Json } from '../helpers/cli.js';
import { startServer } from '../helpers/server-process.js';
import { openNpy } from '../../src/files/npy.js';

const fx = await Fixtures.create(t);
const pool = sharedPool(t);

interface DenseFiles {
  name: string;
  mode: 'binary' | 'multilabel' | 'multiclass';
  dense: string[];
  rows: string[];
  n: number;
  c: number;
  spatial: number[];
}

/** [N, C, S] -> [N*S, C] (or the reverse with back = true), the test's own loops. */
function move<T extends Float64Array | Int32Array | Uint8Array>(a: T, n: number, c: number, s: number, back = false): T {
  const out = new (a.constructor as new (l: number) => T)(a.length);
  for (let i = 0; i < n; i++)
    for (let p = 0; p < s; p++)
      for (let k = 0; k < c; k++) {
        const dense = (i * c + k) * s + p;
        const row = (i * s + p) * c + k;
        if (back) out[dense] = a[row];
        else out[row] = a[dense];
      }
  return out;
}

async function filesFor(
  name: string,
  mode: DenseFiles['mode'],
  n: number,
  c: number,
  spatial: number[],
  form: 'ids' | 'probabilities' | 'labels',
) {
  const rand = lcg(name.length * 7919 + n);
  const s = spatial.reduce((a, b) => a * b, 1);
  const logitsShape = mode === 'binary' ? [n, ...spatial] : [n, c, ...spatial];
  const logits = Float64Array.from({ length: n * c * s }, () => (rand() - 0.5) * 10);
  const weights = Float64Array.from({ length: n }, () => 0.5 + rand());
  const dense = ['--logits', await fx.npy(`${name}-z.npy`, logits, logitsShape), '--weights', await fx.npy(`${name}-w.npy`, weights)];
  const rows = [
    '--logits',
    await fx.npy(`${name}-z2.npy`, move(logits, n, c, s), mode === 'binary' ? [n * s] : [n * s, c]),
    '--weights',
    await fx.npy(
      `${name}-w2.npy`,
      Float64Array.from({ length: n * s }, (_, r) => weights[Math.floor(r / s)]),
    ),
  ];
  if (form === 'ids') {
    const ids = Int32Array.from({ length: n * s }, () => Math.floor(rand() * c));
    dense.push('--targets', await fx.npy(`${name}-y.npy`, ids, [n, ...spatial]));
    rows.push('--targets', await fx.npy(`${name}-y2.npy`, ids));
  } else if (form === 'probabilities') {
    const p = new Float64Array(n * c * s);
    for (let r = 0; r < n * s; r++) {
      const v = Array.from({ length: c }, () => rand());
      const sum = v.reduce((a, b) => a + b, 0);
      v.forEach((e, k) => (p[r * c + k] = e / sum));
    }
    dense.push('--targets', await fx.npy(`${name}-y.npy`, move(p, n, c, s, true), logitsShape));
    rows.push('--targets', await fx.npy(`${name}-y2.npy`, p, [n * s, c]));
  } else {
    const y = Uint8Array.from({ length: n * c * s }, () => +(rand() < 0.4));
    dense.push('--targets', await fx.npy(`${name}-y.npy`, y, logitsShape));
    rows.push('--targets', await fx.npy(`${name}-y2.npy`, move(y, n, c, s), mode === 'binary' ? [n * s] : [n * s, c]));
  }
  return { name, mode, dense, rows, n, c, spatial };
}

const cases: DenseFiles[] = [
  await filesFor('seg', 'multiclass', 3, 4, [5, 6], 'ids'), // [N, C, H, W], rank 4
  await filesFor('soft', 'multiclass', 2, 3, [2, 3, 4], 'probabilities'), // rank 5
  await filesFor('ml', 'multilabel', 3, 3, [7], 'labels'), // rank 3
  await filesFor('bin', 'binary', 4, 1, [3, 5], 'labels'), // [N, H, W], rank 3
];

const flatten = (v: unknown): number[] => (Array.isArray(v) ? v.flatMap(flatten) : [v as number]);

async function readNpy(file: string): Promise<{ shape: number[]; values: Float64Array }> {
  const source = await openNpy(file);
  const values = (await source.read(source.rows)) as Float64Array;
  await source.close();
  return { shape: source.shape as number[], values };
}

/** The 2-D evaluation of a case: its JSON and its gradient moved back to the dense layout. */
async function expected(d: DenseFiles, extra: string[]) {
  const s = d.spatial.reduce((a, b) => a * b, 1);
  const run = await runCli(['eval', '--mode', d.mode, '--json', ...d.rows, ...extra, '--gradient-out', fx.path(`${d.name}-g2.npy`)], {
    pool,
  });
  if (run.code !== 0) throw new Error(run.stderr);
  const out = JSON.parse(run.stdout) as Json;
  const gradient = move((await readNpy(fx.path(`${d.name}-g2.npy`))).values, d.n, d.c, s, true);
  const losses = out.losses === undefined ? undefined : Float64Array.from(flatten(out.losses));
  return { out, gradient, losses: losses !== undefined && d.mode === 'multilabel' ? move(losses, d.n, d.c, s, true) : losses };
}

async function checkRun(t: Test, d: DenseFiles, args: string[], extra: string[], tag: string): Promise<void> {
  const gradientFile = fx.path(`${d.name}-${tag}-g.npy`);
  const run = await runCli(['eval', '--mode', d.mode, '--json', ...d.dense, ...extra, ...args, '--gradient-out', gradientFile], { pool });
  t.equal(run.code, 0, run.stderr);
  const out = JSON.parse(run.stdout) as Json;
  const want = await expected(d, extra);
  const logitsShape = d.mode === 'binary' ? [d.n, ...d.spatial] : [d.n, d.c, ...d.spatial];
  const g = await readNpy(gradientFile);
  t.same(g.shape, logitsShape, `${tag}: the gradient file has the logits' shape`);
  near(t, Array.from(g.values), Array.from(want.gradient), 1e-12, `${tag} gradient`);
  near(t, out.loss, want.out.loss, 1e-12, `${tag} loss`);
  // Remote multilabel chunks ask for "column_calibration": the merge has each label's own bins, so
  // classwise_ece too, as one request has it.
  near(t, out.stats, want.out.stats, 1e-12, `${tag} stats`);
  t.equal(out.meta.count, want.out.meta.count, `${tag}: count (positions)`);
  if (want.losses !== undefined) {
    const lossesShape = d.mode === 'multiclass' ? [d.n, ...d.spatial] : logitsShape;
    const shapeOf = (v: unknown): number[] => (Array.isArray(v) ? [v.length, ...shapeOf(v[0])] : []);
    t.same(shapeOf(out.losses), lossesShape, `${tag}: losses in the ${d.mode === 'multiclass' ? "targets'" : "logits'"} shape`);
    near(t, flatten(out.losses), Array.from(want.losses), 1e-12, `${tag} losses`);
  }
}

t.test('dense .npy files, local: chunks of whole samples, gradient and losses in the input shapes', async (t) => {
  for (const d of cases) {
    // --chunk-rows below one sample still makes chunks of one whole sample.
    await checkRun(t, d, ['--chunk-rows', '7'], ['--reduction', 'none', '--gamma', '2'], `${d.name} local`);
    await checkRun(t, d, [], ['--gamma', '1.5'], `${d.name} local mean`);
  }
});

t.test('dense .npy files through the service (--url), binary and JSON wires', async (t) => {
  const server = await startServer();
  t.teardown(() => void server.child.kill('SIGKILL'));
  for (const d of cases) {
    for (const wire of ['binary', 'json']) {
      await checkRun(
        t,
        d,
        ['--url', server.url, '--wire', wire, '--chunk-rows', '40'],
        ['--reduction', 'none'],
        `${d.name} remote ${wire}`,
      );
    }
  }
});

t.test('dense shape errors name the files', async (t) => {
  const d = cases[0];
  const bad = await fx.npy('bad-y.npy', new Int32Array(3 * 5 * 5), [3, 5, 5]);
  const run = await runCli(['eval', '--mode', 'multiclass', '--logits', d.dense[1], '--targets', bad], { pool });
  t.not(run.code, 0);
  t.match(
    run.stderr,
    /shape mismatch: .*bad-y\.npy has shape \(3, 5, 5\); with logits \(3, 4, 5, 6\) targets must be \(3, 5, 6\) \(class ids\)/,
  );
  const ids = new Int32Array(3 * 5 * 6);
  ids[1 * 30 + 2 * 6 + 4] = 9; // sample 1, (h 2, w 4)
  const run2 = await runCli(
    ['eval', '--mode', 'multiclass', '--logits', d.dense[1], '--targets', await fx.npy('bad-id.npy', ids, [3, 5, 6])],
    {
      pool,
    },
  );
  t.not(run2.code, 0);
  t.match(run2.stderr, /bad-id\.npy: sample 1, element \[2, 4\]: class id 9 is out of range \[0, 4\)/);
  const fortran = await fx.path('fortran.npy');
  const header = (await readFile(d.dense[1])).toString('latin1').replace("'fortran_order': False", "'fortran_order': True ");
  await import('node:fs/promises').then((fs) => fs.writeFile(fortran, Buffer.from(header, 'latin1')));
  const run3 = await runCli(['eval', '--mode', 'multiclass', '--logits', fortran, '--targets', d.dense[5]], { pool });
  t.not(run3.code, 0);
  t.match(run3.stderr, /Fortran order with rank 4/);
});
