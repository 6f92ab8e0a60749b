/**
 * Parsing a body with its long base64 strings lifted out gives exactly what parsing it whole
 * gives: the same value, or the same error text, for bodies with long strings that are plain,
 * escaped, non-ASCII, holding control characters, under other keys, or cut short anywhere.
 */
import t from 'tap';
import fc from 'fast-check';
import { isUtf8 } from 'node:buffer';
import sjson from 'secure-json-parse';
import { parseJsonBody } from '../../src/body/parse-json.js';
import { LIFT_MIN_CHARS, liftDataStrings, liftedText } from '../../src/body/lift-strings.js';

/** The value with every `data` member read as the decoder reads it (liftedText), as text. */
function resolved(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(resolved);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const text = k === 'data' && typeof v === 'string' ? liftedText(value as { data: string }) : null;
    out[k] = text === null ? resolved(v) : typeof text === 'string' ? text : Buffer.from(text).toString('latin1');
  }
  return out;
}

const base64ish = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const long = (seed: number, extra = '') => {
  let s = '';
  for (let i = 0; s.length < LIFT_MIN_CHARS + 10; i++) s += base64ish[(i * 7 + seed) % 64];
  return s + extra;
};

/** The oracle: the whole body parsed as the main thread always did (after the same checks of bytes). */
function whole(body: Buffer): { value?: unknown; error?: string } {
  if (body.length === 0) return { error: 'the body is empty; send a JSON object' };
  if (!isUtf8(body)) return { error: 'the body is not valid UTF-8' };
  try {
    return { value: sjson.parse(body.toString('utf8'), null, { protoAction: 'error', constructorAction: 'error' }) };
  } catch (err) {
    return { error: `the body is not valid JSON: ${(err as Error).message}` };
  }
}

function lifted(body: Buffer): { value?: unknown; error?: string } {
  try {
    return { value: resolved(parseJsonBody(body, 64)) };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

const oddities = fc.oneof({ arbitrary: fc.constant(''), weight: 6 }, fc.constantFrom('\\n', '\\"', 'é', '\u0001', '"', '\\', '==', '\t'));

t.test('lifted parsing equals whole parsing, value or error', async (t) => {
  let liftedCount = 0;
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.constantFrom('data', 'data', 'data', 'Data', 'other'), fc.nat(63), oddities, fc.nat(LIFT_MIN_CHARS + 5)), {
        minLength: 1,
        maxLength: 3,
      }),
      fc.oneof({ arbitrary: fc.constant(null), weight: 3 }, fc.double({ min: 0, max: 1, noNaN: true })),
      fc.constantFrom('', ' ', '\n  '),
      (fields, cut, space) => {
        const parts = fields.map(([key, seed, odd, at], i) => {
          const s = long(seed);
          const value = s.slice(0, at) + odd + s.slice(at);
          return `"f${i}":{"dtype":"float32",${space}"${key}"${space}:${space}"${value}"}`;
        });
        let text = `{${parts.join(',')},"mode":"binary"}`;
        if (cut !== null) text = text.slice(0, Math.floor(text.length * cut));
        const body = Buffer.from(text, 'utf8');
        if (liftDataStrings(body) !== null) liftedCount++;
        const a = whole(body);
        const b = lifted(body);
        if (a.error !== undefined || b.error !== undefined) return a.error === b.error;
        return JSON.stringify(a.value) === JSON.stringify(b.value);
      },
    ),
    { numRuns: 300 },
  );
  t.ok(liftedCount > 50, `many bodies took the lifted path (${liftedCount})`);
});

t.test('only long, plain data strings are lifted', async (t) => {
  const plain = Buffer.from(`{"logits":{"data":"${long(1)}"},"targets":{"data":"${long(2)}"}}`);
  const one = liftDataStrings(plain);
  t.equal(one?.strings.size, 2, 'both tensors');
  t.ok(one!.text.length < 300, 'the text left to parse is short');
  t.equal(liftDataStrings(Buffer.from(`{"logits":{"data":"AAAA"}}`)), null, 'short strings stay');
  t.equal(liftDataStrings(Buffer.from(`{"logits":{"data":"${long(1, '\\n')}"}}`)), null, 'escapes stay');
  t.equal(liftDataStrings(Buffer.from(`{"logits":{"data":"${long(1, 'é')}"}}`)), null, 'non-ASCII stays');
  t.equal(liftDataStrings(Buffer.from(`{"logits":{"data" : 1, "x": "${long(1)}"}}`)), null, 'other keys stay');
  const value = parseJsonBody(plain, 16) as { logits: { data: string } };
  t.ok(value.logits.data.length < 100, 'the member holds a short placeholder, which the schema sees as a string');
  t.equal(Buffer.from(liftedText(value.logits) as Uint8Array).toString('latin1'), long(1), 'the bytes are the whole string');
  t.equal(JSON.stringify(Object.keys(value.logits)), '["data"]', 'the bytes are not an enumerable member');
  t.equal(liftedText({ data: 'AAAA' }), 'AAAA', 'a member that was not lifted is its own string');
});
