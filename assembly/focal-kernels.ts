/**
 * Focal-loss kernels in WebAssembly SIMD128 (f64x2), compiled by AssemblyScript to
 * dist/kernels/focal-kernels.wasm (`npm run build:wasm`) and driven by src/kernels/fast-focal.ts.
 *
 * The same math, in the same stable forms, as the JavaScript kernels (src/kernels/sigmoid-focal.ts
 * and softmax-focal.ts; their header comments give the derivations):
 * - sigmoid: p, q = 1 - p and both softplus values from one exp(-|z|) and one log1p, never 1 - p;
 *   m = 1 - p_t = y' q + (1 - y') p; the gradient's m^(gamma - 1) written as m^gamma (p q / m)
 *   with p q / m <= 1 (exactly the other of p, q for a hard label), so every gamma >= 0 and every
 *   finite logit give finite values; max(z, 0) as [z >= 0] z so that z = +-1.7e308 cannot overflow.
 * - softmax: log-sum-exp split at the arg-max (lowest index on ties): o_k* = s / (1 + s),
 *   log p_k* = -log1p(s), so a confident row keeps 1 - p to full relative precision; B_k =
 *   o^gamma (1 + gamma p h), h = -log p / o bounded (limit 1 where o underflows).
 * - exp is src/kernels/fast-math.ts's expNonPositive operation for operation (a 32-entry
 *   2^(j/32) table written by the JS loader from the same formula, the same Horner polynomial), so
 *   p, 1 - p (sigmoid) and p_t (softmax, with the exponentials summed in the JS kernel's order) are
 *   the JS kernel's to the bit, and so are the p_t histograms, even at bin edges. log1p is
 *   fdlibm's polynomial as in fast-math.ts, in Estrin's form (shorter dependency chain); losses and
 *   gradients therefore agree with the JS kernels to a few ulp, not bit for bit.
 * - x^gamma: gamma 0, integers 1-4 multiplied out, half-integers up to 4.5 as x^floor(gamma)
 *   sqrt(x) (sqrt is correctly rounded), and for hard sigmoid labels exp(-gamma softplus). Other
 *   gammas (which would need an accurate pow) are left to the JS kernel by the loader.
 *
 * Layout: the JS side owns linear memory. It copies a chunk of rows (a few thousand elements,
 * cache-sized) into fixed buffers, calls one chunk function, and copies the chunk's gradient and
 * losses out; statistics accumulate in memory across chunks, the loss sum in a compensated
 * (Neumaier) pair of globals. Vectors hold two elements: in the sigmoid kernel the same column of
 * two consecutive rows (a chunk is walked column by column, so a column's alpha and statistics
 * stay in registers), in the softmax kernel two neighbouring classes of one row. A row's odd last
 * class is read and written as a pair with one element beyond the row (the buffers are padded, and
 * that slot belongs to the next row, which overwrites it); sums mask that lane off.
 *
 * Dense layout (src/kernels/types.ts): a chunk is [rows / positions, c, positions], the request's
 * own layout, walked in place with strides. Sigmoid: column j of a sample is a contiguous plane,
 * so pairs are two neighbouring positions (one vector load). Softmax: a row's classes are
 * `positions` elements apart; the class pairs stay the vectors (so every value is computed by the
 * same operations as in a row-major chunk, to the bit), loaded and stored lane by lane.
 *
 * Speed (V8, x64; measured): vector constants are loaded from a table at fixed addresses below
 * the module's data (V8 rebuilds v128 immediates at every use, and the compiler folds loads from
 * static data segments back into immediates), each one load with a constant offset;
 * log1p's polynomial uses Estrin's scheme; f64x2.pmax instead of f64x2.max (max is an 8-instruction
 * NaN- and signed-zero-exact sequence on x64, pmax one maxpd); -|z| as z | sign bit; the sigmoid
 * loop computes two pairs per iteration, interleaved, so that their long exp -> log1p -> loss
 * dependency chains overlap; the p_t histogram is counted in four copies so that repeated
 * increments of one bin do not serialise through memory.
 *
 * Evaluation sums (src/kernels/evaluation-pass.ts, the reference and fallback), fused into the same
 * pass when the loader asks (the E type parameter: f64 computes them, i32 compiles them out, so the
 * plain kernel pays nothing): calibration bins, the Brier sum and the NLL sum (x NLL_SCALE), the
 * same formulas on the same values as the JS pass. p (sigmoid) and 1 / (1 + s) (softmax) are the JS
 * values to the bit (see expV), and the bin is min(floor(v * 15), 14) in the same float64
 * arithmetic as calibrationBin, so counts and hit sums are exact even at bin edges; the Brier and
 * NLL terms are the JS pass's expressions per element (log1p aside: a few ulp; a one-hot row's
 * Brier from the sum of squares instead, see softmaxImpl), each NLL term scaled by NLL_SCALE
 * before it is added (as the JS pass does: scaling the sum instead would round tiny terms
 * differently). Sums are plain within a chunk's column (sigmoid) or chunk (softmax) and
 * compensated across them, so they agree with the JS pass to rounding, not bitwise.
 */

// ---------------------------------------------------------------- memory set up by the loader

// Fixed addresses below the module's own data (asc --memoryBase 32768), so every constant and
// table load is one instruction with a constant offset.
/** 2^(j/32), j = 0..31 (written by JS). */
const EXPT: usize = 1024;
/** 2^-i, i = 0..2047 (0 from 1075 on; written by JS). Indexed with & 2047 so no index can leave it. */
const POW2: usize = EXPT + 32 * 8;
/** Splatted constants, 16 bytes each (written by init). */
const K: usize = POW2 + 2048 * 8;
/** Sigmoid: per-column p_t histogram scratch, 4 copies of 10 bins (see sigmoidImpl). */
const HS: usize = K + 35 * 16; // CONSTANT_SLOTS constants
/**
 * Sigmoid evaluation: per-column calibration scratch, 4 copies (lane x pair, as HS) of
 * CAL_SLOTS slots of [value sum, count]: slot = bin for a miss, CAL_BINS + bin for a hit.
 */
const CB: usize = HS + 40 * 8;
const CAL_BINS = 15; // clients/typescript/src/merge/calibration-bins.ts CALIBRATION_BINS
const CAL_SLOTS = 2 * CAL_BINS;
const CB_COPY: usize = CAL_SLOTS * 16;
/** The evaluation's compensated sums: Brier hi, lo, NLL hi, lo. */
const EVS: usize = CB + 4 * CB_COPY;
const FIXED_END: usize = EVS + 4 * 8;

// Buffers of the current problem (set by layout()).
let A_PTR: usize = 0; // alpha, f64 per column (padded)
let S_PTR: usize = 0; // statistics, 5 x c f64
let H_PTR: usize = 0; // p_t histogram, c x 10 f64
let C_PTR: usize = 0; // softmax: per-row coefficient scratch (c + 2 f64)
let E_PTR: usize = 0; // softmax: exp scratch when no gradient is written (c + 2 f64)
let L_PTR: usize = 0; // logits chunk
let T_PTR: usize = 0; // targets / probabilities / labels chunk
let W_PTR: usize = 0; // weights chunk (f64 per row)
let G_PTR: usize = 0; // gradient chunk (f64)
let O_PTR: usize = 0; // losses chunk (f64)
let V_PTR: usize = 0; // evaluation: calibration bins, [count, value sum, hit sum] x CAL_BINS per column (f64)
let R_PTR: usize = 0; // softmax evaluation: per row of the chunk, i32 class (-1: ignored) and i32 prediction

// The loss sum over the whole problem (Neumaier), and its finiteness.
let sumHi: f64 = 0;
let sumLo: f64 = 0;

const PT_BINS = 10;
const NLL_SCALE: f64 = 5.421010862427522e-20; // 2^-64
const PT_BINS_U: usize = 10;

