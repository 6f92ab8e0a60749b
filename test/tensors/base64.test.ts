/**
 * Strict base64: exactly the canonical padded RFC 4648 text of the expected byte count is
 * accepted (checked against an independent regular-expression oracle on mutated strings), and
 * what is accepted decodes to the original bytes in a buffer the result owns.
 */
import t from 'tap';
import fc from 'fast-check';
import { base64Length, decodeBase64, encodeBase64 } from '../../src/tensors/base64.js';

// Canonical padded base64: unused bits of the last data character are zero.
const CANONICAL = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/][AQgw]==|[A-Za-z0-9+/]{2}[AEIMQUYcgkosw048]=)?$/;
const bytesOf = (text: string) => (text.length / 4) * 3 - (text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0);

t.test('the base64 of any bytes decodes back to them, into an owned, aligned buffer', async (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      const text = Buffer.from(bytes).toString('base64');
      const decoded = decodeBase64(text, bytes.length);
      return decoded instanceof ArrayBuffer && decoded.byteLength === bytes.length && Buffer.from(decoded).equals(Buffer.from(bytes));
    }),
    { numRuns: 500 },
  );
  const decoded = decodeBase64(Buffer.from(new Float64Array([1.5, -2]).buffer).toString('base64'), 16) as ArrayBuffer;
  t.same(Array.from(new Float64Array(decoded)), [1.5, -2], 'a typed array over the result needs no copy');
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
      if (shouldAccept) return result instanceof ArrayBuffer && Buffer.from(result).toString('base64') === text;
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
  t.equal((decodeBase64('', 0) as ArrayBuffer).byteLength, 0, 'an empty tensor is empty text');
  t.equal(base64Length(1), 4);
  t.equal(base64Length(3), 4);
  t.equal(base64Length(4), 8);
});

t.test('encodeBase64 writes only the view, not the whole buffer', async (t) => {
  const whole = new Float32Array([1, 2, 3, 4]);
  t.equal(encodeBase64(whole.subarray(1, 3)), Buffer.from(new Float32Array([2, 3]).buffer).toString('base64'));
});
