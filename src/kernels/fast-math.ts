/**
 * exp and log1p on the restricted domains the focal kernels need, written as plain arithmetic
 * so that V8 inlines them into the kernels' loops. Math.exp and Math.log1p are calls into C
 * (fdlibm) that cannot be inlined and cost two to four times as much here.
 *
 * Accuracy: within 2 ulp of the correctly rounded result on the whole domain (tested against
 * Math.exp / Math.log1p in test/kernels/fast-math.test.ts). The kernels' exactness argument
 * does not change: these only replace one accurate exp or log1p by another.
 */

// exp(x) = 2^m * 2^(j/32) * exp(r), with x = (32m + j) ln2/32 + r and |r| <= ln2/64.
const EXP_TABLE_BITS = 5;
const EXP_TABLE_SIZE = 1 << EXP_TABLE_BITS;
const INV_LN2_N = EXP_TABLE_SIZE / Math.LN2;
// ln2/32 split in two (fdlibm's ln2_hi has 32 significant bits, so k * hi is exact for the
// |k| < 2^16 that occur here, and x - k*hi is exact: Cody and Waite's argument reduction).
const LN2_N_HI = 6.9314718036912381649e-1 / EXP_TABLE_SIZE;
const LN2_N_LO = 1.90821492927058770002e-10 / EXP_TABLE_SIZE;
// Adding and subtracting 1.5 * 2^52 rounds a double of magnitude < 2^51 to the nearest
// integer in two additions, without a branch.
const ROUND_SHIFT = 6755399441055744;
/** Below this, exp(x) is smaller than half the smallest subnormal: 0. (Not exported: V8 reads
 * exported constants through a cell at every use; module-private ones are embedded.) */
const EXP_UNDERFLOW = -745.2;
// 2^(j/32), j = 0..31, from Math.pow (within 1 ulp); the whole exp is tested against Math.exp
// to 2 ulp (test/kernels/fast-math.test.ts), which covers the table's rounding.
const EXP_TABLE = new Float64Array(EXP_TABLE_SIZE);
for (let j = 0; j < EXP_TABLE_SIZE; j++) EXP_TABLE[j] = Math.pow(2, j / EXP_TABLE_SIZE);
// 2^-i for i = 0..1079 (exact powers of two, subnormal below 2^-1022, 0 below 2^-1074).
const POW2_NEG = new Float64Array(1080);
for (let i = 0; i < POW2_NEG.length; i++) POW2_NEG[i] = Math.pow(2, -i);

/**
 * exp(x) for x <= 0 (every exponent the kernels take: -|z|, z_k - max z, -gamma * softplus).
 * exp(0) is exactly 1.
 */
export function expNonPositive(x: number): number {
  if (x < EXP_UNDERFLOW) return 0;
  const kf = x * INV_LN2_N + ROUND_SHIFT - ROUND_SHIFT;
  const r = x - kf * LN2_N_HI - kf * LN2_N_LO;
  const k = kf | 0;
  // exp(r) - 1 by its Taylor series to r^6: |r| <= 0.0109, so the next term is below 4e-18.
  const em1 = r + r * r * (0.5 + r * (1 / 6 + r * (1 / 24 + r * (1 / 120 + r * (1 / 720)))));
  const t = EXP_TABLE[k & (EXP_TABLE_SIZE - 1)];
  // t + t*em1 rounds once around t instead of forming 1 + em1 first.
  return (t + t * em1) * POW2_NEG[-(k >> EXP_TABLE_BITS)];
}

// fdlibm's log1p polynomial: log(1 + f) = f - f^2/2 + s (f^2/2 + R(s^2)), s = f / (2 + f),
// minimax on |s| <= 0.1716 (1 + f in [sqrt(2)/2, sqrt(2)]).
const LP1 = 6.66666666666673513e-1;
const LP2 = 3.999999999940941908e-1;
const LP3 = 2.857142874366239149e-1;
const LP4 = 2.222219843214978396e-1;
const LP5 = 1.818357216161805012e-1;
const LP6 = 1.531383769920937332e-1;
const LP7 = 1.479819860511658591e-1;
const LN2_HI = 6.9314718036912381649e-1;
const LN2_LO = 1.90821492927058770002e-10;
const SQRT2_MINUS_1 = 0.41421356237309503;

/**
 * log(1 + x) for x in [0, 1] (the kernels take log1p(exp(-|z|))). Branch-free: for
 * x >= sqrt(2) - 1 the argument is halved, 1 + x = 2 (1 + f) with f = (x - 1) / 2, and the
 * selection between the two reductions is a multiplication by k in {0, 1}, which is exact.
 */
export function log1pUnit(x: number): number {
  const k = +(x >= SQRT2_MINUS_1);
  // (x - 1) / 2 is exact for x >= 1/2 (Sterbenz) and within 2^-55 below: 0.2 ulp of the result.
  const f = k * ((x - 1) * 0.5) + (1 - k) * x;
  const hfsq = 0.5 * f * f;
  const s = f / (2 + f);
  const z = s * s;
  const R = z * (LP1 + z * (LP2 + z * (LP3 + z * (LP4 + z * (LP5 + z * (LP6 + z * LP7))))));
  return k * LN2_HI - (hfsq - (s * (hfsq + R) + k * LN2_LO) - f);
}