// Constant slots (index into K, 16 bytes each).
const C_ZERO = 0;
const C_ONE = 1;
const C_HALF = 2;
const C_TWO = 3;
const C_ALL = 4; // all bits set
const C_LANE0 = 5; // lane 0 bits set, lane 1 clear
const C_NEG_INF = 6;
const C_INV_LN2_N = 7;
const C_SHIFT = 8;
const C_LN2_N_HI = 9;
const C_LN2_N_LO = 10;
const C_E3 = 11; // 1/6
const C_E4 = 12; // 1/24
const C_E5 = 13; // 1/120
const C_E6 = 14; // 1/720
const C_UNDER = 15; // -745.2
const C_LP1 = 16;
const C_LP2 = 17;
const C_LP3 = 18;
const C_LP4 = 19;
const C_LP5 = 20;
const C_LP6 = 21;
const C_LP7 = 22;
const C_LN2_HI = 23;
const C_LN2_LO = 24;
const C_SQRT2M1 = 25;
const C_BINS = 26; // 10.0
const C_I_MAXBIN = 27; // i32x4 9
const C_I_ZERO = 28;
const C_IDX01 = 29; // i64x2 (0, 1)
const C_I64_TWO = 30; // i64x2 (2, 2)
const C_SIGN = 31; // the sign bit of each lane: x | SIGN = -|x|
const C_CAL_BINS = 32; // 15.0
const C_CAL_LAST = 33; // 14.0
const C_NLL_SCALE = 34; // 2^-64 (clients/typescript/src/merge/calibration-bins.ts NLL_SCALE)
export const CONSTANT_SLOTS = 35;

@inline function C(slot: i32): v128 {
  return v128.load(K + (<usize>slot << 4));
}

function putF(slot: i32, x: f64): void {
  v128.store(K + (<usize>slot << 4), f64x2.splat(x));
}

/** Where the loader writes the exp tables (2^(j/32) for j < 32, then 2^-i for i < 2048). */
export function tableBase(): usize {
  return EXPT;
}

/** First free byte of linear memory (16-aligned): the loader's buffers start there. */
export function heapBase(): usize {
  return (__heap_base + 15) & ~<usize>15;
}

/** End of the fixed tables; the loader checks it is below heapBase (built with --memoryBase). */
export function fixedEnd(): usize {
  return FIXED_END;
}

/** Writes the constants; the loader then fills the exp tables. */
export function init(): void {
  putF(C_ZERO, 0);
  putF(C_ONE, 1);
  putF(C_HALF, 0.5);
  putF(C_TWO, 2);
  v128.store(K + (<usize>C_ALL << 4), i64x2.splat(-1));
  v128.store(K + (<usize>C_LANE0 << 4), i64x2(-1, 0));
  putF(C_NEG_INF, -Infinity);
  putF(C_INV_LN2_N, 32 / 0.6931471805599453);
  putF(C_SHIFT, 6755399441055744.0);
  putF(C_LN2_N_HI, 6.93147180369123816490e-1 / 32);
  putF(C_LN2_N_LO, 1.90821492927058770002e-10 / 32);
  putF(C_E3, 1.0 / 6);
  putF(C_E4, 1.0 / 24);
  putF(C_E5, 1.0 / 120);
  putF(C_E6, 1.0 / 720);
  putF(C_UNDER, -745.2);
  putF(C_LP1, 6.666666666666735130e-1);
  putF(C_LP2, 3.999999999940941908e-1);
  putF(C_LP3, 2.857142874366239149e-1);
  putF(C_LP4, 2.222219843214978396e-1);
  putF(C_LP5, 1.818357216161805012e-1);
  putF(C_LP6, 1.531383769920937332e-1);
  putF(C_LP7, 1.479819860511658591e-1);
  putF(C_LN2_HI, 6.93147180369123816490e-1);
  putF(C_LN2_LO, 1.90821492927058770002e-10);
  putF(C_SQRT2M1, 0.41421356237309503);
  putF(C_BINS, <f64>PT_BINS);
  v128.store(K + (<usize>C_I_MAXBIN << 4), i32x4.splat(PT_BINS - 1));
  v128.store(K + (<usize>C_I_ZERO << 4), i32x4.splat(0));
  v128.store(K + (<usize>C_IDX01 << 4), i64x2(0, 1));
  v128.store(K + (<usize>C_I64_TWO << 4), i64x2.splat(2));
  v128.store(K + (<usize>C_SIGN << 4), i64x2.splat(<i64>0x8000000000000000));
  putF(C_CAL_BINS, <f64>CAL_BINS);
  putF(C_CAL_LAST, <f64>(CAL_BINS - 1));
  putF(C_NLL_SCALE, NLL_SCALE);
}

/** Buffer addresses of the next problem (chosen by the loader). */
export function layout(a: usize, s: usize, h: usize, coef: usize, ex: usize, l: usize, t: usize, w: usize, g: usize, o: usize): void {
  A_PTR = a;
  S_PTR = s;
  H_PTR = h;
  C_PTR = coef;
  E_PTR = ex;
  L_PTR = l;
  T_PTR = t;
  W_PTR = w;
  G_PTR = g;
  O_PTR = o;
  sumHi = 0;
  sumLo = 0;
}

/**
 * Evaluation buffers of the next problem (after layout): calibration bins (zeroed by the loader)
 * and, for softmax, the per-row (class, prediction) pairs of each chunk. Resets the Brier and NLL sums.
 */
export function evaluationLayout(v: usize, r: usize): void {
  V_PTR = v;
  R_PTR = r;
  memory.fill(EVS, 0, 4 * 8);
}

/** The compensated Brier sum of every chunk so far. */
export function brierSum(): f64 {
  return load<f64>(EVS) + load<f64>(EVS, 8);
}

/** The compensated NLL sum (x NLL_SCALE) of every chunk so far. */
export function nllSum(): f64 {
  return load<f64>(EVS, 16) + load<f64>(EVS, 24);
}

/** Neumaier: adds x to the (hi, lo) pair at p. */
@inline function addAt(p: usize, x: f64): void {
  const hi = load<f64>(p);
  const t = hi + x;
  let lo = load<f64>(p, 8);
  if (Math.abs(hi) >= Math.abs(x)) lo += hi - t + x;
  else lo += x - t + hi;
  store<f64>(p, t);
  store<f64>(p, lo, 8);
}

/** The compensated loss sum of every chunk so far (NaN or infinite when a value was not finite). */
export function lossSum(): f64 {
  return sumHi + sumLo;
}

@inline function addSum(x: f64): void {
  const t = sumHi + x;
  if (Math.abs(sumHi) >= Math.abs(x)) sumLo += sumHi - t + x;
  else sumLo += x - t + sumHi;
  sumHi = t;
}

// ---------------------------------------------------------------- vector math

/**
 * exp(x) for x <= 0 in both lanes: fast-math.ts expNonPositive operation for operation (Horner's
 * polynomial, the same tables), so the result is the JS kernel's to the bit. The p_t histogram
 * bins p = 1 / (1 + e) (sigmoid) and e_k / (1 + s) (softmax), and a value that differed by one
 * ulp could land in the neighbouring bin at an edge (p = 0.5 for two tied classes, say).
 */
@inline function expV(x: v128): v128 {
  const under = f64x2.lt(x, C(C_UNDER));
  // pmax is one maxpd (f64x2.max would add a NaN- and sign-of-zero-exact sequence).
  const xc = f64x2.pmax(x, C(C_UNDER));
  const t = f64x2.add(f64x2.mul(xc, C(C_INV_LN2_N)), C(C_SHIFT));
  const kf = f64x2.sub(t, C(C_SHIFT));
  const r = f64x2.sub(f64x2.sub(xc, f64x2.mul(kf, C(C_LN2_N_HI))), f64x2.mul(kf, C(C_LN2_N_LO)));
  // em1 = r + r r (1/2 + r (1/6 + r (1/24 + r (1/120 + r / 720))))
  let p = f64x2.add(C(C_E5), f64x2.mul(r, C(C_E6)));
  p = f64x2.add(C(C_E4), f64x2.mul(r, p));
  p = f64x2.add(C(C_E3), f64x2.mul(r, p));
  p = f64x2.add(C(C_HALF), f64x2.mul(r, p));
  const em1 = f64x2.add(r, f64x2.mul(f64x2.mul(r, r), p));
  // The low 32 bits of t are k (t = k + 1.5 * 2^52).
  const k0 = i32x4.extract_lane(t, 0);
  const k1 = i32x4.extract_lane(t, 2);
  const tv = v128.load64_lane(EXPT + ((<usize>(k1 & 31)) << 3), v128.load64_zero(EXPT + ((<usize>(k0 & 31)) << 3)), 1);
  const s0 = v128.load64_zero(POW2 + ((<usize>(-(k0 >> 5) & 2047)) << 3));
  const sv = v128.load64_lane(POW2 + ((<usize>(-(k1 >> 5) & 2047)) << 3), s0, 1);
  const res = f64x2.mul(f64x2.add(tv, f64x2.mul(tv, em1)), sv);
  return v128.andnot(res, under);
}

