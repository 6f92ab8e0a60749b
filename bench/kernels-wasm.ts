/**
 * `npm run bench:kernels`: the JS kernel, the WASM SIMD kernel and PyTorch side by side, in one
 * sitting, each case in rounds (every implementation once per round, in its own process), so that
 * ratios are taken between runs close in time on a shared, noisy machine. Prints one table (medians
 * over the rounds of each process's median) as Markdown; writes nothing.
 *
 * Columns (all: one thread, float32 logits, loss + gradient + statistics, gamma 2):
 *   ts           the JS kernel (focalLoss), gradient allocated per call
 *   wasm         focalLossFast, gradient allocated per call
 *   ts huge, wasm huge
 *                the same with GLIBC_TUNABLES=glibc.malloc.hugetlb=1 (as `npm start` and the image
 *                run the service): malloc asks for transparent huge pages, so first-touching the
 *                fresh 64 MB gradient faults far fewer pages (4 KiB page faults cost ~12 us each on
 *                these VMs, ~190 ms for 64 MB, more than the WASM kernel itself)
 *   wasm reuse   focalLossFast writing into one preallocated gradientOut (no page faults: the
 *                kernel and its copies in and out of WASM memory)
 *   torch        torch_focal.py (forward + backward; its 32 MB float32 tensors are reused by
 *                malloc from run to run, so it pays few page faults)
 *
 * Rows: the plain focal kernel cases, then the loss variants (asymmetric, Poly-1, per-class gamma;
 * the JS kernels compute them, so `wasm` is the JS kernel reached through focalLossFast) next to
 * the same shape's plain row, and a dense segmentation batch [8, 19, 256, 256] (multiclass, walked
 * in place) next to the same 524288 x 19 rows as an ordinary batch. `Melem/s` is elements (N x C)
 * per second of the ts and wasm columns. torch runs plain focal only: for a variant its column is
 * empty; for the dense batch it computes the same rows as [N*S, C].
 *
 * Environment: TORCH_FOCAL, TORCH_PYTHON as for bench/run.ts; BENCH_ROUNDS (default 3);
 * BENCH_CASES, e.g. "binary:8000000:1,multiclass:100000:80,multilabel:100000:80:poly1,
 * multiclass:524288:19:focal:65536" (MODE:N:C[:VARIANT[:POSITIONS]]; default: every row above).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ROOT, TORCH_FOCAL, TORCH_PYTHON, torchArgs } from './torch.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const RUNS = 5;
const GAMMA = 2;
const HUGE = 'glibc.malloc.hugetlb=1';
const DEFAULT_CASES = [
  'binary:8000000:1',
  'multilabel:100000:80',
  'multiclass:100000:80',
  'multiclass:10000:1000',
  'multilabel:100000:80:asymmetric',
  'multilabel:100000:80:poly1',
  'multilabel:100000:80:gammas',
  'multiclass:100000:80:poly1',
  'multiclass:100000:80:gammas',
  // Segmentation [8, 19, 256, 256]: as ordinary rows, then dense (8 samples of 65536 positions).
  'multiclass:524288:19',
  'multiclass:524288:19:focal:65536',
].join(',');
const CASES = (process.env.BENCH_CASES ?? DEFAULT_CASES)
  .split(',')
  .map((s) => s.split(':'))
  .map(([mode, n, c, variant, positions]) => ({
    mode,
    n: Number(n),
    c: Number(c),
    variant: variant ?? 'focal',
    positions: Number(positions ?? 1),
  }));

type Column = 'ts' | 'wasm' | 'ts huge' | 'wasm huge' | 'wasm reuse' | 'torch';
const COLUMNS: Column[] = ['ts', 'wasm', 'ts huge', 'wasm huge', 'wasm reuse', 'torch'];

function run(column: Column, { mode, n, c, variant, positions }: (typeof CASES)[number]): number | null {
  const tsx = path.join(ROOT, 'node_modules/.bin/tsx');
  const caseArgs = [mode, String(n), String(c), String(GAMMA), String(RUNS)];
  let cmd = tsx;
  let args: string[];
  const env = { ...process.env };
  if (column === 'torch') {
    if (!existsSync(TORCH_FOCAL) || variant !== 'focal') return null;
    cmd = TORCH_PYTHON;
    args = torchArgs(mode, n, c, GAMMA, RUNS);
  } else {
    const impl = column.startsWith('ts') ? 'ts' : 'wasm';
    args = ['bench/kernel-case.ts', ...caseArgs, impl, column === 'wasm reuse' ? 'reuse' : 'fresh', variant, String(positions)];
    if (column.endsWith('huge')) env.GLIBC_TUNABLES = HUGE;
    else delete env.GLIBC_TUNABLES;
  }
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', env, maxBuffer: 1 << 20 });
  if (r.status !== 0) {
    console.error(`${column} ${mode} ${n}x${c} failed: ${(r.stderr || '').trim().split('\n').slice(-1)[0]}`);
    return null;
  }
  const line = JSON.parse(r.stdout.trim().split('\n').slice(-1)[0]) as { median_ms: number; impl?: string };
  if (column.startsWith('wasm') && line.impl !== 'wasm') throw new Error('WASM SIMD kernels not in use (npm run build?)');
  return line.median_ms;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const f = (x: number) => (Number.isFinite(x) ? (x >= 100 ? x.toFixed(0) : x.toFixed(1)) : '-');

const lines = [
  `| case (gamma ${GAMMA}, float32) | ${COLUMNS.map((c) => `${c} ms`).join(' | ')} | ts Melem/s | wasm Melem/s | ${COLUMNS.filter(
    (c) => c !== 'torch',
  )
    .map((c) => `${c} / torch`)
    .join(' | ')} |`,
  `|---|${COLUMNS.map(() => '---:').join('|')}|---:|---:|${COLUMNS.filter((c) => c !== 'torch')
    .map(() => '---:')
    .join('|')}|`,
];
for (const spec of CASES) {
  const { mode, n, c, variant, positions } = spec;
  const times = new Map<Column, number[]>(COLUMNS.map((col) => [col, []]));
  const ratios = new Map<Column, number[]>(COLUMNS.map((col) => [col, []]));
  for (let round = 0; round < ROUNDS; round++) {
    const t = new Map<Column, number | null>();
    for (const col of COLUMNS) t.set(col, run(col, spec));
    for (const col of COLUMNS) {
      const v = t.get(col);
      if (v === null || v === undefined) continue;
      times.get(col)!.push(v);
      const torch = t.get('torch');
      if (torch) ratios.get(col)!.push(torch / v);
    }
    console.error(`${mode} ${n}x${c} round ${round + 1}: ${COLUMNS.map((col) => `${col} ${f(t.get(col) ?? NaN)}`).join(', ')}`);
  }
  const shape =
    positions > 1
      ? `${mode} dense [${n / positions}, ${c}, ${Math.sqrt(positions) % 1 === 0 ? `${Math.sqrt(positions)}, ${Math.sqrt(positions)}` : positions}]`
      : c === 1
        ? `${mode} ${n / 1e6}M`
        : `${mode} ${n / 1000}k x ${c}`;
  const name = variant === 'focal' ? shape : `${shape} ${variant === 'gammas' ? 'per-class gamma' : variant}`;
  const melem = (col: Column) => f((n * c) / median(times.get(col)!) / 1000);
  lines.push(
    `| ${name} | ${COLUMNS.map((col) => f(median(times.get(col)!))).join(' | ')} | ${melem('ts')} | ${melem('wasm')} | ${COLUMNS.filter(
      (col) => col !== 'torch',
    )
      .map((col) => (ratios.get(col)!.length === 0 ? '-' : `${median(ratios.get(col)!).toFixed(2)}x`))
      .join(' | ')} |`,
  );
}
console.log(lines.join('\n'));
console.log(`\n(${ROUNDS} rounds; ratio = torch time / time in the same round, median over rounds; above 1 is faster than PyTorch)`);
