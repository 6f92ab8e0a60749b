/**
 * The .npy reader against files written by NumPy itself (test/fixtures/npy/), every supported
 * dtype and order, chunked reads, and refusals with the file named.
 */
import t from 'tap';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { npyHeader, openNpy, parseNpyHeader } from '../../src/files/npy.js';
import { halfToNumber } from '../../src/tensors/dtypes.js';
import { NpyWriter } from '../../src/files/npy-writer.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/npy/', import.meta.url));
const VALS = [0.5, -1.25, 3.0, 1e-3, 65504.0, -0.0];

async function readAll(file: string, chunk = 1) {
  const src = await openNpy(path.join(FIXTURES, file));
  const parts: number[] = [];
  let kind = '';
  for (let r = 0; r < src.rows; r += chunk) {
    const part = await src.read(chunk);
    kind = part.constructor.name;
    parts.push(...part);
  }
  await src.close();
  return { rows: src.rows, cols: src.cols, values: parts, kind };
}

t.test('float16 (C order) is widened exactly and read as float32', async (t) => {
  const r = await readAll('f16_c.npy');
  t.same([r.rows, r.cols, r.kind], [2, 3, 'Float32Array']);
  // float16 rounds 1e-3 to its nearest half: 0.0010004043579101562.
  t.same(r.values, [0.5, -1.25, 3, 1049 / 2 ** 20, 65504, -0]);
});

t.test('float32 in Fortran order comes out row-major, read one row at a time', async (t) => {
  const r = await readAll('f32_fortran.npy', 1);
  t.same([r.rows, r.cols, r.kind], [2, 3, 'Float32Array']);
  t.same(
    r.values,
    VALS.map((v) => Math.fround(v)),
  );
});

t.test('big-endian float64 and a version 2.0 header', async (t) => {
  t.same((await readAll('f64_big_endian.npy', 2)).values, VALS);
  const v2 = await readAll('f64_v2.npy', 5);
  t.same([v2.rows, v2.cols, v2.kind], [2, 3, 'Float64Array']);
  t.same(v2.values, VALS);
});

t.test('integer and bool labels become exact float64 values', async (t) => {
  t.same((await readAll('i64_labels.npy', 3)).values, [0, 2, 1, -100]);
  t.same((await readAll('u8_labels.npy')).values, [1, 0, 1, 1]);
  t.same((await readAll('bool_labels.npy')).values, [1, 0, 1]);
  const f = await readAll('i16_fortran.npy', 2);
  t.same([f.rows, f.cols, f.values], [3, 2, [1, 2, 3, 4, 5, 6]]);
});

t.test('a file of rank 3 to 8 is read in rows of whole samples (every axis after the first)', async (t) => {
  const f = await openNpy(path.join(FIXTURES, 'f32_3d.npy'));
  t.same([f.shape, f.rows, f.cols], [[2, 2, 2], 2, 4], 'shape (2, 2, 2): 2 rows of 4 values');
  await f.close();
  // arange(24).reshape(2, 3, 4): sample i is values 12 i .. 12 i + 11, in C order.
  const dir = await mkdtemp(path.join(tmpdir(), 'npy3-'));
  const file = path.join(dir, 'dense.npy');
  await writeFile(file, Buffer.concat([npyHeader('<f8', [2, 3, 4]), Buffer.from(Float64Array.from({ length: 24 }, (_, i) => i).buffer)]));
  const d = await openNpy(file);
  t.same([d.shape, d.rows, d.cols], [[2, 3, 4], 2, 12]);
  t.same(
    Array.from(await d.read(1)),
    Array.from({ length: 12 }, (_, i) => i),
    'sample 0',
  );
  t.same(
    Array.from(await d.read(1)),
    Array.from({ length: 12 }, (_, i) => 12 + i),
    'sample 1',
  );
  await d.close();
});

t.test('refuses what it cannot read, naming the file', async (t) => {
  const dir9 = await mkdtemp(path.join(tmpdir(), 'npy9-'));
  const rank9 = path.join(dir9, 'rank9.npy');
  await writeFile(rank9, Buffer.concat([npyHeader('<f8', [1, 1, 1, 1, 1, 1, 1, 1, 1]), Buffer.alloc(8)]));
  await t.rejects(openNpy(rank9), /rank9\.npy: has shape \(1, 1, 1, 1, 1, 1, 1, 1, 1\); expected \(N,\), \(N, C\) or a dense shape/);
  await t.rejects(openNpy(path.join(FIXTURES, 'complex.npy')), /complex\.npy: unsupported \.npy dtype '<c8'/);
  const dir = await mkdtemp(path.join(tmpdir(), 'npy-'));
  const bad = path.join(dir, 'bad.npy');
  await writeFile(bad, 'not numpy at all');
  await t.rejects(openNpy(bad), /bad\.npy: is not a NumPy \.npy file/);
  const truncated = path.join(dir, 'truncated.npy');
  await writeFile(truncated, Buffer.concat([npyHeader('<f8', [10]), Buffer.alloc(16)]));
  await t.rejects(openNpy(truncated), /truncated\.npy: is truncated/);
  const v9 = Buffer.from(npyHeader('<f8', [1]));
  v9[6] = 9;
  t.throws(() => parseNpyHeader('v9.npy', v9), /unsupported \.npy format version 9/);
  const big = Buffer.concat([npyHeader('<i8', [1]), Buffer.from(new BigInt64Array([2n ** 60n]).buffer)]);
  await writeFile(path.join(dir, 'big.npy'), big);
  const src = await openNpy(path.join(dir, 'big.npy'));
  await t.rejects(src.read(1), /does not fit a float64 exactly/);
  await src.close();
});

t.test('float16 special values', async (t) => {
  t.equal(halfToNumber(0x7c00), Infinity);
  t.equal(halfToNumber(0xfc00), -Infinity);
  t.ok(Number.isNaN(halfToNumber(0x7e00)));
  t.equal(halfToNumber(0x0001), 2 ** -24, 'smallest subnormal');
  t.equal(halfToNumber(0x3c00), 1);
});

t.test('the writer writes pieces in any order and scales in place; the reader reads it back', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'npy-'));
  const file = path.join(dir, 'g.npy');
  const n = 300_000; // more than one scaling block
  const w = await NpyWriter.create(file, [n / 3, 3]);
  const half = n / 2;
  await w.write(
    half,
    Float64Array.from({ length: n - half }, (_, i) => half + i),
  );
  await w.write(
    0,
    Float64Array.from({ length: half }, (_, i) => i),
  );
  await w.scale(0.5);
  await w.close();
  const src = await openNpy(file);
  t.same([src.rows, src.cols], [n / 3, 3]);
  const all = await src.read(n);
  await src.close();
  t.equal(all.constructor.name, 'Float64Array', 'written as float64');
  let wrong = 0;
  for (let i = 0; i < n; i++) if (all[i] !== i * 0.5) wrong++;
  t.equal(wrong, 0);
  const w2 = await NpyWriter.create(path.join(dir, 'discard.npy'), [2]);
  await w2.discard();
  await t.rejects(openNpy(path.join(dir, 'discard.npy')), /ENOENT/);
});