/** log(1 + x) for x in [0, 1] in both lanes (fast-math.ts log1pUnit, Estrin's scheme). */
@inline function log1pV(x: v128): v128 {
  const k = f64x2.ge(x, C(C_SQRT2M1));
  const f = v128.bitselect(f64x2.mul(f64x2.sub(x, C(C_ONE)), C(C_HALF)), x, k);
  const hfsq = f64x2.mul(f64x2.mul(C(C_HALF), f), f);
  const s = f64x2.div(f, f64x2.add(C(C_TWO), f));
  const z = f64x2.mul(s, s);
  const z2 = f64x2.mul(z, z);
  const z4 = f64x2.mul(z2, z2);
  const a = f64x2.add(C(C_LP1), f64x2.mul(z, C(C_LP2)));
  const b = f64x2.add(C(C_LP3), f64x2.mul(z, C(C_LP4)));
  const c = f64x2.add(C(C_LP5), f64x2.mul(z, C(C_LP6)));
  const d = f64x2.add(c, f64x2.mul(z2, C(C_LP7)));
  const poly = f64x2.add(f64x2.add(a, f64x2.mul(z2, b)), f64x2.mul(z4, d));
  const R = f64x2.mul(z, poly);
  const inner = f64x2.add(f64x2.mul(s, f64x2.add(hfsq, R)), v128.and(C(C_LN2_LO), k));
  return f64x2.sub(v128.and(C(C_LN2_HI), k), f64x2.sub(f64x2.sub(hfsq, inner), f));
}

/** x^k for an integer k in [0, 4] (the loop-invariant k selects one branch). */
@inline function ipowV(x: v128, k: i32): v128 {
  if (k == 0) return C(C_ONE);
  if (k == 1) return x;
  if (k == 2) return f64x2.mul(x, x);
  if (k == 3) return f64x2.mul(f64x2.mul(x, x), x);
  const x2 = f64x2.mul(x, x);
  return f64x2.mul(x2, x2);
}

/**
 * x^gamma by route `kind` (power.ts): 0 -> 1, 1 -> x^ip, 2 -> x^ip sqrt(x), 3 -> exp(-gamma negLog).
 */
@inline function powV(x: v128, kind: i32, ip: i32, negGamma: v128, negLog: v128): v128 {
  if (kind == 0) return C(C_ONE);
  if (kind == 1) return ipowV(x, ip);
  if (kind == 2) return f64x2.mul(ipowV(x, ip), f64x2.sqrt(x));
  return expV(f64x2.mul(negGamma, negLog));
}

/** Histogram bins of two probabilities in [0, 1]: min(floor(10 p), 9), clamped to [0, 9] for any input. */
@inline function binsV(pt: v128): v128 {
  const b = i32x4.trunc_sat_f64x2_s_zero(f64x2.mul(pt, C(C_BINS)));
  return i32x4.max_s(i32x4.min_s(b, C(C_I_MAXBIN)), C(C_I_ZERO));
}

@inline function hsum(v: v128): f64 {
  return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
}

/** Element at byte address p widened to f64 (f32, f64, u8 or i32 storage). */
@inline function loadOne<T>(p: usize): f64 {
  return <f64>load<T>(p);
}

/** Two elements at byte addresses pa, pb, widened to f64. */
@inline function loadPair<T>(pa: usize, pb: usize): v128 {
  if (isFloat<T>() && sizeof<T>() == 8) return v128.load64_lane(pb, v128.load64_zero(pa), 1);
  return f64x2.replace_lane(f64x2.splat(<f64>load<T>(pa)), 1, <f64>load<T>(pb));
}

/** Two neighbouring float elements at byte address p (f32 or f64 storage). */
@inline function loadVec<T>(p: usize): v128 {
  if (sizeof<T>() == 8) return v128.load(p);
  return f64x2.promote_low_f32x4(v128.load64_zero(p));
}

/**
 * Two float elements `stride` bytes apart at p (a class pair of a strided softmax row): one vector
 * load when they are neighbours, else one load per lane.
 */
@inline function loadVecS<T>(p: usize, stride: usize): v128 {
  if (stride == <usize>sizeof<T>()) return loadVec<T>(p);
  return loadPair<T>(p, p + stride);
}

/** Stores two f64 `stride` bytes apart at p (one store when they are neighbours). */
@inline function storeVecS(p: usize, v: v128, stride: usize): void {
  if (stride == 8) {
    v128.store(p, v);
  } else {
    v128.store64_lane(p, v, 0);
    v128.store64_lane(p + stride, v, 1);
  }
}

// ---------------------------------------------------------------- sigmoid (binary, multilabel)

// Statistics layout, c values each: support, predicted positive, tp, positive loss, negative loss.
const S_SUPPORT: usize = 0;
const S_PREDICTED: usize = 1;
const S_TP: usize = 2;
const S_POS: usize = 3;
const S_NEG: usize = 4;

/**
 * One chunk of `rows` rows x `c` columns of the sigmoid focal loss. lt: logits type (0 f32,
 * 1 f64); tt: targets type (0 f32, 1 f64, 2 u8, 3 i32). kind/ip: the power route (see powV).
 * sc: the gradient scale (1/denominator for mean). ev: also the evaluation sums (evaluationLayout).
 */
export function sigmoidChunk(
  lt: i32, tt: i32, rows: i32, c: i32, positions: i32, hasW: bool, hasA: bool, kind: i32, ip: i32,
  gamma: f64, eps: f64, sc: f64, wantG: bool, wantL: bool, ev: bool,
): void {
  if (lt == 0) {
    if (ev) sigmoidTargets<f32, f64>(tt, rows, c, positions, hasW, hasA, kind, ip, gamma, eps, sc, wantG, wantL);
    else sigmoidTargets<f32, i32>(tt, rows, c, positions, hasW, hasA, kind, ip, gamma, eps, sc, wantG, wantL);
  } else {
    if (ev) sigmoidTargets<f64, f64>(tt, rows, c, positions, hasW, hasA, kind, ip, gamma, eps, sc, wantG, wantL);
    else sigmoidTargets<f64, i32>(tt, rows, c, positions, hasW, hasA, kind, ip, gamma, eps, sc, wantG, wantL);
  }
}

@inline function sigmoidTargets<L, E>(
  tt: i32, rows: i32, c: i32, positions: i32, hasW: bool, hasA: bool, kind: i32, ip: i32,
  gamma: f64, eps: f64, sc: f64, wantG: bool, wantL: bool,
): void {
  if (tt == 0) sigmoidImpl<L, f32, E>(rows, c, positions, hasW, hasA, kind, ip, gamma, eps, sc, wantG, wantL);
  else if (tt == 1) sigmoidImpl<L, f64, E>(rows, c, positions, hasW, hasA, kind, ip, gamma, eps, sc, wantG, wantL);
  else if (tt == 2) sigmoidImpl<L, u8, E>(rows, c, positions, hasW, hasA, kind, ip, gamma, eps, sc, wantG, wantL);
  else sigmoidImpl<L, i32, E>(rows, c, positions, hasW, hasA, kind, ip, gamma, eps, sc, wantG, wantL);
}

/**
 * Calibration scratch slots (see CB) of two probabilities, as i32 in lanes 0 and 1:
 * min(floor(p * 15), 14) as calibrationBin computes it, plus CAL_BINS where `hit`.
 */
@inline function calSlotsV(p: v128, hit: v128): v128 {
  const bin = f64x2.pmin(f64x2.floor(f64x2.mul(p, C(C_CAL_BINS))), C(C_CAL_LAST)); // C_CAL_LAST < b ? C_CAL_LAST : b
  return i32x4.trunc_sat_f64x2_s_zero(f64x2.add(bin, v128.and(C(C_CAL_BINS), hit)));
}

