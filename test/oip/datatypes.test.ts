/**
 * Tensor datatypes: binary tensor data decoded from bytes written by hand from IEEE 754 and
 * two's complement (little-endian, as the protocol says), and JSON numbers rounded to FP16 and
 * BF16 precision exactly once, ties to even.
 */
import t from 'tap';
import { decodeBinary, halfToNumber, jsonToTyped, jsonValueProblem, roundToBfloat16, roundToHalf } from '../../src/oip/datatypes.js';

const bytes = (...b: number[]) => Buffer.from(b);
const noBadValue = (i: number, reason: string) => {
  throw new Error(`unexpected bad value ${i}: ${reason}`);
};

t.test('FP16 bit patterns decode to their IEEE 754 binary16 values', async (t) => {
  // [bits, value]: one, signs, the largest finite, the smallest normal and subnormal, zeros, 1/3.
  const cases: [number, number][] = [
    [0x3c00, 1],
    [0xc000, -2],
    [0x3800, 0.5],
    [0x3555, 0.333251953125],
    [0x7bff, 65504],
    [0x0400, 2 ** -14],
    [0x0001, 2 ** -24],
    [0x8000, -0],
    [0x7c00, Infinity],
    [0xfc00, -Infinity],
  ];
  for (const [bits, value] of cases) t.equal(Object.is(halfToNumber(bits), value), true, `0x${bits.toString(16)} is ${value}`);
  t.ok(Number.isNaN(halfToNumber(0x7e00)), '0x7e00 is NaN');
  const decoded = decodeBinary('FP16', bytes(0x00, 0x3c, 0x00, 0xc0, 0x55, 0x35, 0xff, 0x7b), noBadValue);
  t.ok(decoded instanceof Float32Array, 'FP16 widens to float32');
  t.same(Array.from(decoded), [1, -2, 0.333251953125, 65504], 'little-endian pairs decode in order');
});

t.test('BF16 bit patterns decode as the upper half of a float32', async (t) => {
  const decoded = decodeBinary('BF16', bytes(0x80, 0x3f, 0x40, 0xc0, 0x49, 0x40, 0xab, 0x3e, 0x80, 0x7f), noBadValue);
  t.ok(decoded instanceof Float32Array);
  t.same(Array.from(decoded), [1, -3, 3.140625, 0.333984375, Infinity]);
});

t.test('FP32, FP64, INT32, UINT8 read little-endian, into arrays that own their buffer', async (t) => {
  // An odd offset into a larger buffer: the decoder must not assume alignment.
  const backing = Buffer.concat([bytes(0xee), bytes(0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0)]);
  const fp32 = decodeBinary('FP32', backing.subarray(1), noBadValue);
  t.ok(fp32 instanceof Float32Array);
  t.same(Array.from(fp32), [1, -2]);
  t.equal(fp32.byteOffset, 0);
  t.equal(fp32.buffer.byteLength, 8, 'a copy of its own, transferable to a worker');

  const fp64 = decodeBinary('FP64', bytes(0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0, 0, 0, 0, 0, 0, 0x04, 0xc0), noBadValue);
  t.ok(fp64 instanceof Float64Array);
  t.same(Array.from(fp64), [1, -2.5]);

  const int32 = decodeBinary('INT32', bytes(0x07, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0x80), noBadValue);
  t.ok(int32 instanceof Int32Array);
  t.same(Array.from(int32), [7, -1, -2147483648]);

  const source = bytes(0, 1, 255);
  const uint8 = decodeBinary('UINT8', source, noBadValue);
  t.same(Array.from(uint8), [0, 1, 255]);
  source[0] = 9;
  t.equal(uint8[0], 0, 'UINT8 is copied, not a view of the request body');
});

t.test('INT64 reads exactly below 2^53, narrowing to int32 when every value fits', async (t) => {
  const small = decodeBinary(
    'INT64',
    bytes(5, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x9c, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff),
    noBadValue,
  );
  t.ok(small instanceof Int32Array);
  t.same(Array.from(small), [5, -1, -100]);
  // 2^40 and -(2^53 - 1)
  const large = decodeBinary('INT64', bytes(0, 0, 0, 0, 0, 1, 0, 0, 0x01, 0, 0, 0, 0, 0, 0xe0, 0xff), noBadValue);
  t.ok(large instanceof Float64Array, 'values past int32 stay exact in float64');
  t.same(Array.from(large), [2 ** 40, -(2 ** 53 - 1)]);
  const bad: [number, string][] = [];
  decodeBinary('INT64', bytes(1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x20, 0), (i, reason) => bad.push([i, reason]));
  t.same(bad.length, 1);
  t.equal(bad[0][0], 1, 'the value at 2^53 is reported by index');
  t.match(bad[0][1], /2\^53/);
});

