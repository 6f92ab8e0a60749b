/**
 * x^gamma for x in [0, 1], the focal modulating factor, by the cheapest exact route for the
 * gamma of a batch. The route is chosen once per batch (powerKind), so the per-element switch
 * always takes the same branch and costs nothing measurable.
 *
 * - integers 0-4 are multiplied out (pow(0, 0) is 1, which keeps gamma = 0 exactly
 *   cross-entropy even where 1 - p_t underflows to 0);
 * - half-integers 0.5-4.5 are x^floor(gamma) * sqrt(x): sqrt is correctly rounded, so this is
 *   within 2 ulp, and several times faster than Math.pow;
 * - any other gamma with hard labels: x = exp(-softplus) exactly (1 - p_t is sigmoid(-z) or
 *   sigmoid(z)), so x^gamma = exp(-gamma * softplus), one inlined exp instead of a pow;
 * - anything else: Math.pow.
 */
import { expNonPositive } from './fast-math.js';

export const POW_ZERO = 0;
export const POW_INTEGER = 1;
export const POW_HALF = 2;
export const POW_EXP = 3;
export const POW_GENERAL = 4;
export type PowerKind = 0 | 1 | 2 | 3 | 4;

/** Integer exponents up to this (and half-integers up to this + 1/2) are multiplied out. */
const MAX_MULTIPLIED = 4;

/**
 * The route for x^gamma. `logAvailable`: the caller can pass -log(x) accurately (hard labels
 * in the sigmoid kernel), which makes exp(-gamma * (-log x)) usable.
 */
export function powerKind(gamma: number, logAvailable: boolean): PowerKind {
  if (gamma === 0) return POW_ZERO;
  if (Number.isInteger(gamma) && gamma <= MAX_MULTIPLIED) return POW_INTEGER;
  if (Number.isInteger(2 * gamma) && gamma < MAX_MULTIPLIED + 1) return POW_HALF;
  return logAvailable ? POW_EXP : POW_GENERAL;
}

/**
 * x^gamma by the route `kind` (from powerKind; by default the route without a logarithm).
 * `negLogX` is -log(x), read by POW_EXP only.
 */
export function modulatingPower(x: number, gamma: number, kind: PowerKind = powerKind(gamma, false), negLogX = 0): number {
  // Literal cases: V8 reads imported or module constants through a cell on every call.
  switch (kind) {
    case 0: // POW_ZERO
      return 1;
    case 1: // POW_INTEGER
      return integerPower(x, gamma);
    case 2: // POW_HALF
      return integerPower(x, gamma - 0.5) * Math.sqrt(x);
    case 3: // POW_EXP
      return expNonPositive(-gamma * negLogX);
    default:
      return Math.pow(x, gamma);
  }
}

/** x^k for an integer k in [0, 4], multiplied out. */
function integerPower(x: number, k: number): number {
  switch (k) {
    case 0:
      return 1;
    case 1:
      return x;
    case 2:
      return x * x;
    case 3:
      return x * x * x;
    default: {
      const x2 = x * x;
      return x2 * x2;
    }
  }
}
