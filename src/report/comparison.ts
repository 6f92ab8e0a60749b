/**
 * What comparing two evaluations produces (cli/compare.ts computes it) and what its readers show:
 * `focal-loss compare`'s table and the --html report's baseline section. Declared here, beside
 * eval-result.ts, so that report/ depends on nothing in cli/.
 */

export interface MetricRow {
  metric: string;
  base: number;
  next: number;
  /** True when a larger value is better (recall), false when smaller is (loss). */
  higherIsBetter: boolean;
}

export interface ClassRow {
  label: string;
  support: number;
  recall: [number, number];
  f1: [number, number];
  meanLoss: [number | null, number | null];
}

export interface Check {
  check: string;
  value: number;
  limit: number;
  passed: boolean;
}

export interface Comparison {
  metrics: MetricRow[];
  classes: ClassRow[];
  checks: Check[];
  passed: boolean;
}
