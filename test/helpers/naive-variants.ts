/**
 * A deliberately naive implementation of the loss variants (reference README, "Loss variants,
 * per-class gamma and dense shapes"), written straight from the formulas with sigmoid, log,
 * 1 - p and pow, sharing no code with src/. Valid for moderate logits only; the property tests
 * use it as an independent oracle for the reduced loss, and its central finite differences as
 * an oracle for the gradient. It reads a POST /loss JSON body as it is.
 */
export interface VariantBody {
  mode: 'binary' | 'multilabel' | 'multiclass';
  logits: number[] | number[][];
  targets: number[] | number[][];
  variant?: 'focal' | 'asymmetric' | 'poly1';
  gamma?: number | number[];
  gamma_pos?: number | number[];
  gamma_neg?: number | number[];
  clip?: number;
  epsilon?: number;
  alpha?: number | number[] | null;
  weights?: number[];
  label_smoothing?: number;
  reduction?: 'mean' | 'sum';
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
const at = (v: number | number[] | undefined, k: number, fallback: number) =>
  v === undefined ? fallback : typeof v === 'number' ? v : v[k];

/** Each element's (binary, multilabel) or row's (multiclass) loss. */
export function naiveVariantLosses(b: VariantBody, logits: number[][]): number[] {
  const variant = b.variant ?? 'focal';
  const eps = b.label_smoothing ?? 0;
  const out: number[] = [];
  if (b.mode !== 'multiclass') {
    const targets = b.mode === 'binary' ? (b.targets as number[]).map((v) => [v]) : (b.targets as number[][]);
    const alphaDefault = variant === 'asymmetric' ? null : 0.25;
    const alpha = b.alpha === undefined ? alphaDefault : b.alpha;
    logits.forEach((row, i) =>
      row.forEach((z, k) => {
        const y = targets[i][k] * (1 - eps) + eps / 2;
        const w = b.weights?.[i] ?? 1;
        const p = sigmoid(z);
        const aPos = alpha === null ? 1 : at(alpha, k, 0);
        const aNeg = alpha === null ? 1 : 1 - aPos;
        if (variant === 'asymmetric') {
          const clip = b.clip ?? 0.05;
          const pm = Math.max(p - clip, 0);
          const pos = y * aPos * Math.pow(1 - p, at(b.gamma_pos, k, 0)) * -Math.log(p);
          const neg = (1 - y) * aNeg * Math.pow(pm, at(b.gamma_neg, k, 4)) * -Math.log(1 - pm);
          out.push(w * (pos + neg));
          return;
        }
        const g = at(b.gamma, k, 2);
        const ce = -(y * Math.log(p) + (1 - y) * Math.log(1 - p));
        const pt = p * y + (1 - p) * (1 - y);
        const a = aPos * y + aNeg * (1 - y);
        const poly = variant === 'poly1' ? (b.epsilon ?? 1) * Math.pow(1 - pt, g + 1) : 0;
        out.push(w * (a * Math.pow(1 - pt, g) * ce + poly));
      }),
    );
    return out;
  }
  logits.forEach((row, i) => {
    const denom = row.reduce((s, z) => s + Math.exp(z), 0);
    const c = row.length;
    const t = b.targets[i];
    let loss = 0;
    row.forEach((z, k) => {
      const y = typeof t === 'number' ? (t === k ? 1 : 0) : t[k];
      const ys = y * (1 - eps) + eps / c;
      const p = Math.exp(z) / denom;
      const g = at(b.gamma, k, 2);
      const a = b.alpha === undefined || b.alpha === null ? 1 : at(b.alpha, k, 1);
      const poly = variant === 'poly1' ? (b.epsilon ?? 1) * Math.pow(1 - p, g + 1) : 0;
      loss += ys * (a * Math.pow(1 - p, g) * -Math.log(p) + poly);
    });
    out.push((b.weights?.[i] ?? 1) * loss);
  });
  return out;
}

export function naiveVariantLoss(b: VariantBody, logits = rows(b)): number {
  const losses = naiveVariantLosses(b, logits);
  const sum = losses.reduce((s, v) => s + v, 0);
  return (b.reduction ?? 'mean') === 'mean' ? sum / losses.length : sum;
}

/** The logits as rows (binary: one column). */
export function rows(b: VariantBody): number[][] {
  return b.mode === 'binary' ? (b.logits as number[]).map((z) => [z]) : (b.logits as number[][]).map((r) => [...r]);
}

/** Central differences of the naive reduced loss, shaped as rows. */
export function naiveVariantGradient(b: VariantBody, h = 1e-6): number[][] {
  const base = rows(b);
  return base.map((row, i) =>
    row.map((z, k) => {
      const plus = base.map((r) => [...r]);
      const minus = base.map((r) => [...r]);
      plus[i][k] = z + h;
      minus[i][k] = z - h;
      return (naiveVariantLoss(b, plus) - naiveVariantLoss(b, minus)) / (2 * h);
    }),
  );
}