/** Adds [value, 1] to slot `slot` of the scratch copy at `copy`. */
@inline function calAdd(copy: usize, slot: i32, valueOne: v128): void {
  const at = copy + (<usize>slot << 4);
  v128.store(at, f64x2.add(v128.load(at), valueOne));
}

/** The NLL term y softplus(-z) + (1 - y) softplus(z) (unsmoothed y), scaled by NLL_SCALE. */
@inline function nllTermV(y: v128, spNeg: v128, spPos: v128): v128 {
  return f64x2.mul(f64x2.add(f64x2.mul(y, spNeg), f64x2.mul(f64x2.sub(C(C_ONE), y), spPos)), C(C_NLL_SCALE));
}

/**
 * Two elements of type T at pa and pb (pb = pa + one element when `contiguous`: one vector load
 * for float and int32 storage).
 */
@inline function loadTwo<T>(pa: usize, pb: usize, contiguous: bool): v128 {
  if (isFloat<T>()) {
    if (contiguous) return loadVec<T>(pa);
  } else if (sizeof<T>() == 4) {
    if (contiguous) return f64x2.convert_low_i32x4_s(v128.load64_zero(pa));
  }
  return loadPair<T>(pa, pb);
}

function sigmoidImpl<L, T, E>(
  rows: i32, c: i32, positions: i32, hasW: bool, hasA: bool, kind: i32, ip: i32,
  gamma: f64, eps: f64, sc: f64, wantG: bool, wantL: bool,
): void {
  const smoothScale = f64x2.splat(1 - eps);
  const smoothOffset = f64x2.splat(eps / 2);
  const gammaV = f64x2.splat(gamma);
  const negGamma = f64x2.splat(-gamma);
  const scV = f64x2.splat(sc);
  const focusing = kind != 0;
  const lsz = <usize>sizeof<L>();
  const tsz = <usize>sizeof<T>();
  // The chunk's layout is [rows / positions, c, positions] (src/kernels/types.ts; positions = 1:
  // rows x c row-major). Column j is walked in runs of rows whose elements are `step` apart:
  // positions = 1, one run of every row with step c; positions > 1, one run per sample (its class-j plane, step 1). With step 1 (one
  // column, or a plane) a pair is two neighbouring elements, read and written with one access.
  const planes = positions > 1;
  const runs = planes ? rows / positions : 1;
  const runLen = planes ? positions : rows;
  const step = <usize>(planes ? 1 : c);
  const contiguous = c == 1 || planes;
  // A lone last row may pair with the element after it only where that is the chunk's padding
  // (positions = 1, one column); inside a chunk it is another plane's element, already written.
  const padAfter = c == 1 && !planes;
  const Lp = L_PTR;
  const Tp = T_PTR;
  const Wp = W_PTR;
  const Gp = G_PTR;
  const Op = O_PTR;
  for (let j = 0; j < c; j++) {
    const alphaPos = hasA ? load<f64>(A_PTR + (<usize>j << 3)) : 1.0;
    const aPos = f64x2.splat(alphaPos);
    const aNeg = f64x2.splat(1 - alphaPos);
    let block = C(C_ZERO);
    let support = C(C_ZERO);
    let predicted = C(C_ZERO);
    let tp = C(C_ZERO);
    let posSum = C(C_ZERO);
    let negSum = C(C_ZERO);
    // The histogram is counted in 4 copies (lane x parity of the pair), so that consecutive
    // increments of the same bin do not wait for each other through memory.
    memory.fill(HS, 0, 40 * 8);
    let hs: usize = HS;
    let brier = C(C_ZERO);
    let nll = C(C_ZERO);
    if (isFloat<E>()) memory.fill(CB, 0, 4 * CB_COPY);
    // Without smoothing the loss's cross-entropy is the NLL term itself (y' = y * 1 + 0 = y).
    const unsmoothed = eps == 0;
    // Main loop: two pairs (rows i..i+3) per iteration, every statement of the single-pair loop
    // below written once for pair A and once for pair B, interleaved: each pair is a long
    // dependency chain (exp, then log1p, then the loss), and interleaving lets the processor
    // overlap the two chains. Keep the two loops in step (the tests cover both: odd row counts).
    for (let run = 0; run < runs; run++) {
    // (The two loops below keep the indentation they had before runs: the diff stays readable.)
    const base = planes ? (<usize>run * <usize>c + <usize>j) * <usize>positions : <usize>j;
    const rowBase = run * runLen;
    let i = 0;
    for (; i + 3 < runLen; i += 4) {
      const iaA = base + <usize>i * step;
      const ibA = iaA + step;
      const iaB = ibA + step;
      const ibB = iaB + step;
      const zA = loadTwo<L>(Lp + iaA * lsz, Lp + ibA * lsz, contiguous);
      const zB = loadTwo<L>(Lp + iaB * lsz, Lp + ibB * lsz, contiguous);
      const yA = loadTwo<T>(Tp + iaA * tsz, Tp + ibA * tsz, contiguous);
      const yB = loadTwo<T>(Tp + iaB * tsz, Tp + ibB * tsz, contiguous);
      const ysA = f64x2.add(f64x2.mul(yA, smoothScale), smoothOffset);
      const ysB = f64x2.add(f64x2.mul(yB, smoothScale), smoothOffset);
      const nsA = f64x2.sub(C(C_ONE), ysA);
      const nsB = f64x2.sub(C(C_ONE), ysB);
      const eA = expV(v128.or(C(C_SIGN), zA));
      const eB = expV(v128.or(C(C_SIGN), zB));
      const lA = log1pV(eA);
      const lB = log1pV(eB);
      const rA = f64x2.div(C(C_ONE), f64x2.add(C(C_ONE), eA));
      const rB = f64x2.div(C(C_ONE), f64x2.add(C(C_ONE), eB));
      const erA = f64x2.mul(eA, rA);
      const erB = f64x2.mul(eB, rB);
      const upA = f64x2.ge(zA, C(C_ZERO));
      const upB = f64x2.ge(zB, C(C_ZERO));
      const pA = v128.bitselect(rA, erA, upA);
      const pB = v128.bitselect(rB, erB, upB);
      const qA = v128.bitselect(erA, rA, upA);
      const qB = v128.bitselect(erB, rB, upB);
      const spPosA = f64x2.add(v128.and(zA, upA), lA); // softplus(zA) = -log qA
      const spNegA = f64x2.sub(lA, v128.andnot(zA, upA)); // softplus(-zA) = -log pA
      const ceA = f64x2.add(f64x2.mul(ysA, spNegA), f64x2.mul(nsA, spPosA));
      const spPosB = f64x2.add(v128.and(zB, upB), lB); // softplus(zB) = -log qB
      const spNegB = f64x2.sub(lB, v128.andnot(zB, upB)); // softplus(-zB) = -log pB
      const ceB = f64x2.add(f64x2.mul(ysB, spNegB), f64x2.mul(nsB, spPosB));
      const mA = f64x2.add(f64x2.mul(ysA, qA), f64x2.mul(nsA, pA));
      const mB = f64x2.add(f64x2.mul(ysB, qB), f64x2.mul(nsB, pB));
      let negLogA = C(C_ZERO);
      let negLogB = C(C_ZERO);
      if (kind == 3) negLogA = f64x2.add(f64x2.mul(ysA, spPosA), f64x2.mul(nsA, spNegA));
      if (kind == 3) negLogB = f64x2.add(f64x2.mul(ysB, spPosB), f64x2.mul(nsB, spNegB));
      const mgA = powV(mA, kind, ip, negGamma, negLogA);
      const mgB = powV(mB, kind, ip, negGamma, negLogB);
      const atA = hasA ? f64x2.add(f64x2.mul(ysA, aPos), f64x2.mul(nsA, aNeg)) : C(C_ONE);
      const atB = hasA ? f64x2.add(f64x2.mul(ysB, aPos), f64x2.mul(nsB, aNeg)) : C(C_ONE);
      let wA = C(C_ONE);
      let wB = C(C_ONE);
      if (hasW) {
        // Rows i, i + 1 (pair A) and i + 2, i + 3 (pair B).
        const wpA = Wp + (<usize>(rowBase + i) << 3);
        wA = v128.load(wpA);
      }
      if (hasW) {
        const wpB = Wp + (<usize>(rowBase + i + 2) << 3);
        wB = v128.load(wpB);
      }
      const waA = f64x2.mul(wA, atA);
      const waB = f64x2.mul(wB, atB);
      const lossA = f64x2.mul(f64x2.mul(waA, mgA), ceA);
      const lossB = f64x2.mul(f64x2.mul(waB, mgB), ceB);
      let accA = lossA;
      let accB = lossB;
      if (wantG) {
        const dceA = f64x2.sub(f64x2.mul(nsA, pA), f64x2.mul(ysA, qA));
        let gA: v128;
        if (focusing) {
          // pA qA / mA <= 1; exactly qA or pA for a hardA label (yA' = 1 or 0), with no division.
          const hardA = v128.or(f64x2.eq(ysA, C(C_ONE)), f64x2.eq(ysA, C(C_ZERO)));
          let ratioA = f64x2.add(f64x2.mul(ysA, pA), f64x2.mul(nsA, qA));
          if (!i64x2.all_true(hardA)) {
            const softA = v128.and(f64x2.div(f64x2.mul(pA, qA), mA), f64x2.gt(mA, C(C_ZERO)));
            ratioA = v128.bitselect(ratioA, softA, hardA);
          }
          const dmodA = f64x2.mul(f64x2.mul(f64x2.mul(gammaV, mgA), f64x2.sub(C(C_ONE), f64x2.mul(C(C_TWO), ysA))), ratioA);
          gA = f64x2.mul(f64x2.mul(waA, f64x2.add(f64x2.mul(dmodA, ceA), f64x2.mul(mgA, dceA))), scV);
        } else {
          gA = f64x2.mul(f64x2.mul(waA, dceA), scV);
        }
        if (contiguous) {
          v128.store(Gp + (iaA << 3), gA);
        } else {
          v128.store64_lane(Gp + (iaA << 3), gA, 0);
          v128.store64_lane(Gp + (ibA << 3), gA, 1);
        }
        accA = f64x2.add(f64x2.sub(gA, gA), lossA);
      }
      if (wantG) {
        const dceB = f64x2.sub(f64x2.mul(nsB, pB), f64x2.mul(ysB, qB));
        let gB: v128;
        if (focusing) {
          // pB qB / mB <= 1; exactly qB or pB for a hardB label (yB' = 1 or 0), with no division.
          const hardB = v128.or(f64x2.eq(ysB, C(C_ONE)), f64x2.eq(ysB, C(C_ZERO)));
          let ratioB = f64x2.add(f64x2.mul(ysB, pB), f64x2.mul(nsB, qB));
          if (!i64x2.all_true(hardB)) {
            const softB = v128.and(f64x2.div(f64x2.mul(pB, qB), mB), f64x2.gt(mB, C(C_ZERO)));
            ratioB = v128.bitselect(ratioB, softB, hardB);
          }
          const dmodB = f64x2.mul(f64x2.mul(f64x2.mul(gammaV, mgB), f64x2.sub(C(C_ONE), f64x2.mul(C(C_TWO), ysB))), ratioB);
          gB = f64x2.mul(f64x2.mul(waB, f64x2.add(f64x2.mul(dmodB, ceB), f64x2.mul(mgB, dceB))), scV);
        } else {
          gB = f64x2.mul(f64x2.mul(waB, dceB), scV);
        }
        if (contiguous) {
          v128.store(Gp + (iaB << 3), gB);
        } else {
          v128.store64_lane(Gp + (iaB << 3), gB, 0);
          v128.store64_lane(Gp + (ibB << 3), gB, 1);
        }
        accB = f64x2.add(f64x2.sub(gB, gB), lossB);
      }
      if (wantL) {
        if (contiguous) {
          v128.store(Op + (iaA << 3), lossA);
        } else {
          v128.store64_lane(Op + (iaA << 3), lossA, 0);
          v128.store64_lane(Op + (ibA << 3), lossA, 1);
        }
      }
      if (wantL) {
        if (contiguous) {
          v128.store(Op + (iaB << 3), lossB);
        } else {
          v128.store64_lane(Op + (iaB << 3), lossB, 0);
          v128.store64_lane(Op + (ibB << 3), lossB, 1);
        }
      }
      block = f64x2.add(block, accA);
      block = f64x2.add(block, accB);
      // Statistics use the unsmoothed target.
      const posA = f64x2.ge(yA, C(C_HALF));
      const posB = f64x2.ge(yB, C(C_HALF));
      const posLossA = v128.and(lossA, posA);
      const posLossB = v128.and(lossB, posB);
            support = f64x2.add(support, v128.and(C(C_ONE), posA));
      support = f64x2.add(support, v128.and(C(C_ONE), posB));
      predicted = f64x2.add(predicted, v128.and(C(C_ONE), upA));
      predicted = f64x2.add(predicted, v128.and(C(C_ONE), upB));
      tp = f64x2.add(tp, v128.and(C(C_ONE), v128.and(posA, upA)));
      tp = f64x2.add(tp, v128.and(C(C_ONE), v128.and(posB, upB)));
      posSum = f64x2.add(posSum, posLossA);
      posSum = f64x2.add(posSum, posLossB);
      negSum = f64x2.add(negSum, f64x2.sub(lossA, posLossA));
      negSum = f64x2.add(negSum, f64x2.sub(lossB, posLossB));
      const binsA = binsV(v128.bitselect(pA, qA, posA));
      const binsB = binsV(v128.bitselect(pB, qB, posB));
      const h0A = HS + (<usize>i32x4.extract_lane(binsA, 0) << 3);
      const h0B = (HS + 160) + (<usize>i32x4.extract_lane(binsB, 0) << 3);
      store<f64>(h0A, load<f64>(h0A) + 1);
      store<f64>(h0B, load<f64>(h0B) + 1);
      const h1A = HS + (<usize>(i32x4.extract_lane(binsA, 1) + PT_BINS) << 3);
      const h1B = (HS + 160) + (<usize>(i32x4.extract_lane(binsB, 1) + PT_BINS) << 3);
      store<f64>(h1A, load<f64>(h1A) + 1);
      store<f64>(h1B, load<f64>(h1B) + 1);
      if (isFloat<E>()) {
        // Evaluation (evaluation-pass.ts sigmoidChunk): unsmoothed y, hit = y >= 0.5.
        const dA = f64x2.sub(pA, yA);
        const dB = f64x2.sub(pB, yB);
        brier = f64x2.add(brier, f64x2.mul(dA, dA));
        brier = f64x2.add(brier, f64x2.mul(dB, dB));
        nll = f64x2.add(nll, unsmoothed ? f64x2.mul(ceA, C(C_NLL_SCALE)) : nllTermV(yA, spNegA, spPosA));
        nll = f64x2.add(nll, unsmoothed ? f64x2.mul(ceB, C(C_NLL_SCALE)) : nllTermV(yB, spNegB, spPosB));
        const slotsA = calSlotsV(pA, posA);
        const slotsB = calSlotsV(pB, posB);
        calAdd(CB, i32x4.extract_lane(slotsA, 0), f64x2.shuffle(pA, C(C_ONE), 0, 2));
        calAdd(CB + CB_COPY, i32x4.extract_lane(slotsA, 1), f64x2.shuffle(pA, C(C_ONE), 1, 3));
        calAdd(CB + 2 * CB_COPY, i32x4.extract_lane(slotsB, 0), f64x2.shuffle(pB, C(C_ONE), 0, 2));
        calAdd(CB + 3 * CB_COPY, i32x4.extract_lane(slotsB, 1), f64x2.shuffle(pB, C(C_ONE), 1, 3));
      }
    }

    // The last rows (fewer than four): one pair at a time, the second lane masked when alone.
    for (; i < runLen; i += 2) {
      const both = i + 1 < runLen;
      const ia = base + <usize>i * step;
      // A lone last row pairs with itself (or, padAfter, with the padding after the chunk);
      // `valid` masks its second lane out of every sum.
      const pair = contiguous && (both || padAfter);
      const ib = both || padAfter ? ia + step : ia;
      const valid = select<v128>(C(C_ALL), C(C_LANE0), both);
      const z = loadTwo<L>(Lp + ia * lsz, Lp + ib * lsz, pair);
      const y = loadTwo<T>(Tp + ia * tsz, Tp + ib * tsz, pair);
      const ys = f64x2.add(f64x2.mul(y, smoothScale), smoothOffset);
      const ns = f64x2.sub(C(C_ONE), ys);

      const e = expV(v128.or(C(C_SIGN), z));
      const l = log1pV(e);
      const r = f64x2.div(C(C_ONE), f64x2.add(C(C_ONE), e));
      const er = f64x2.mul(e, r);
      const up = f64x2.ge(z, C(C_ZERO));
      const p = v128.bitselect(r, er, up);
      const q = v128.bitselect(er, r, up);
      const spPos = f64x2.add(v128.and(z, up), l); // softplus(z) = -log q
      const spNeg = f64x2.sub(l, v128.andnot(z, up)); // softplus(-z) = -log p
      const ce = f64x2.add(f64x2.mul(ys, spNeg), f64x2.mul(ns, spPos));
      const m = f64x2.add(f64x2.mul(ys, q), f64x2.mul(ns, p));
      let negLog = C(C_ZERO);
      if (kind == 3) negLog = f64x2.add(f64x2.mul(ys, spPos), f64x2.mul(ns, spNeg));
      const mg = powV(m, kind, ip, negGamma, negLog);
      const at = hasA ? f64x2.add(f64x2.mul(ys, aPos), f64x2.mul(ns, aNeg)) : C(C_ONE);
      let w = C(C_ONE);
      if (hasW) {
        // Rows i and i + 1 (a lone last row: itself, unless padAfter, where lane 1 is padding).
        const wp = Wp + (<usize>(rowBase + i) << 3);
        w = both || padAfter ? v128.load(wp) : v128.load64_splat(wp);
      }
      const wa = f64x2.mul(w, at);
      const loss = f64x2.mul(f64x2.mul(wa, mg), ce);

      let acc = loss;
      if (wantG) {
        const dce = f64x2.sub(f64x2.mul(ns, p), f64x2.mul(ys, q));
        let g: v128;
        if (focusing) {
          // p q / m <= 1; exactly q or p for a hard label (y' = 1 or 0), with no division.
          const hard = v128.or(f64x2.eq(ys, C(C_ONE)), f64x2.eq(ys, C(C_ZERO)));
          let ratio = f64x2.add(f64x2.mul(ys, p), f64x2.mul(ns, q));
          if (!i64x2.all_true(hard)) {
            const soft = v128.and(f64x2.div(f64x2.mul(p, q), m), f64x2.gt(m, C(C_ZERO)));
            ratio = v128.bitselect(ratio, soft, hard);
          }
          const dmod = f64x2.mul(f64x2.mul(f64x2.mul(gammaV, mg), f64x2.sub(C(C_ONE), f64x2.mul(C(C_TWO), ys))), ratio);
          g = f64x2.mul(f64x2.mul(wa, f64x2.add(f64x2.mul(dmod, ce), f64x2.mul(mg, dce))), scV);
        } else {
          g = f64x2.mul(f64x2.mul(wa, dce), scV);
        }
        if (pair) {
          v128.store(Gp + (ia << 3), g);
        } else {
          v128.store64_lane(Gp + (ia << 3), g, 0);
          v128.store64_lane(Gp + (ib << 3), g, 1);
        }
        acc = f64x2.add(f64x2.sub(g, g), loss);
      }
      if (wantL) {
        if (pair) {
          v128.store(Op + (ia << 3), loss);
        } else {
          v128.store64_lane(Op + (ia << 3), loss, 0);
          v128.store64_lane(Op + (ib << 3), loss, 1);
        }
      }
      block = f64x2.add(block, v128.and(acc, valid));

      // Statistics use the unsmoothed target.
      const pos = f64x2.ge(y, C(C_HALF));
      const posLoss = v128.and(loss, pos);
      const one = v128.and(C(C_ONE), valid);
      support = f64x2.add(support, v128.and(one, pos));
      predicted = f64x2.add(predicted, v128.and(one, up));
      tp = f64x2.add(tp, v128.and(one, v128.and(pos, up)));
      posSum = f64x2.add(posSum, v128.and(posLoss, valid));
      negSum = f64x2.add(negSum, v128.and(f64x2.sub(loss, posLoss), valid));
      const bins = binsV(v128.bitselect(p, q, pos));
      const h0 = hs + (<usize>i32x4.extract_lane(bins, 0) << 3);
      store<f64>(h0, load<f64>(h0) + 1);
      const h1 = hs + (<usize>(i32x4.extract_lane(bins, 1) + PT_BINS) << 3);
      store<f64>(h1, load<f64>(h1) + (both ? 1.0 : 0.0));
      hs = select<usize>(HS + 20 * 8, HS, hs == HS); // the other parity half
      if (isFloat<E>()) {
        const d = f64x2.sub(p, y);
        brier = f64x2.add(brier, v128.and(f64x2.mul(d, d), valid));
        nll = f64x2.add(nll, v128.and(nllTermV(y, spNeg, spPos), valid));
        const slots = calSlotsV(p, pos);
        calAdd(CB, i32x4.extract_lane(slots, 0), f64x2.shuffle(p, C(C_ONE), 0, 2));
        if (both) calAdd(CB + CB_COPY, i32x4.extract_lane(slots, 1), f64x2.shuffle(p, C(C_ONE), 1, 3));
      }
    }
    }
    const hist = H_PTR + (<usize>j * PT_BINS_U << 3);
    for (let b = 0; b < PT_BINS; b++) {
      const hb = HS + (<usize>b << 3);
      const total = load<f64>(hb) + load<f64>(hb, 10 * 8) + load<f64>(hb, 20 * 8) + load<f64>(hb, 30 * 8);
      store<f64>(hist + (<usize>b << 3), load<f64>(hist + (<usize>b << 3)) + total);
    }
    const col = <usize>j << 3;
    const cs = <usize>c << 3;
    store<f64>(S_PTR + S_SUPPORT * cs + col, load<f64>(S_PTR + S_SUPPORT * cs + col) + hsum(support));
    store<f64>(S_PTR + S_PREDICTED * cs + col, load<f64>(S_PTR + S_PREDICTED * cs + col) + hsum(predicted));
    store<f64>(S_PTR + S_TP * cs + col, load<f64>(S_PTR + S_TP * cs + col) + hsum(tp));
    store<f64>(S_PTR + S_POS * cs + col, load<f64>(S_PTR + S_POS * cs + col) + hsum(posSum));
    store<f64>(S_PTR + S_NEG * cs + col, load<f64>(S_PTR + S_NEG * cs + col) + hsum(negSum));
    addSum(hsum(block));
    if (isFloat<E>()) {
      addAt(EVS, hsum(brier));
      addAt(EVS + 16, hsum(nll));
      // Bin b of this column: [count, value sum, hit sum] from the misses' and the hits' slots.
      const cal = V_PTR + <usize>j * (<usize>CAL_BINS * 24);
      for (let b = 0; b < CAL_BINS; b++) {
        let count: f64 = 0;
        let value: f64 = 0;
        let hits: f64 = 0;
        for (let k: usize = 0; k < 4; k++) {
          const miss = CB + k * CB_COPY + (<usize>b << 4);
          const hit = miss + (<usize>CAL_BINS << 4);
          value += load<f64>(miss) + load<f64>(hit);
          count += load<f64>(miss, 8) + load<f64>(hit, 8);
          hits += load<f64>(hit, 8);
        }
        const at = cal + <usize>b * 24;
        store<f64>(at, load<f64>(at) + count);
        store<f64>(at, load<f64>(at, 8) + value, 8);
        store<f64>(at, load<f64>(at, 16) + hits, 16);
      }
    }
  }
}

