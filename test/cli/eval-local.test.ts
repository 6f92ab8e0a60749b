/**
 * `focal-loss eval` computing locally (worker pool), run in-process: its --json output and
 * gradient file equal one POST /loss request over the whole file (through the real app), for
 * every mode and file format; shapes and values are checked before anything is computed; every
 * error is one line with a non-zero exit code.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Value } from '@sinclair/typebox/value';
import { LossResponseSchema } from '../../src/schemas/loss-response.js';
import { buildTestApp, postLoss } from '../helpers/app.js';
import { Fixtures, lcg, near, runCli as runCliWith, type Json } from '../helpers/cli.js';
import { openNpy } from '../../src/files/npy.js';

async function readNpy(file: string): Promise<Float64Array> {
  const src = await openNpy(file);
  const all = await src.read(src.rows);
  await src.close();
  return Float64Array.from(all);
}

// One pool for both: the app's (workers start slowly under tap's TypeScript loader).
const app = await buildTestApp(t);
const pool = app.focalPool;
const runCli = (args: string[], options: Parameters<typeof runCliWith>[1] = {}) => runCliWith(args, { pool, ...options });

const rows = (flat: ArrayLike<number>, c: number) =>
  Array.from({ length: flat.length / c }, (_, i) => Array.from(flat).slice(i * c, (i + 1) * c));

t.test('multiclass .npy with ignore_index, weights, alpha, smoothing and names: chunked equals one request', async (t) => {
  const fx = await Fixtures.create(t);
  const rand = lcg(42);
  const n = 53;
  const c = 3;
  const logits = Float32Array.from({ length: n * c }, () => (rand() - 0.5) * 10);
  const labels = BigInt64Array.from({ length: n }, (_, i) => (i % 9 === 4 ? -100n : BigInt(Math.floor(rand() * c))));
  const weights = Float64Array.from({ length: n }, () => rand() * 2);
  const args = [
    'eval',
    '--mode',
    'multiclass',
    '--logits',
    await fx.npy('logits.npy', logits, [n, c]),
    '--targets',
    await fx.npy('labels.npy', labels),
    '--weights',
    await fx.npy('weights.npy', weights),
    '--class-names',
    await fx.text('names.txt', 'cat\ndog\n\nbird\n'),
    '--ignore-index',
    '-100',
    '--alpha',
    '0.5,1,2',
    '--gamma',
    '1.5',
    '--label-smoothing',
    '0.1',
    '--chunk-rows',
    '7',
    '--concurrency',
    '2',
    '--json',
    '--gradient-out',
    fx.path('grad.npy'),
  ];
  const run = await runCli(args);
  t.equal(run.code, 0, run.stderr);
  t.equal(run.stderr, '', 'nothing on stderr when it is not a terminal');
  const out = JSON.parse(run.stdout) as Json;
  t.ok(Value.Check(LossResponseSchema, out), 'shaped like a /loss response');

  const one = await postLoss(app, {
    mode: 'multiclass',
    logits: rows(logits, c),
    targets: Array.from(labels, Number),
    weights: Array.from(weights),
    class_names: ['cat', 'dog', 'bird'],
    ignore_index: -100,
    alpha: [0.5, 1, 2],
    gamma: 1.5,
    label_smoothing: 0.1,
  });
  t.equal(one.status, 200);
  const { gradient, ...expected } = one.body;
  near(t, out, expected, 1e-12);
  t.equal(out.meta.count, 47, 'ignored rows are not counted');
  const grad = await readNpy(fx.path('grad.npy'));
  near(t, Array.from(grad), (gradient as number[][]).flat(), 1e-14, 'gradient');
});

t.test('binary CSV with a header and JSON-lines targets, reduction none: per-row losses concatenated', async (t) => {
  const fx = await Fixtures.create(t);
  const z = [2.5, -1, 1000, 0.25, -3, 7];
  const y = [1, 0, 1, 0.3, 0, 1];
  const run = await runCli([
    'eval',
    '--mode',
    'binary',
    '--reduction',
    'none',
    '--gamma',
    '0.5',
    '--chunk-rows',
    '4',
    '--json',
    '--logits',
    await fx.text('z.csv', 'score\n' + z.join('\n') + '\n'),
    '--targets',
    await fx.text('y.jsonl', y.join('\n')),
  ]);
  t.equal(run.code, 0, run.stderr);
  const one = await postLoss(app, {
    mode: 'binary',
    logits: z,
    targets: y,
    gamma: 0.5,
    reduction: 'none',
    outputs: ['loss', 'losses', 'stats'],
  });
  near(t, JSON.parse(run.stdout), one.body, 1e-13);
});

t.test('multilabel float32 logits with uint8 labels, sum, gradient of the sum', async (t) => {
  const fx = await Fixtures.create(t);
  const rand = lcg(7);
  const n = 40;
  const c = 4;
  const logits = Float32Array.from({ length: n * c }, () => (rand() - 0.5) * 8);
  const labels = Uint8Array.from({ length: n * c }, () => (rand() < 0.25 ? 1 : 0));
  const run = await runCli([
    'eval',
    '--mode',
    'multilabel',
    '--reduction',
    'sum',
    '--alpha',
    'none',
    '--chunk-rows',
    '9',
    '--json',
    '--logits',
    await fx.npy('z.npy', logits, [n, c]),
    '--targets',
    await fx.npy('y.npy', labels, [n, c]),
    '--gradient-out',
    fx.path('g.npy'),
  ]);
  t.equal(run.code, 0, run.stderr);
  const one = await postLoss(app, { mode: 'multilabel', logits: rows(logits, c), targets: rows(labels, c), reduction: 'sum', alpha: null });
  const { gradient, ...expected } = one.body;
  near(t, JSON.parse(run.stdout), expected, 1e-12);
  near(t, Array.from(await readNpy(fx.path('g.npy'))), (gradient as number[][]).flat(), 0, 'gradient of a sum: bit for bit');
});

t.test('multiclass probability rows from JSON lines, mean with a normalizer', async (t) => {
  const fx = await Fixtures.create(t);
  const z = [
    [1, 2, 0],
    [0.5, -1, 3],
    [2, 2, 2],
  ];
  const p = [
    [0.2, 0.8, 0],
    [0, 0, 1],
    [0.5, 0.25, 0.25],
  ];
  const run = await runCli([
    'eval',
    '--mode',
    'multiclass',
    '--normalizer',
    '2',
    '--json',
    '--chunk-rows',
    '2',
    '--logits',
    await fx.text('z.jsonl', z.map((r) => JSON.stringify(r)).join('\n')),
    '--targets',
    await fx.text('p.csv', p.map((r) => r.join(',')).join('\n')),
  ]);
  t.equal(run.code, 0, run.stderr);
  const one = await postLoss(app, { mode: 'multiclass', logits: z, targets: p, normalizer: 2, outputs: ['loss', 'stats'] });
  near(t, JSON.parse(run.stdout), one.body, 1e-13);
});

t.test('the table: headline, one line per class with its share of the loss, a summary; CSV header names the classes', async (t) => {
  const fx = await Fixtures.create(t);
  const run = await runCli([
    'eval',
    '--mode',
    'multiclass',
    '--logits',
    await fx.text('z.csv', 'cat,dog\n3,0\n0,3\n3,0\n1,0\n'),
    '--targets',
    await fx.text('y.csv', '0\n1\n1\n0\n'),
  ]);
  t.equal(run.code, 0, run.stderr);
  const lines = run.stdout.split('\n');
  t.match(lines[0], /^focal loss \d\.\d+ +\(multiclass, mean over 4 rows, gamma 2, alpha none\)$/);
  t.match(lines[2], /^class +support +loss share +precision +recall +suggested alpha$/);
  t.match(lines[3], /^cat +2 +\d+\.\d% +0\.6667 +1\.0000 +\d\.\d{4}$/);
  t.match(lines[4], /^dog +2 +\d+\.\d% +1\.0000 +0\.5000 +\d\.\d{4}$/);
  const shares = [lines[3], lines[4]].map((l) => Number(/(\d+\.\d)%/.exec(l)![1]));
  t.ok(Math.abs(shares[0] + shares[1] - 100) <= 0.11, 'shares add up to 100%');
  t.match(lines[6], /^accuracy 0\.7500 · 4 rows x 2 columns · 4 counted · 1 chunk · [\d.]+ s · local, \d+ worker threads?$/);
});

t.test('a sweep and the loss variants from flags: chunked equals one request with the same fields', async (t) => {
  const fx = await Fixtures.create(t);
  const rand = lcg(5);
  const n = 61;
  const c = 3;
  const logits = Float64Array.from({ length: n * c }, () => (rand() - 0.5) * 12);
  const labels = Int32Array.from({ length: n }, () => Math.floor(rand() * c));
  const multi = Uint8Array.from({ length: n * c }, () => (rand() < 0.3 ? 1 : 0));
  const logitsFile = await fx.npy('z.npy', logits, [n, c]);
  const cases: [string, string[], Json][] = [
    [
      'multiclass sweep',
      [
        '--mode',
        'multiclass',
        '--targets',
        await fx.npy('y.npy', labels),
        '--sweep-gamma',
        '0,0.5,2',
        '--sweep-alpha',
        'none,0.25',
        '--class-balance-beta',
        '0.9',
      ],
      { mode: 'multiclass', targets: Array.from(labels), sweep: { gamma: [0, 0.5, 2], alpha: [null, 0.25] }, class_balance_beta: 0.9 },
    ],
    [
      'multilabel asymmetric, gamma_neg per label',
      [
        '--mode',
        'multilabel',
        '--targets',
        await fx.npy('m.npy', multi, [n, c]),
        '--variant',
        'asymmetric',
        '--gamma-pos',
        '1',
        '--gamma-neg',
        '4,2,1',
        '--clip',
        '0.1',
      ],
      { mode: 'multilabel', targets: rows(multi, c), variant: 'asymmetric', gamma_pos: 1, gamma_neg: [4, 2, 1], clip: 0.1 },
    ],
    [
      'multiclass poly1, gamma per class',
      [
        '--mode',
        'multiclass',
        '--targets',
        await fx.npy('y2.npy', labels),
        '--variant',
        'poly1',
        '--epsilon',
        '-0.5',
        '--gamma',
        '2,0.5,1',
      ],
      { mode: 'multiclass', targets: Array.from(labels), variant: 'poly1', epsilon: -0.5, gamma: [2, 0.5, 1] },
    ],
  ];
  for (const [name, flags, fields] of cases) {
    const run = await runCli(['eval', '--logits', logitsFile, ...flags, '--chunk-rows', '9', '--json']);
    t.equal(run.code, 0, `${name}: ${run.stderr}`);
    const one = await postLoss(app, { ...fields, logits: rows(logits, c), outputs: ['loss', 'stats'] });
    t.equal(one.status, 200, name);
    near(t, JSON.parse(run.stdout), one.body, 1e-12, name);
  }
  const table = await runCli(['eval', '--logits', logitsFile, ...cases[0][1]]);
  t.match(
    table.stdout,
    /sweep: the loss at each gamma \(rows\) and alpha \(columns\)\ngamma +alpha none +alpha 0\.25\n0 +[\d.]+ +[\d.]+\n0\.5 /,
  );
  const refused = await runCli(['eval', '--logits', logitsFile, ...cases[2][1], '--sweep-gamma', '1']);
  t.equal(refused.code, 1);
  t.match(refused.stderr, /^focal-loss: --sweep-gamma\/--sweep-alpha: applies only with one gamma/);
  const badList = await runCli(['eval', '--logits', logitsFile, ...cases[0][1].slice(0, 4), '--sweep-alpha', '0.5,2']);
  t.match(badList.stderr, /^focal-loss: --sweep-alpha: /);
});

t.test('a progress bar with rows/s and ETA is drawn on a terminal, and erased', async (t) => {
  const fx = await Fixtures.create(t);
  const n = 5000;
  const args = [
    'eval',
    '--mode',
    'binary',
    '--chunk-rows',
    '500',
    '--concurrency',
    '1',
    '--logits',
    await fx.npy(
      'z.npy',
      Float64Array.from({ length: n }, (_, i) => Math.sin(i)),
    ),
    '--targets',
    await fx.npy(
      'y.npy',
      Uint8Array.from({ length: n }, (_, i) => i % 2),
    ),
  ];
  const tty = await runCli(args, { tty: true, columns: 100 });
  t.equal(tty.code, 0);
  // eslint-disable-next-line no-control-regex -- the progress bar's terminal escape (erase to end of line) is what is checked.
  t.match(tty.stderr, /\r\[#+\.*\] +\d+% {2}[\d,]+\/5,000 rows {2}[\d.]+[kM]? rows\/s {2}ETA \d+:\d\d\x1b\[K/);
  t.match(tty.stderr, /100% {2}5,000\/5,000 rows/, 'the last chunk is always drawn');
  t.ok(tty.stderr.endsWith('\r\x1b[K'), 'erased before the result is printed');
  const quiet = await runCli([...args, '--no-progress'], { tty: true });
  t.equal(quiet.stderr, '', '--no-progress');
  // A line as wide as the terminal wraps and leaves a stale line at every redraw: each drawing stays narrower.
  for (const columns of [40, 24, 8]) {
    const narrow = await runCli(args, { tty: true, columns });
    // eslint-disable-next-line no-control-regex -- the drawings are separated by the escapes the bar writes.
    const drawings = narrow.stderr.split(/\r|\x1b\[K/).filter((d) => d !== '');
    t.ok(drawings.length >= 2, `${columns} columns: drawn ${drawings.length} times`);
    t.ok(
      drawings.every((d) => d.length < columns),
      `${columns} columns: the widest drawing has ${Math.max(...drawings.map((d) => d.length))} characters`,
    );
    t.ok(
      drawings.some((d) => /\d+%/.test(d)),
      `${columns} columns: the percentage stays`,
    );
  }
});

t.test('errors: one line on stderr, nothing on stdout, a non-zero exit code', async (t) => {
  const fx = await Fixtures.create(t);
  const z3 = await fx.npy('z3.npy', new Float64Array(6), [2, 3]);
  const y2 = await fx.npy('y2.npy', Int32Array.from([0, 2]));
  const zb = await fx.npy('zb.npy', new Float64Array([0, 1, 2, 3]));
  const yb = await fx.npy('yb.npy', new Float64Array([0, 1, 1.5, 0]));
  const y01 = await fx.npy('y01.npy', new Float64Array([0, 1, 1, 0]));
  const cases: [string[], number, RegExp][] = [
    [['eval', '--mode', 'binary', '--logits', fx.path('nope.npy'), '--targets', zb], 1, /nope\.npy: no such file/],
    [['eval', '--mode', 'binary', '--logits', zb, '--targets', y2], 1, /shape mismatch: .*y2\.npy has 2 rows; .*zb\.npy has 4/],
    [
      ['eval', '--mode', 'binary', '--logits', z3, '--targets', y2],
      1,
      /shape mismatch: binary mode takes logits of shape \(N,\); .*z3\.npy has \(2, 3\)/,
    ],
    [['eval', '--mode', 'multiclass', '--logits', zb, '--targets', yb], 1, /multiclass mode takes logits of shape \(N, C\)/],
    [['eval', '--mode', 'multilabel', '--logits', z3, '--targets', y2], 1, /multilabel targets must be \(N, C\)/],
    [['eval', '--mode', 'multiclass', '--logits', z3, '--targets', z3.replace('z3', 'z3')], 1, /probability row summing to 0/],
    [['eval', '--mode', 'binary', '--logits', zb, '--targets', yb], 1, /yb\.npy: row 2: must be a finite number in \[0, 1\]/],
    [
      ['eval', '--mode', 'multiclass', '--logits', z3, '--targets', await fx.npy('y9.npy', Int32Array.from([0, 9]))],
      1,
      /y9\.npy: row 1: class id 9 is out of range \[0, 3\)/,
    ],
    [
      ['eval', '--mode', 'multiclass', '--logits', z3, '--targets', await fx.npy('yf.npy', Float64Array.from([0, 0.5]))],
      1,
      /yf\.npy: row 1: must be an integer class id/,
    ],
    [
      ['eval', '--mode', 'multiclass', '--logits', z3, '--targets', y2, '--alpha', '1,2'],
      1,
      /--alpha: has 2 values; must have one per class \(C = 3\)/,
    ],
    [
      ['eval', '--mode', 'multiclass', '--logits', z3, '--targets', y2, '--gamma', '30'],
      1,
      /--gamma: expected number to be less or equal to 20/,
    ],
    [
      ['eval', '--mode', 'binary', '--logits', zb, '--targets', y01, '--reduction', 'sum', '--normalizer', '2'],
      1,
      /--normalizer: applies only with reduction "mean" \(reduction "sum" divides by nothing\)/,
    ],
    [
      ['eval', '--mode', 'binary', '--logits', zb, '--targets', zb, '--ignore-index', '-1'],
      1,
      /--ignore-index: applies only to multiclass mode with integer class-id targets/,
    ],
    [
      ['eval', '--mode', 'multiclass', '--logits', z3, '--targets', y2, '--class-names', await fx.text('n.json', '["a"]')],
      1,
      /--class-names: has 1 names; must have one per class \(C = 3\)/,
    ],
    [
      ['eval', '--mode', 'multiclass', '--logits', z3, '--targets', y2, '--class-names', await fx.text('bad.json', '{')],
      1,
      /bad\.json: is not valid JSON/,
    ],
    [
      ['eval', '--mode', 'multiclass', '--logits', z3, '--targets', y2, '--class-names', await fx.text('obj.json', '{"a":1}')],
      1,
      /obj\.json: must be a JSON array of strings/,
    ],
    [['eval', '--mode', 'multiclass', '--logits', z3, '--targets', y2, '--class-names', fx.path('none.txt')], 1, /none\.txt: no such file/],
    [['eval', '--mode', 'binary', '--logits', zb, '--targets', zb, '--weights', z3], 1, /shape mismatch: .*z3\.npy has 2 rows/],
    [
      ['eval', '--mode', 'binary', '--logits', zb, '--targets', y01, '--weights', await fx.npy('w-.npy', Float64Array.from([1, -1, 1, 1]))],
      1,
      /w-\.npy: row 1: must be a finite number >= 0/,
    ],
    [
      ['eval', '--mode', 'binary', '--logits', await fx.npy('empty.npy', new Float64Array(0)), '--targets', zb],
      1,
      /empty\.npy has no rows/,
    ],
    [
      [
        'eval',
        '--mode',
        'binary',
        '--logits',
        await fx.npy('huge.npy', Float64Array.from([1e308, 1e308])),
        '--targets',
        await fx.npy('one.npy', Float64Array.from([0, 0])),
        '--weights',
        await fx.npy('w.npy', Float64Array.from([1e308, 1e308])),
      ],
      1,
      /overflows float64/,
    ],
    [['eval', '--mode', 'binary', '--logits', zb], 2, /--targets FILE is required/],
    [['eval', '--mode', 'binary', '--targets', zb], 2, /--logits FILE is required/],
    [['eval', '--logits', zb, '--targets', zb], 2, /--mode is required \(binary, multilabel, multiclass\)/],
    [
      ['eval', '--mode', 'softmax', '--logits', zb, '--targets', zb],
      2,
      /--mode must be one of binary, multilabel, multiclass, got "softmax"/,
    ],
    [['eval', '--mode', 'binary', '--logits', zb, '--targets', zb, '--gamma', 'two'], 2, /--gamma must be a finite number, got "two"/],
    [
      ['eval', '--mode', 'binary', '--logits', zb, '--targets', zb, '--chunk-rows', '0'],
      2,
      /--chunk-rows must be a positive integer, got "0"/,
    ],
    [['eval', '--mode', 'binary', '--logits', zb, '--targets', zb, '--gradient-out', 'g.bin'], 2, /--gradient-out must name a \.npy file/],
    [['eval', '--mode', 'binary', '--logits', zb, '--targets', zb, '--url', 'localhost:3000'], 2, /--url must be an http\(s\) URL/],
    [['eval', '--mode', 'binary', '--logits', zb, '--targets', zb, '--frobnicate'], 2, /Unknown option '--frobnicate'/],
    [['evaluate'], 2, /unknown command "evaluate"/],
    [['serve', '--port', '1'], 2, /serve takes no arguments/],
  ];
  for (const [args, code, message] of cases) {
    const run = await runCli(args);
    t.equal(run.code, code, `${args.join(' ')} -> exit ${code}`);
    t.equal(run.stdout, '');
    t.match(run.stderr, new RegExp(`^focal-loss: .*${message.source}.*\\n$`));
    t.equal(run.stderr.split('\n').length, 2, 'exactly one line');
  }
});

t.test('a gradient file is not left behind when the evaluation fails', async (t) => {
  const fx = await Fixtures.create(t);
  const run = await runCli([
    'eval',
    '--mode',
    'binary',
    '--chunk-rows',
    '1',
    '--gradient-out',
    fx.path('g.npy'),
    '--logits',
    await fx.npy('z.npy', Float64Array.from([0, 1, 2])),
    '--targets',
    await fx.npy('y.npy', Float64Array.from([0, 1, 7])),
  ]);
  t.equal(run.code, 1);
  await t.rejects(readFile(fx.path('g.npy')), { code: 'ENOENT' });
});

t.test('--max-loss fails a CI job when the loss is above the threshold (exit 3), after printing the result', async (t) => {
  const fx = await Fixtures.create(t);
  const args = [
    'eval',
    '--mode',
    'binary',
    '--json',
    '--logits',
    await fx.npy('z.npy', Float64Array.from([-2, 2])),
    '--targets',
    await fx.npy('y.npy', Float64Array.from([1, 0])),
  ];
  const above = await runCli([...args, '--max-loss', '0.01']);
  t.equal(above.code, 3);
  const loss = JSON.parse(above.stdout).loss as number;
  t.equal(above.stderr, `focal-loss: loss ${loss} is above --max-loss 0.01\n`);
  const below = await runCli([...args, '--max-loss', String(loss)]);
  t.equal(below.code, 0);
});

t.test('help', async (t) => {
  for (const args of [[], ['help'], ['--help']]) {
    const run = await runCli(args);
    t.equal(run.code, 0);
    t.match(run.stdout, /focal-loss serve .*\n.*focal-loss eval/);
  }
  for (const args of [
    ['help', 'eval'],
    ['eval', '--help'],
  ]) {
    const run = await runCli(args);
    t.match(run.stdout, /^usage: focal-loss eval --logits FILE --targets FILE --mode/);
  }
});

t.test("--version: the package's version (the installed command is tested in test/e2e/cli-install.test.ts)", async (t) => {
  const { version, name } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
    name: string;
  };
  for (const flag of ['--version', '-v', 'version']) {
    const run = await runCli([flag]);
    t.equal(run.code, 0, flag);
    t.equal(run.stdout, `focal-loss ${version} (${name})\n`, flag);
  }
});