t.test('JSON numbers round to FP16 once, to nearest, ties to even', async (t) => {
  t.equal(roundToHalf(1 / 3), 0.333251953125);
  t.equal(roundToHalf(1 + 2 ** -11), 1, 'a tie between 1 and its successor goes to the even 1');
  t.equal(roundToHalf(1 + 3 * 2 ** -11), 1 + 2 ** -9, 'a tie between odd and even mantissas goes to the even one');
  t.equal(roundToHalf(65519), 65504, 'just below the overflow threshold');
  t.equal(roundToHalf(65520), Infinity, 'the threshold itself overflows');
  t.equal(roundToHalf(-1e6), -Infinity);
  t.equal(roundToHalf(2 ** -25), 0, 'half the smallest subnormal ties to zero');
  t.equal(roundToHalf(3 * 2 ** -25), 2 ** -23, 'subnormal ties go to even too');
  t.equal(roundToHalf(0), 0);
  t.equal(roundToHalf(2 ** -14 * (1 - 2 ** -12)), 2 ** -14, 'rounding up across the subnormal/normal boundary');
  // Every finite FP16 value is a fixed point, and every midpoint between neighbours goes to the even one.
  let fixed = 0;
  let ties = 0;
  for (let bits = 0; bits < 0x7c00; bits++) {
    const v = halfToNumber(bits);
    if (roundToHalf(v) === v && roundToHalf(-v) === -v) fixed++;
    if (bits < 0x7bff) {
      const mid = (v + halfToNumber(bits + 1)) / 2;
      const even = bits % 2 === 0 ? v : halfToNumber(bits + 1);
      if (roundToHalf(mid) === even) ties++;
    }
  }
  t.equal(fixed, 0x7c00, 'all 31744 non-negative finite FP16 values round to themselves');
  t.equal(ties, 0x7bff, 'all midpoints round to the even neighbour');
});

t.test('JSON numbers round to BF16 directly, not through float32 (no double rounding)', async (t) => {
  t.equal(roundToBfloat16(1 / 3), 0.333984375);
  t.equal(roundToBfloat16(Math.PI), 3.140625);
  // float32 would first round this to the midpoint 1 + 2^-8, which then ties down to 1.
  t.equal(roundToBfloat16(1 + 2 ** -8 + 2 ** -30), 1 + 2 ** -7);
  t.equal(roundToBfloat16(1 + 2 ** -8), 1, 'an exact tie goes to even');
  t.equal(roundToBfloat16(3.4e38), Infinity, 'past the largest finite BF16');
});

t.test('JSON values are typed by their datatype', async (t) => {
  t.same(Array.from(jsonToTyped('FP16', [1 / 3, 70000])), [0.333251953125, Infinity], 'overflow is left for the finiteness check');
  t.same(Array.from(jsonToTyped('BF16', [1 / 3])), [0.333984375]);
  t.same(Array.from(jsonToTyped('FP32', [0.1])), [Math.fround(0.1)]);
  t.same(Array.from(jsonToTyped('FP64', [0.1])), [0.1]);
  t.ok(jsonToTyped('INT64', [1, 2]) instanceof Int32Array);
  t.ok(jsonToTyped('INT64', [2 ** 40]) instanceof Float64Array);
  t.ok(jsonToTyped('UINT8', [1]) instanceof Uint8Array);
  t.ok(jsonToTyped('INT32', [1]) instanceof Int32Array);
  t.equal(jsonValueProblem('UINT8', 256), 'must be an integer in [0, 255] (datatype UINT8)');
  t.equal(jsonValueProblem('INT32', 1.5), 'must be an integer in [-2147483648, 2147483647] (datatype INT32)');
  t.match(jsonValueProblem('INT64', 2 ** 53), /INT64/);
  t.equal(jsonValueProblem('INT64', -(2 ** 53 - 1)), null);
  t.equal(jsonValueProblem('FP16', 1e9), null, 'floats are rounded, not refused, here');
});
