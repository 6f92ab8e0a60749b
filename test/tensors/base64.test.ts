/**
 * Strict base64: exactly the canonical padded RFC 4648 text of the expected byte count is
 * accepted (checked against an independent regular-expression oracle on mutated strings), and
 * what is accepted decodes to the original bytes in a buffer the result owns.
 */
import t from 'tap';
import fc from 'fast-check';
import { base64Length, decodeBase64, encodeBase64, writeBase64 } from '../../src/tensors/base64.js';
import { withBatchMemory } from '../../src/memory/batch-memory.js';

// Canonical padded base64: unused bits of the last data character are zero.
const CANONICAL = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/][AQgw]==|[A-Za-z0-9+/]{2}[AEIMQUYcgkosw048]=)?$/;
const bytesOf = (text: string) => (text.length / 4) * 3 - (text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0);

t.test('the base64 of any bytes decodes back to them, into an owned, aligned buffer', async (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      const text = Buffer.from(bytes).toString('base64');
      const decoded = decodeBase64(text, bytes.length);
      return (
        decoded instanceof Uint8Array &&
        decoded.byteOffset === 0 &&
        decoded.buffer.byteLength === bytes.length &&
        Buffer.from(decoded).equals(Buffer.from(bytes))
      );
    }),
    { numRuns: 500 },
  );
  const decoded = decodeBase64(Buffer.from(new Float64Array([1.5, -2]).buffer).toString('base64'), 16) as Uint8Array;
  t.same(Array.from(new Float64Array(decoded.buffer)), [1.5, -2], 'a typed array over the result needs no copy');
});

t.test('mutated text is accepted exactly when it is canonical base64 of the expected length', async (t) => {
  const noise = fc.constantFrom('A', 'Q', 'z', '+', '/', '=', '-', '_', ' ', '\n', '!', '\u00e9', '.', 'R', 'B');
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.array(fc.tuple(fc.nat(), noise), { maxLength: 3 }), (bytes, edits) => {
      const chars = Buffer.from(bytes).toString('base64').split('');
      for (const [at, ch] of edits) chars[at % chars.length] = ch;
      const text = chars.join('');
      const result = decodeBase64(text, bytes.length);
      const shouldAccept = CANONICAL.test(text) && bytesOf(text) === bytes.length;
      if (shouldAccept) return result instanceof Uint8Array && Buffer.from(result).toString('base64') === text;
      return typeof result === 'string';
    }),
    { numRuns: 3000 },
  );
  t.pass('3000 mutated strings judged like the oracle');
});

t.test('each kind of malformed text gets its own reason', async (t) => {
  t.match(decodeBase64('QUJD', 4), /has 4 base64 characters; 4 bytes are 8/);
  t.match(decodeBase64('QUJDRA==', 5), /not padded correctly/);
  t.match(decodeBase64('QUJD-A==', 4), /URL-safe/);
  t.match(decodeBase64('QUJDRR==', 4), /not canonical/);
  t.match(decodeBase64('QUJ DA==', 4), /outside the base64 alphabet/);
  t.equal((decodeBase64('', 0) as Uint8Array).byteLength, 0, 'an empty tensor is empty text');
  t.equal(base64Length(1), 4);
  t.equal(base64Length(3), 4);
  t.equal(base64Length(4), 8);
});

t.test('encodeBase64 writes only the view, not the whole buffer', async (t) => {
  const whole = new Float32Array([1, 2, 3, 4]);
  t.equal(encodeBase64(whole.subarray(1, 3)), Buffer.from(new Float32Array([2, 3]).buffer).toString('base64'));
});

t.test('text given as bytes, decoded a piece at a time, is judged and decoded exactly as the string', async (t) => {
  const noise = fc.constantFrom('A', '+', '/', '=', '-', '_', ' ', '\n', '!', '.', 'R');
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 60 }),
      fc.array(fc.tuple(fc.nat(), noise), { maxLength: 2 }),
      fc.constantFrom(4, 8, 12, 64),
      (bytes, edits, chunk) => {
        const chars = Buffer.from(bytes).toString('base64').split('');
        for (const [at, ch] of edits) if (chars.length > 0) chars[at % chars.length] = ch;
        const text = chars.join('');
        const asString = decodeBase64(text, bytes.length);
        const asBytes = decodeBase64(Buffer.from(text, 'latin1'), bytes.length, chunk);
        if (typeof asString === 'string') return asBytes === asString;
        return asBytes instanceof Uint8Array && Buffer.from(asBytes).equals(Buffer.from(asString));
      },
    ),
    { numRuns: 3000 },
  );
  t.pass('3000 texts, pieces of 4 to 64 characters');
});

t.test('writeBase64 writes the same text as encodeBase64, a piece at a time', async (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 100 }), fc.nat(5), fc.constantFrom(4, 8, 16, 4096), (bytes, at, chunk) => {
      const view = new Uint8Array([...bytes, 7, 7]).subarray(0, bytes.length);
      const out = Buffer.alloc(at + base64Length(bytes.length) + 3, '#');
      const written = writeBase64(view, out, at, chunk);
      return (
        written === base64Length(bytes.length) &&
        out.toString('latin1', at, at + written) === encodeBase64(view) &&
        out[at + written] === 0x23
      );
    }),
    { numRuns: 1000 },
  );
  t.pass('1000 arrays');
});

t.test('large tensors decoded while a batch may be split go to lent shared memory', async (t) => {
  const big = Buffer.alloc(3 * 1024 * 1024, 5);
  const text = big.toString('base64');
  t.ok((decodeBase64(text, big.length) as Uint8Array).buffer instanceof ArrayBuffer, 'outside a split task: memory of its own');
  const lent = new SharedArrayBuffer(4 * 1024 * 1024);
  const { value, created } = withBatchMemory([lent], () => decodeBase64(Buffer.from(text), big.length) as Uint8Array);
  t.equal(value.buffer, lent, 'decoded into the lent buffer');
  t.equal(value.byteLength, big.length, 'a view of exactly the tensor');
  t.ok(Buffer.from(value).equals(big), 'with the right bytes');
  t.same(created, [], 'nothing created');
  const again = withBatchMemory([], () => decodeBase64(text, big.length) as Uint8Array);
  t.equal(again.created.length, 1, 'without a fitting lent buffer, one is created and reported');
  t.equal(again.value.buffer, again.created[0]);
  t.ok((decodeBase64(text.slice(0, 8), 6) as Uint8Array).buffer instanceof ArrayBuffer, 'small tensors are never shared');
});
