/**
 * `focal-loss compare BASE.json NEW.json`, run in-process on two real evaluations (`eval --json`
 * of a good and of a degraded model on the same labels): the table, the checks and the exit codes
 * a CI job relies on (0 pass, 3 regression, 2 usage, 1 unreadable or mismatched files). Per-class
 * recalls are recomputed here from the labels and logits, independently of the service's code.
 */
import t from 'tap';
import { readFile } from 'node:fs/promises';
import { buildTestApp } from '../helpers/app.js';
import { Fixtures, lcg, runCli as runCliWith, type Json } from '../helpers/cli.js';

const app = await buildTestApp(t);
const runCli = (args: string[]) => runCliWith(args, { pool: app.focalPool });

const n = 400;
const c = 4;
const names = ['car', 'person', 'bike', 'sign'];
const rand = lcg(7);
const labels = Int32Array.from({ length: n }, () => Math.floor(rand() * c));
/** A model that ranks the true class first with a margin; the degraded one loses it for bikes. */
function logitsOf(margin: (label: number) => number): Float32Array {
  const z = Float32Array.from({ length: n * c }, () => rand() * 2 - 1);
  labels.forEach((y, i) => (z[i * c + y] += margin(y)));
  return z;
}
const good = logitsOf(() => 2);
const worse = logitsOf((y) => (y === 2 ? -0.5 : 2));

function recalls(z: Float32Array): number[] {
  const tp = new Array<number>(c).fill(0);
  const support = new Array<number>(c).fill(0);
  labels.forEach((y, i) => {
    let best = 0;
    for (let k = 1; k < c; k++) if (z[i * c + k] > z[i * c + best]) best = k;
    support[y]++;
    if (best === y) tp[y]++;
  });
  return tp.map((v, k) => v / support[k]);
}

const fx = await Fixtures.create(t);
const labelsFile = await fx.npy('labels.npy', labels);
const namesFile = await fx.text('names.txt', names.join('\n'));
async function evaluation(file: string, z: Float32Array, extra: string[] = []): Promise<string> {
  const run = await runCli([
    'eval',
    '--mode',
    'multiclass',
    '--logits',
    await fx.npy(`${file}.npy`, z, [n, c]),
    '--targets',
    labelsFile,
    '--class-names',
    namesFile,
    '--json',
    ...extra,
  ]);
  if (run.code !== 0) throw new Error(run.stderr);
  return fx.text(`${file}.json`, run.stdout);
}
const base = await evaluation('base', good);
const next = await evaluation('next', worse);
const baseJson = JSON.parse(await readFile(base, 'utf8')) as Json;
const nextJson = JSON.parse(await readFile(next, 'utf8')) as Json;

t.test("a regression fails the gate (exit 3) and says which check, with the files' own numbers", async (t) => {
  const increase = nextJson.loss - baseJson.loss;
  t.ok(increase > 0, 'the degraded model has the higher loss');
  const run = await runCli(['compare', base, next, '--max-loss-increase', '1%', '--min-recall', '0.5', '--per-class']);
  t.equal(run.code, 3, run.stderr);
  const six = (v: number) => String(Number(v.toPrecision(6)));
  t.ok(
    run.stdout.includes(`FAIL  loss increase +${six(increase)} > ${six(baseJson.loss / 100)}\n`),
    'the loss check with its value and limit',
  );
  const expected = recalls(worse);
  names.forEach((name, k) => {
    const line = run.stdout.split('\n').find((l) => l.includes(`recall of class ${name} `));
    t.ok(line?.startsWith(expected[k] >= 0.5 ? 'PASS' : 'FAIL'), `${name}: recall ${expected[k]} against 0.5 -> ${line}`);
  });
  t.ok(expected[2] < 0.5 && expected[0] >= 0.5, 'the data makes bikes fail and cars pass');
  t.match(run.stdout, /checks fail \(exit 3\)/);
  t.match(run.stdout, /^loss\s+\S+\s+\S+\s+\+\S+ \(\+\S+%\)\s+worse$/m, 'the metrics table shows the change and its direction');
  t.match(run.stdout, /^bike\s+\d+\s+/m, 'the classes table names the classes');
});