// ---------------------------------------------------------------- softmax (multiclass)

// Statistics layout, c values each: support, loss sum, tp, fp, fn.
const M_SUPPORT: usize = 0;
const M_LOSS: usize = 1;
const M_TP: usize = 2;
const M_FP: usize = 3;
const M_FN: usize = 4;

/**
 * One chunk of `rows` rows of the softmax focal loss. lt: logits type (0 f32, 1 f64); pt:
 * probability type (0 f32, 1 f64) when `useLabels` is false, else the targets are int32 class ids
 * (negative: ignored row). kind/ip: the power route (0, 1 or 2). ev: also the evaluation sums
 * (evaluationLayout), and each row's (class, prediction) at R_PTR for the confusion counts.
 */
export function softmaxChunk(
  lt: i32, pt: i32, rows: i32, c: i32, positions: i32, useLabels: bool, hasW: bool, hasA: bool, kind: i32, ip: i32,
  gamma: f64, eps: f64, sc: f64, wantG: bool, wantL: bool, ev: bool,
): void {
  if (lt == 0) {
    if (ev) softmaxTargets<f32, f64>(pt, rows, c, positions, useLabels, hasW, hasA, kind, ip, gamma, eps, sc, wantG, wantL);
    else softmaxTargets<f32, i32>(pt, rows, c, positions, useLabels, hasW, hasA, kind, ip, gamma, eps, sc, wantG, wantL);
  } else {
    if (ev) softmaxTargets<f64, f64>(pt, rows, c, positions, useLabels, hasW, hasA, kind, ip, gamma, eps, sc, wantG, wantL);
    else softmaxTargets<f64, i32>(pt, rows, c, positions, useLabels, hasW, hasA, kind, ip, gamma, eps, sc, wantG, wantL);
  }
}

