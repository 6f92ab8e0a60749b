/**
 * A deliberately naive focal loss, written straight from the reference README's definitions
 * (sigmoid, log, 1 - p, pow) with no stability tricks and no shared code with src/. Valid for
 * moderate logits only; the property tests use it as an independent oracle for the loss, and
 * its central finite differences as an oracle for the gradient.
 */
export interface NaiveBatch {
  mode: 'binary' | 'multilabel' | 'multiclass';
  n: number;
  c: number;
  logits: number[]; // n*c
  targets: number[]; // n*c soft labels (sigmoid), n*c probability rows or n class ids (multiclass)
  classIds: boolean;
  weights: number[] | null;
  alpha: number[] | null; // length c
  gamma: number;
  eps: number;
  reduction: 'mean' | 'sum' | 'none';
}

/** Per-element (sigmoid) or per-row (softmax) losses. */
export function naiveLosses(p: NaiveBatch, logits = p.logits): number[] {
  const out: number[] = [];
  if (p.mode !== 'multiclass') {
    for (let i = 0; i < p.n; i++) {
      for (let j = 0; j < p.c; j++) {
        const z = logits[i * p.c + j];
        const y = p.targets[i * p.c + j] * (1 - p.eps) + p.eps / 2;
        const prob = 1 / (1 + Math.exp(-z));
        const ce = -(y * Math.log(prob) + (1 - y) * Math.log(1 - prob));
        const pt = prob * y + (1 - prob) * (1 - y);
        const at = p.alpha === null ? 1 : p.alpha[j] * y + (1 - p.alpha[j]) * (1 - y);
        const w = p.weights === null ? 1 : p.weights[i];
        out.push(w * at * Math.pow(1 - pt, p.gamma) * ce);
      }
    }
    return out;
  }
  for (let i = 0; i < p.n; i++) {
    const row = logits.slice(i * p.c, (i + 1) * p.c);
    const denom = row.reduce((s, z) => s + Math.exp(z), 0);
    let loss = 0;
    for (let k = 0; k < p.c; k++) {
      const y = p.classIds ? (p.targets[i] === k ? 1 : 0) : p.targets[i * p.c + k];
      const ys = y * (1 - p.eps) + p.eps / p.c;
      const prob = Math.exp(row[k]) / denom;
      const a = p.alpha === null ? 1 : p.alpha[k];
      loss -= ys * a * Math.pow(1 - prob, p.gamma) * Math.log(prob);
    }
    out.push((p.weights === null ? 1 : p.weights[i]) * loss);
  }
  return out;
}

export function naiveReduced(p: NaiveBatch, logits = p.logits): number {
  const losses = naiveLosses(p, logits);
  const sum = losses.reduce((a, b) => a + b, 0);
  return p.reduction === 'mean' ? sum / losses.length : sum;
}

/** Central finite differences of the reduced loss with respect to every logit. */
export function finiteDifferenceGradient(p: NaiveBatch, h = 1e-5): number[] {
  const g: number[] = [];
  const x = p.logits.slice();
  for (let i = 0; i < x.length; i++) {
    const orig = x[i];
    x[i] = orig + h;
    const up = naiveReduced(p, x);
    x[i] = orig - h;
    const down = naiveReduced(p, x);
    x[i] = orig;
    g.push((up - down) / (2 * h));
  }
  return g;
}