t.test('thresholds that hold pass (exit 0); the same file against itself changes nothing', async (t) => {
  const run = await runCli(['compare', base, next, '--max-loss-increase', '10', '--min-f1', '0.1']);
  t.equal(run.code, 0, run.stderr);
  t.match(run.stdout, /PASS {2}loss increase/);
  t.match(run.stdout, /PASS {2}macro f1 /);
  t.match(run.stdout, /all 2 checks pass/);
  const same = await runCli(['compare', base, base, '--max-ece-increase', '0']);
  t.equal(same.code, 0);
  t.match(same.stdout, /^ece\s+\S+\s+\S+\s+0\s*$/m);
});

t.test('--json: the comparison as data, recalls equal to an independent count', async (t) => {
  const run = await runCli(['compare', base, next, '--min-recall', '0.5', '--per-class', '--json']);
  t.equal(run.code, 3);
  const out = JSON.parse(run.stdout) as Json;
  t.equal(out.passed, false);
  const expected = recalls(worse);
  t.same(
    out.checks.map((ch: Json) => [ch.check, ch.passed]),
    names.map((name, k) => [`recall of class ${name}`, expected[k] >= 0.5]),
  );
  out.classes.forEach((k: Json, i: number) =>
    t.ok(Math.abs(k.recall[1] - expected[i]) < 1e-15 && Math.abs(k.recall[0] - recalls(good)[i]) < 1e-15, k.label),
  );
  t.same(out.metrics[0], { metric: 'loss', base: baseJson.loss, next: nextJson.loss, higherIsBetter: false });
});

t.test('usage errors exit 2; unreadable or mismatched files exit 1, one line each', async (t) => {
  const cases: [string[], number, RegExp][] = [
    [['compare', base], 2, /two files/],
    [['compare', base, next, '--min-recall', '2'], 2, /--min-recall must be a number in \[0, 1\], got "2"/],
    [['compare', base, next, '--max-loss-increase', 'x%'], 2, /--max-loss-increase must be a number >= 0, or a percentage/],
    [['compare', base, next, '--per-class'], 2, /--per-class applies to --min-recall and --min-f1/],
    [['compare', base, next, '--bogus'], 2, /bogus/],
    [['compare', base, fx.path('missing.json')], 1, /missing\.json: ENOENT/],
    [['compare', base, await fx.text('text.json', 'not json')], 1, /text\.json: not JSON/],
    [['compare', base, await fx.text('other.json', '{"loss": 1}')], 1, /other\.json: not an evaluation with stats .*: \/stats /],
    [['compare', base, await evaluation('gamma1', worse, ['--gamma', '1'])], 1, /not comparable: meta\.gamma is 2 and 1/],
  ];
  for (const [args, code, message] of cases) {
    const run = await runCli(args);
    t.equal(run.code, code, args.slice(1).join(' '));
    t.match(run.stderr, message);
    t.equal(run.stderr.trim().split('\n').length, 1, 'one line');
  }
  const { calibration: _dropped, ...stats } = nextJson.stats;
  const noCalibration = await fx.text('nocal.json', JSON.stringify({ ...nextJson, stats }));
  const run = await runCli(['compare', base, noCalibration, '--max-ece-increase', '0.01']);
  t.equal(run.code, 1);
  t.match(run.stderr, /--max-ece-increase needs stats\.calibration in both files; .*nocal\.json has none/);
});

t.test('help names the command and its thresholds', async (t) => {
  const run = await runCli(['help', 'compare']);
  t.equal(run.code, 0);
  t.match(run.stdout, /focal-loss compare BASE\.json NEW\.json/);
  t.match((await runCli(['help'])).stdout, /focal-loss compare BASE NEW/);
});
