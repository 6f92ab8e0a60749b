/**
 * The word-at-a-time plain-ASCII check against its definition (every byte in 0x20-0x7f), for
 * every alignment and length, with the bytes nearest the edges (0x00, 0x1f, 0x20, 0x7f, 0x80,
 * 0xff) anywhere, alone or several at once.
 */
import t from 'tap';
import fc from 'fast-check';
import { isPlainAscii } from '../../src/body/plain-ascii.js';

const definition = (bytes: Uint8Array, from: number, to: number) => bytes.subarray(from, to).every((b) => b >= 0x20 && b <= 0x7f);

const edgeByte = fc.constantFrom(0x00, 0x01, 0x1f, 0x20, 0x21, 0x7e, 0x7f, 0x80, 0x81, 0xdf, 0xe0, 0xfe, 0xff);
const plainByte = fc.integer({ min: 0x20, max: 0x7f });

t.test('equals the definition for random bytes, offsets and lengths', async (t) => {
  let rejected = 0;
  fc.assert(
    fc.property(
      fc.array(fc.oneof({ arbitrary: plainByte, weight: 8 }, { arbitrary: edgeByte, weight: 1 }), { maxLength: 80 }),
      fc.nat(7),
      fc.nat(80),
      fc.nat(80),
      (content, shift, a, b) => {
        // A fresh buffer, the content `shift` bytes in, so every alignment of the start is tried.
        const memory = new Uint8Array(new ArrayBuffer(content.length + 16), shift);
        memory.set(content);
        const from = Math.min(a, b, content.length);
        const to = Math.min(Math.max(a, b), content.length);
        const want = definition(memory, from, to);
        if (!want) rejected++;
        return isPlainAscii(memory, from, to) === want;
      },
    ),
    { numRuns: 5000 },
  );
  t.ok(rejected > 200, `many inputs were not plain (${rejected})`);
});

t.test('one bad byte anywhere in a long plain run is found; none means plain', async (t) => {
  const plain = Buffer.alloc(1000, 'A');
  t.ok(isPlainAscii(plain), 'all plain');
  t.ok(isPlainAscii(Buffer.from(' ~\x7f')), 'space, tilde and DEL are plain');
  for (const bad of [0x00, 0x09, 0x0a, 0x1f, 0x80, 0xc3, 0xff]) {
    const misses: number[] = [];
    for (let at = 0; at < 40; at++) {
      const bytes = Buffer.from(plain);
      bytes[at * 23] = bad;
      if (isPlainAscii(bytes)) misses.push(at * 23);
    }
    t.same(misses, [], `0x${bad.toString(16)} is found at every position`);
  }
  t.ok(isPlainAscii(plain, 3, 3), 'an empty range is plain');
  const shared = new Uint8Array(new SharedArrayBuffer(64)).fill(0x41);
  shared[37] = 0x1f;
  t.notOk(isPlainAscii(shared), 'shared memory is read the same way');
  t.ok(isPlainAscii(shared, 0, 37), 'up to the bad byte is plain');
});
