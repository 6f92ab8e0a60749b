/**
 * Adversarial variants of a valid POST /loss body (fast-check arbitraries): wrong types, NaN and
 * Infinity smuggled as strings, overflowing literals and tensor bytes, garbage base64, shapes that
 * disagree, truncation, deep nesting, prototype keys, wrong content types, random bytes. Used by
 * the fuzz test and by the test that both validation paths answer alike.
 */
import fc from 'fast-check';

const FIELDS = [
  'mode',
  'logits',
  'targets',
  'gamma',
  'alpha',
  'reduction',
  'normalizer',
  'weights',
  'ignore_index',
  'label_smoothing',
  'class_names',
  'outputs',
];

const nasty = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom('NaN', 'Infinity', '-Infinity', '1e999', '', ' ', '0x10', '1_000', null, true, false, [], {}, [[]], [[[1]]]),
  fc.constantFrom(1e308, -1e308, 5e-324, -5e-324, 0, -0, 2 ** 53, -(2 ** 31) - 1, 2 ** 31, 1e-300, 21, -1, 1.0000001),
  fc.double(),
  fc.array(fc.double({ noNaN: true }), { maxLength: 5000 }),
);

export type LossMutation = (req: Record<string, unknown>) => { body: string; contentType?: string };

export const lossMutations: fc.Arbitrary<LossMutation>[] = [
  // A field replaced by something nasty.
  fc.tuple(fc.constantFrom(...FIELDS), nasty).map(([f, v]) => (r) => ({ body: JSON.stringify({ ...r, [f]: v }) })),
  // A field removed, or an unknown one added.
  fc.constantFrom(...FIELDS).map((f) => (r) => {
    const c = { ...r };
    delete c[f];
    return { body: JSON.stringify(c) };
  }),
  fc.tuple(fc.string(), nasty).map(([k, v]) => (r) => ({ body: JSON.stringify({ ...r, [k]: v }) })),
  // One element of logits or targets replaced.
  fc.tuple(fc.constantFrom('logits', 'targets'), fc.nat(), fc.nat(), nasty).map(([f, i, j, v]) => (r) => {
    const a = structuredClone(r[f]) as unknown[];
    const row = i % a.length;
    if (Array.isArray(a[row])) (a[row] as unknown[])[j % (a[row] as unknown[]).length] = v;
    else a[row] = v;
    return { body: JSON.stringify({ ...r, [f]: a }) };
  }),
  // Shapes that disagree: a row dropped from one array, a value added to one row.
  fc.tuple(fc.constantFrom('logits', 'targets', 'weights'), fc.nat()).map(([f, i]) => (r) => {
    const a = structuredClone((r[f] ?? (r.logits as unknown[]).map(() => 1)) as unknown[]);
    if (i % 2 === 0) a.splice(i % a.length, 1);
    else if (Array.isArray(a[0])) (a[i % a.length] as unknown[]).push(0.5);
    else a.push(0.5);
    return { body: JSON.stringify({ ...r, [f]: a }) };
  }),
  // A valid normalizer with every reduction (only mean may take one).
  fc.tuple(fc.constantFrom('mean', 'sum', 'none'), fc.double({ min: 0.5, max: 10, noNaN: true })).map(([reduction, normalizer]) => (r) => ({
    body: JSON.stringify({ ...r, reduction, normalizer }),
  })),
  // Oversized or undersized alpha lists.
  fc.integer({ min: 0, max: 20000 }).map((len) => (r) => ({ body: JSON.stringify({ ...r, alpha: new Array(len).fill(0.5) }) })),
  // A literal that overflows float64, smuggled into the text.
  fc.constantFrom('1e999', '-1e999', '1e-999', '123456789012345678901234567890e300').map((lit) => (r) => ({
    body: JSON.stringify(r).replace(/(-?\d+\.?\d*(e[+-]?\d+)?)(?=[,\]])/, lit),
  })),
  // Truncated bodies.
  fc.double({ min: 0, max: 1, noNaN: true }).map((frac) => (r) => {
    const s = JSON.stringify(r);
    return { body: s.slice(0, Math.floor(s.length * frac)) };
  }),
  // Deep nesting.
  fc
    .integer({ min: 10, max: 5000 })
    .map((d) => (r) => ({ body: JSON.stringify({ ...r, logits: '#' }).replace('"#"', '['.repeat(d) + ']'.repeat(d)) })),
  // Prototype poisoning.
  fc.constantFrom('__proto__', 'constructor').map((k) => (r) => ({
    body: JSON.stringify(r).replace(/^\{/, k === '__proto__' ? '{"__proto__":{"x":1},' : '{"constructor":{"prototype":{"x":1}},'),
  })),
  // Wrong content types.
  fc
    .constantFrom(
      'text/plain',
      'application/x-www-form-urlencoded',
      'application/octet-stream',
      'multipart/form-data; boundary=x',
      'application/jsonx',
      '',
    )
    .map((ct) => (r) => ({ body: JSON.stringify(r), contentType: ct })),
  // Encoded tensors that lie: random dtype and shape, garbage or mis-sized base64, NaN and
  // Infinity hidden in float bytes, out-of-range class ids.
  fc
    .tuple(
      fc.constantFrom('logits', 'targets', 'weights', 'alpha'),
      fc.constantFrom('float32', 'float64', 'int32', 'int64', 'uint8', 'float16', 'FP32', ''),
      fc.array(fc.integer({ min: -1, max: 40 }), { minLength: 0, maxLength: 3 }),
      fc.oneof(
        fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('base64')),
        fc.constantFrom('!!!!', 'AAA', 'AAAA=', 'A===', ' AAAA', 'AAAA\n', '', '////'),
        fc.constantFrom(NaN, Infinity, -Infinity, 1e300).map((v) => Buffer.from(new Float64Array([v, v, v, v]).buffer).toString('base64')),
        fc.constantFrom(NaN, Infinity).map((v) => Buffer.from(new Float32Array([v, 0, 1, v]).buffer).toString('base64')),
      ),
    )
    .map(([field, dtype, shape, data]) => (r) => ({ body: JSON.stringify({ ...r, [field]: { dtype, shape, data } }) })),
  // A valid encoding of the request's own logits with a wrong shape or dtype.
  fc.tuple(fc.constantFrom('float32', 'float64', 'int32', 'uint8'), fc.integer({ min: -2, max: 2 })).map(([dtype, delta]) => (r) => {
    const flat = (r.logits as unknown[]).flat(2) as number[];
    const bytes =
      dtype === 'float32'
        ? new Float32Array(flat)
        : dtype === 'float64'
          ? new Float64Array(flat)
          : dtype === 'int32'
            ? new Int32Array(flat)
            : new Uint8Array(flat);
    const shape = Array.isArray((r.logits as unknown[])[0])
      ? [(r.logits as unknown[]).length + delta, (r.logits as unknown[][])[0].length]
      : [flat.length + delta];
    return { body: JSON.stringify({ ...r, logits: { dtype, shape, data: Buffer.from(bytes.buffer).toString('base64') } }) };
  }),
  // Random bytes.
  fc.uint8Array({ maxLength: 300 }).map((bytes) => () => ({ body: Buffer.from(bytes).toString('latin1') })),
];
