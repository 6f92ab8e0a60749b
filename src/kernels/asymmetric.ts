/**
 * The asymmetric loss (ASL, Ridnik et al. 2021) of one sigmoid element, for the column loop of
 * sigmoid-focal.ts, which has already computed p, q = 1 - p and both softplus values stably.
 *
 * With p_m = max(p - clip, 0), a_pos/a_neg from alpha (1 without it), y' the smoothed label:
 *   loss = y' a_pos q^g+ (-log p) + (1 - y') a_neg p_m^g- (-log(1 - p_m))
 * and its derivative (dp/dz = p q, dq/dz = -p q):
 *   positive part: -q^g+ (g+ p (-log p) + q)
 *   negative part: p_m^g- (g- p q L / p_m + p q / (1 - p_m)),  L = -log(1 - p_m); 0 where p <= clip
 *
 * Why these forms are finite for every exponent >= 0 and every finite z:
 * - the textbook derivatives have q^(g+ - 1) and p_m^(g- - 1), infinite at 0 for exponents < 1;
 *   here those powers appear only multiplied by q and p_m again: p (-log p) <= 1/e, and
 *   L / p_m lies in [1, -log(clip) / (1 - clip)] (it tends to 1 as p_m -> 0);
 * - without a clip, 1 - p_m is q, so p q / (1 - p_m) is exactly p and L is softplus(z)
 *   (no division by an underflowed q, no log of 0 at z = 1000);
 * - with a clip, 1 - p_m = q + clip is a sum of two positives (no cancellation, >= clip), and L is
 *   log1p(-p_m) while p_m < 1/2 (accurate for small p_m) and -log(q + clip) above (accurate when
 *   p_m is near 1, where 1 - p_m would round).
 * The powers of q and p (clip 0) take the log-space route when it is exact: -log q and -log p are
 * the softplus values already at hand (power.ts).
 */
import { modulatingPower, powerKind, type PowerKind } from './power.js';
import type { AsymmetricTerms } from './types.js';

export class AsymmetricColumn {
  private readonly gammaPos: number;
  private readonly gammaNeg: number;
  private readonly clip: number;
  private readonly kindPos: PowerKind;
  private readonly kindNeg: PowerKind;
  /** d(element loss)/dz of the last element(), before the sample weight and the reduction's scale. */
  derivative = 0;

  constructor(terms: AsymmetricTerms, column: number) {
    this.gammaPos = +terms.gammaPos[column];
    this.gammaNeg = +terms.gammaNeg[column];
    this.clip = +terms.clip;
    this.kindPos = powerKind(this.gammaPos, true);
    // -log p_m is at hand only without a clip (p_m = p, -log p = softplus(-z)).
    this.kindNeg = powerKind(this.gammaNeg, this.clip === 0);
  }

  /**
   * The element's loss before the sample weight; sets `derivative`. spPos = softplus(z) = -log q,
   * spNeg = softplus(-z) = -log p; ys, ns = y', 1 - y'.
   */
  element(p: number, q: number, spPos: number, spNeg: number, ys: number, ns: number, alphaPos: number, alphaNeg: number): number {
    const gp = this.gammaPos;
    const gn = this.gammaNeg;
    const qg = modulatingPower(q, gp, this.kindPos, spPos);
    const posLoss = qg * spNeg;
    const posDerivative = -qg * (gp * p * spNeg + q);

    let negLoss = 0;
    let negDerivative = 0;
    if (this.clip === 0) {
      const pg = modulatingPower(p, gn, this.kindNeg, spNeg);
      negLoss = pg * spPos;
      negDerivative = pg * (gn * q * spPos + p);
    } else if (p > this.clip) {
      const pm = p - this.clip;
      const om = q + this.clip;
      const l = pm < 0.5 ? -Math.log1p(-pm) : -Math.log(om);
      const pmg = modulatingPower(pm, gn, this.kindNeg);
      const pq = p * q;
      negLoss = pmg * l;
      negDerivative = pmg * (gn * pq * (l / pm) + pq / om);
    }
    this.derivative = ys * alphaPos * posDerivative + ns * alphaNeg * negDerivative;
    return ys * alphaPos * posLoss + ns * alphaNeg * negLoss;
  }
}