@inline function softmaxTargets<L, E>(
  pt: i32, rows: i32, c: i32, positions: i32, useLabels: bool, hasW: bool, hasA: bool, kind: i32, ip: i32,
  gamma: f64, eps: f64, sc: f64, wantG: bool, wantL: bool,
): void {
  if (pt == 0) softmaxImpl<L, f32, E>(rows, c, positions, useLabels, hasW, hasA, kind, ip, gamma, eps, sc, wantG, wantL);
  else softmaxImpl<L, f64, E>(rows, c, positions, useLabels, hasW, hasA, kind, ip, gamma, eps, sc, wantG, wantL);
}

/** x^gamma for one value (routes 0-2). */
@inline function powS(x: f64, kind: i32, ip: i32): f64 {
  if (kind == 0) return 1;
  let r: f64 = 1;
  if (ip == 1) r = x;
  else if (ip == 2) r = x * x;
  else if (ip == 3) r = x * x * x;
  else if (ip == 4) {
    const x2 = x * x;
    r = x2 * x2;
  }
  return kind == 2 ? r * Math.sqrt(x) : r;
}

/** Index of the first maximum of n floats at p, `stride` bytes apart (lowest index on ties); n >= 1. */
@inline function argmax<T>(p: usize, n: i32, stride: usize): i32 {
  const sz = stride;
  let vmax = C(C_NEG_INF);
  for (let k = 0; k < n; k += 2) {
    let v = loadVecS<T>(p + <usize>k * sz, sz);
    v = select<v128>(v, v128.bitselect(v, C(C_NEG_INF), C(C_LANE0)), k + 1 < n);
    vmax = f64x2.pmax(vmax, v); // vmax < v ? v : vmax (one maxpd)
  }
  const best = Math.max(f64x2.extract_lane(vmax, 0), f64x2.extract_lane(vmax, 1));
  let k = 0;
  while (k < n - 1 && loadOne<T>(p + <usize>k * sz) != best) k++;
  return k;
}

