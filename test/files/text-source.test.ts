/**
 * CSV and JSON-lines files: shapes known before reading, header lines, blank lines, CRLF, and
 * bad content reported with the file and line.
 */
import t from 'tap';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openSource } from '../../src/files/open-source.js';

const dir = await mkdtemp(path.join(tmpdir(), 'text-source-'));
async function file(name: string, text: string | Buffer): Promise<string> {
  const p = path.join(dir, name);
  await writeFile(p, text);
  return p;
}

async function readAll(p: string, chunk: number) {
  const src = await openSource(p);
  const values: number[] = [];
  for (let r = 0; r < src.rows; r += chunk) for (const v of await src.read(chunk)) values.push(v);
  await src.close();
  return { rows: src.rows, cols: src.cols, names: src.columnNames, values };
}

t.test('CSV with a header line, CRLF and blank lines', async (t) => {
  const p = await file('a.csv', 'cat,dog,bird\r\n1,2,3\r\n\r\n-4.5, 5e-3 ,6\r\n7,8,9');
  const r = await readAll(p, 2);
  t.same([r.rows, r.cols, r.names], [3, 3, ['cat', 'dog', 'bird']]);
  t.same(r.values, [1, 2, 3, -4.5, 0.005, 6, 7, 8, 9]);
});

t.test('a one-column CSV is a vector', async (t) => {
  const r = await readAll(await file('v.csv', '0\n1\n1\n'), 10);
  t.same([r.rows, r.cols, r.names, r.values], [3, null, null, [0, 1, 1]]);
  const h = await readAll(await file('vh.csv', 'label\n1\n0\n'), 1);
  t.same([h.rows, h.cols, h.names, h.values], [2, null, ['label'], [1, 0]]);
});

t.test('JSON lines: numbers are a vector, arrays are rows', async (t) => {
  const v = await readAll(await file('v.jsonl', '1\n\n2.5\n-3\n'), 2);
  t.same([v.rows, v.cols, v.values], [3, null, [1, 2.5, -3]]);
  const m = await readAll(await file('m.ndjson', '[1,2]\n[3,4]\n'), 1);
  t.same([m.rows, m.cols, m.values], [2, 2, [1, 2, 3, 4]]);
});

t.test('a file larger than one read block is streamed across block boundaries', async (t) => {
  const rows = 120_000; // ~1.5 MB: two 1 MiB blocks, a line split across them
  const text = Array.from({ length: rows }, (_, i) => `${i},${-i}`).join('\n') + '\n';
  const r = await readAll(await file('big.csv', text), 65_536);
  t.equal(r.rows, rows);
  let wrong = 0;
  for (let i = 0; i < rows; i++) if (r.values[2 * i] !== i || r.values[2 * i + 1] !== -i) wrong++;
  t.equal(wrong, 0);
});

t.test('bad content names the file and the line', async (t) => {
  const src = await openSource(await file('bad.csv', '1,2\n3,x\n'));
  await t.rejects(src.read(5), /bad\.csv: line 2, column 2: "x" is not a finite number/);
  await src.close();
  const ragged = await openSource(await file('ragged.csv', '1,2\n3,4,5\n'));
  await t.rejects(ragged.read(5), /ragged\.csv: line 2: has 3 values; the first row has 2 values/);
  await ragged.close();
  const mixed = await openSource(await file('mixed.jsonl', '[1,2]\n3\n'));
  await t.rejects(mixed.read(5), /mixed\.jsonl: line 2: has a single number; the first row has 2 values/);
  await mixed.close();
  const vec = await openSource(await file('vec.jsonl', '1\n[3]\n'));
  await t.rejects(vec.read(5), /vec\.jsonl: line 2: has 1 values; the first row has a single number/);
  await vec.close();
  await t.rejects(openSource(await file('notjson.jsonl', '{oops\n')), /notjson\.jsonl: line 1: is not valid JSON/);
  await t.rejects(openSource(await file('obj.jsonl', '{"a":1}\n')), /obj\.jsonl: line 1: must be a number or an array of numbers/);
  const nan = await openSource(await file('nan.csv', '1,2\nnan,inf\n'));
  await t.rejects(nan.read(2), /nan\.csv: line 2, column 1: "nan" is not a finite number/);
  await nan.close();
  const inf = await openSource(await file('inf.csv', '1,2\n1e999,1\n'));
  await t.rejects(inf.read(2), /inf\.csv: line 2, column 1: "1e999" is not a finite number/);
  await inf.close();
  await t.rejects(openSource(await file('empty.csv', '\n\n')), /empty\.csv: is empty/);
  await t.rejects(openSource(await file('emptyrow.jsonl', '[]\n')), /emptyrow\.jsonl: line 1: is an empty row/);
  await t.rejects(openSource(await file('latin1.csv', Buffer.from([0x31, 0x0a, 0xff, 0xfe, 0x0a]))), /latin1\.csv: is not valid UTF-8/);
  await t.rejects(openSource(path.join(dir, 'missing.csv')), /missing\.csv: no such file/);
  await t.rejects(openSource(dir + '/x.txt'), /x\.txt: unknown file type "\.txt"; use \.npy, \.csv or \.jsonl/);
  await t.rejects(openSource(path.join(dir, 'sub.csv')), /no such file/);
});

t.test('a directory is refused', async (t) => {
  const { mkdir } = await import('node:fs/promises');
  await mkdir(path.join(dir, 'folder.csv'));
  await t.rejects(openSource(path.join(dir, 'folder.csv')), /folder\.csv: is a directory/);
});