function softmaxImpl<L, P, E>(
  rows: i32, c: i32, positions: i32, useLabels: bool, hasW: bool, hasA: bool, kind: i32, ip: i32,
  gamma: f64, eps: f64, sc: f64, wantG: bool, wantL: bool,
): void {
  const oneHot = useLabels && eps == 0;
  const smoothScale = f64x2.splat(1 - eps);
  const smoothOffset = f64x2.splat(eps / <f64>c);
  const gammaV = f64x2.splat(gamma);
  // The chunk's layout is [rows / positions, c, positions] (src/kernels/types.ts): row i's classes
  // are `positions` elements apart (positions = 1: the row's c neighbours), read and written in
  // place. Class pairs stay the vectors (the same arithmetic as row-major rows, so the same bits),
  // loaded lane by lane when apart. A row's odd last class pairs with the element one class
  // beyond it: the next sample's row at this position (written later) or the chunk's padding.
  const lsz = <usize>positions * <usize>sizeof<L>();
  const psz = <usize>positions * <usize>sizeof<P>();
  const gsz: usize = wantG ? <usize>positions << 3 : 8;
  const cs = <usize>c << 3;
  let block: f64 = 0;
  let evBrier: f64 = 0;
  let evNll: f64 = 0;

  for (let i = 0; i < rows; i++) {
    const label = useLabels ? load<i32>(T_PTR + (<usize>i << 2)) : 0;
    const sample = i / positions;
    const at = <usize>(sample * c * positions + (i - sample * positions));
    const rowG = wantG ? G_PTR + (at << 3) : E_PTR;
    if (label < 0) {
      // Ignored row: no loss, zero gradient, not counted.
      if (wantG) for (let k = 0; k < c; k++) store<f64>(rowG + <usize>k * gsz, 0);
      if (wantL) store<f64>(O_PTR + (<usize>i << 3), 0);
      if (isFloat<E>()) store<i32>(R_PTR + (<usize>i << 3), -1);
      continue;
    }
    const rowL = L_PTR + at * <usize>sizeof<L>();
    const w = hasW ? load<f64>(W_PTR + (<usize>i << 3)) : 1.0;

    // Arg-max (lowest index on ties) and the exponentials around it.
    const kmax = argmax<L>(rowL, c, lsz);
    const zmax = loadOne<L>(rowL + <usize>kmax * lsz);
    const zmaxV = f64x2.splat(zmax);
    const kmaxV = i64x2.splat(<i64>kmax);
    let idx = C(C_IDX01);
    for (let k = 0; k < c; k += 2) {
      storeVecS(rowG + <usize>k * gsz, expV(f64x2.sub(loadVecS<L>(rowL + <usize>k * lsz, lsz), zmaxV)), gsz);
    }
    // s = sum over k != kmax of exp(z_k - z_max), added in the JS kernel's order so that p_t,
    // and with it the histogram bin, is the JS kernel's to the bit.
    // With the evaluation, also sq = the sum of their squares (a second chain beside s: free here).
    let s: f64 = 0;
    let sq: f64 = 0;
    for (let k = 0; k < kmax; k++) {
      const ek = load<f64>(rowG + <usize>k * gsz);
      s += ek;
      if (isFloat<E>()) sq += ek * ek;
    }
    for (let k = kmax + 1; k < c; k++) {
      const ek = load<f64>(rowG + <usize>k * gsz);
      s += ek;
      if (isFloat<E>()) sq += ek * ek;
    }
    const logZ = Math.log1p(s);
    const invZ = 1 / (1 + s);

    // The row's class: its label, or the arg-max of its probability row.
    const rowP = T_PTR + at * <usize>sizeof<P>();
    const cls = useLabels ? label : argmax<P>(rowP, c, psz);
    {
      const pcls = load<f64>(rowG + <usize>cls * gsz) * invZ;
      const b = i32x4.extract_lane(binsV(f64x2.splat(pcls)), 0);
      const hp = H_PTR + ((<usize>cls * PT_BINS_U + <usize>b) << 3);
      store<f64>(hp, load<f64>(hp) + 1);
    }
    if (isFloat<E>()) {
      // Evaluation (evaluation-pass.ts softmaxChunk), from the exponentials still in rowG: the
      // confidence 1 / (1 + s) binned against kmax == cls; Brier and NLL against the row's target.
      const rp = R_PTR + (<usize>i << 3);
      store<i32>(rp, cls);
      store<i32>(rp, kmax, 4);
      let bin = <i32>Math.floor(invZ * <f64>CAL_BINS); // calibrationBin, the same arithmetic
      if (bin >= CAL_BINS) bin = CAL_BINS - 1;
      const at = V_PTR + <usize>bin * 24;
      store<f64>(at, load<f64>(at) + 1);
      store<f64>(at, load<f64>(at, 8) + invZ, 8);
      store<f64>(at, load<f64>(at, 16) + (kmax == cls ? 1.0 : 0.0), 16);
      if (useLabels) {
        // One-hot: sum over k of (p_k - y_k)^2 = (p_k)^2 over the other classes, from sq, plus the
        // arg-max's ((1 - y) - s / (1 + s))^2 and, when it is not the arg-max, the class's (p - 1)^2.
        // Every term is >= 0, and the class's share of sq taken back out is at most 1 against a row
        // sum >= 1/4 then (p of a class that is not the arg-max is <= 1/2): a few ulp of the sum.
        const dmax = (kmax == cls ? 0.0 : 1.0) - s * invZ;
        let rest = sq;
        let brier = dmax * dmax;
        if (kmax != cls) {
          const ecls = load<f64>(rowG + <usize>cls * gsz);
          rest -= ecls * ecls;
          const dcls = ecls * invZ - 1;
          brier += dcls * dcls;
        }
        evBrier += brier + rest * invZ * invZ;
        // -log p of the class alone.
        evNll -= (loadOne<L>(rowL + <usize>cls * lsz) - zmax - logZ) * NLL_SCALE;
      } else {
        const sInvZ = f64x2.splat(s * invZ);
        const invZV = f64x2.splat(invZ);
        const logZV = f64x2.splat(logZ);
        let brierV = C(C_ZERO);
        let nllV = C(C_ZERO);
        idx = C(C_IDX01);
        for (let k = 0; k < c; k += 2) {
          const valid = select<v128>(C(C_ALL), C(C_LANE0), k + 1 < c);
          const y = loadVecS<P>(rowP + <usize>k * psz, psz);
          // (p_k - y_k)^2, with 1 - p of the arg-max class as s / (1 + s): (1 - y) - s / (1 + s).
          const pk = f64x2.mul(loadVecS<f64>(rowG + <usize>k * gsz, gsz), invZV);
          const d = v128.bitselect(f64x2.sub(f64x2.sub(C(C_ONE), y), sInvZ), f64x2.sub(pk, y), i64x2.eq(idx, kmaxV));
          brierV = f64x2.add(brierV, v128.and(f64x2.mul(d, d), valid));
          const logpk = f64x2.sub(f64x2.sub(loadVecS<L>(rowL + <usize>k * lsz, lsz), zmaxV), logZV);
          const nz = v128.and(f64x2.ne(y, C(C_ZERO)), valid);
          nllV = f64x2.sub(nllV, v128.and(f64x2.mul(f64x2.mul(y, logpk), C(C_NLL_SCALE)), nz));
          idx = i64x2.add(idx, C(C_I64_TWO));
        }
        evBrier += hsum(brierV);
        evNll += hsum(nllV);
      }
    }

    let rowLoss: f64 = 0;
    if (oneHot) {
      const t = label;
      const pt = load<f64>(rowG + <usize>t * gsz) * invZ;
      const ot = t == kmax ? s * invZ : 1 - pt;
      const logpt = loadOne<L>(rowL + <usize>t * lsz) - zmax - logZ;
      const a = hasA ? load<f64>(A_PTR + (<usize>t << 3)) : 1.0;
      const og = powS(ot, kind, ip);
      rowLoss = -w * a * og * logpt;
      if (wantG) {
        const h = ot > 0 ? -logpt / ot : 1.0;
        const b = kind == 0 ? 1.0 : og * (1 + gamma * pt * h);
        const f = w * a * b * sc;
        const fz = f * invZ;
        const fzV = f64x2.splat(fz);
        for (let k = 0; k < c; k += 2) {
          const gp = rowG + <usize>k * gsz;
          storeVecS(gp, f64x2.mul(loadVecS<f64>(gp, gsz), fzV), gsz);
        }
        const gt = -f * ot;
        store<f64>(rowG + <usize>t * gsz, gt);
        block += gt - gt + (fz - fz);
      }
    } else {
      // Soft rows (label smoothing or probability targets): every class may contribute.
      const sInvZ = f64x2.splat(s * invZ);
      const logZV = f64x2.splat(logZ);
      const labelV = i64x2.splat(<i64>label);
      let lossV = C(C_ZERO);
      let totalV = C(C_ZERO);
      idx = C(C_IDX01);
      for (let k = 0; k < c; k += 2) {
        const valid = select<v128>(C(C_ALL), C(C_LANE0), k + 1 < c);
        const yk = useLabels ? v128.and(C(C_ONE), i64x2.eq(idx, labelV)) : loadVecS<P>(rowP + <usize>k * psz, psz);
        const ys = f64x2.add(f64x2.mul(yk, smoothScale), smoothOffset);
        const nz = v128.and(f64x2.ne(ys, C(C_ZERO)), valid);
        const pk = f64x2.mul(loadVecS<f64>(rowG + <usize>k * gsz, gsz), f64x2.splat(invZ));
        const isMax = i64x2.eq(idx, kmaxV);
        const ok = v128.bitselect(sInvZ, f64x2.sub(C(C_ONE), pk), isMax);
        const logpk = f64x2.sub(f64x2.sub(loadVecS<L>(rowL + <usize>k * lsz, lsz), zmaxV), logZV);
        const a = hasA ? v128.load(A_PTR + (<usize>k << 3)) : C(C_ONE);
        const og = powV(ok, kind, ip, C(C_ZERO), C(C_ZERO));
        const ya = f64x2.mul(ys, a);
        lossV = f64x2.sub(lossV, v128.and(f64x2.mul(f64x2.mul(ya, og), logpk), nz));
        const h = v128.bitselect(f64x2.div(f64x2.neg(logpk), ok), C(C_ONE), f64x2.gt(ok, C(C_ZERO)));
        const b = kind == 0 ? C(C_ONE) : f64x2.mul(og, f64x2.add(C(C_ONE), f64x2.mul(f64x2.mul(gammaV, pk), h)));
        const yab = v128.and(f64x2.mul(ya, b), nz);
        v128.store(C_PTR + (<usize>k << 3), yab);
        totalV = f64x2.add(totalV, yab);
        idx = i64x2.add(idx, C(C_I64_TWO));
      }
      rowLoss = hsum(lossV) * w;
      if (wantG) {
        const total = f64x2.splat(hsum(totalV));
        const f = f64x2.splat(w * sc);
        let check = C(C_ZERO);
        idx = C(C_IDX01);
        for (let k = 0; k < c; k += 2) {
          const valid = select<v128>(C(C_ALL), C(C_LANE0), k + 1 < c);
          const gp = rowG + <usize>k * gsz;
          const pk = f64x2.mul(loadVecS<f64>(gp, gsz), f64x2.splat(invZ));
          const ok = v128.bitselect(sInvZ, f64x2.sub(C(C_ONE), pk), i64x2.eq(idx, kmaxV));
          const coef = v128.load(C_PTR + (<usize>k << 3));
          const g = f64x2.mul(f, f64x2.sub(f64x2.mul(pk, f64x2.sub(total, coef)), f64x2.mul(ok, coef)));
          storeVecS(gp, g, gsz);
          check = f64x2.add(check, v128.and(f64x2.sub(g, g), valid));
          idx = i64x2.add(idx, C(C_I64_TWO));
        }
        block += hsum(check);
      }
    }

    if (wantL) store<f64>(O_PTR + (<usize>i << 3), rowLoss);
    block += rowLoss;
    const cc = <usize>cls << 3;
    store<f64>(S_PTR + M_SUPPORT * cs + cc, load<f64>(S_PTR + M_SUPPORT * cs + cc) + 1);
    store<f64>(S_PTR + M_LOSS * cs + cc, load<f64>(S_PTR + M_LOSS * cs + cc) + rowLoss);
    if (kmax == cls) {
      store<f64>(S_PTR + M_TP * cs + cc, load<f64>(S_PTR + M_TP * cs + cc) + 1);
    } else {
      const km = <usize>kmax << 3;
      store<f64>(S_PTR + M_FP * cs + km, load<f64>(S_PTR + M_FP * cs + km) + 1);
      store<f64>(S_PTR + M_FN * cs + cc, load<f64>(S_PTR + M_FN * cs + cc) + 1);
    }
  }
  addSum(block);
  if (isFloat<E>()) {
    addAt(EVS, evBrier);
    addAt(EVS + 16, evNll);
  }
}
