/**
 * Loads the ground-truth cases from ../shared/reference (request/expected pairs) and compares
 * numbers at the tolerance the reference README states: |a - e| <= 1e-9 + 1e-7 |e|.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// A copy of ../shared/reference (the contract) kept in the repository so a clean clone tests alone.
export const REFERENCE_DIR = fileURLToPath(new URL('../fixtures/reference/', import.meta.url));
export const ABS_TOL = 1e-9;
export const REL_TOL = 1e-7;

export interface ReferenceCase {
  name: string;
  request: Record<string, unknown>;
  expected: Record<string, unknown>;
}

/**
 * The cases of one file. The contract's "Evaluation statistics" section replaced the definition of
 * `suggested_alpha` after cases-regular.json and cases-extreme.json were made, so their expected
 * `suggested_alpha` (the earlier definition) is left out here; cases-evaluation.json holds the
 * current one.
 */
export function loadCases(
  file: 'cases-regular.json' | 'cases-extreme.json' | 'cases-evaluation.json' | 'cases-variants.json',
): ReferenceCase[] {
  const cases = (JSON.parse(readFileSync(REFERENCE_DIR + file, 'utf8')) as { cases: ReferenceCase[] }).cases;
  if (file === 'cases-evaluation.json' || file === 'cases-variants.json') return cases;
  for (const c of cases) {
    const stats = c.expected.stats as { classes?: Record<string, unknown>[] } | undefined;
    for (const k of stats?.classes ?? []) delete k.suggested_alpha;
  }
  return cases;
}

export interface Mismatch {
  path: string;
  actual: unknown;
  expected: unknown;
}

/** Largest relative error seen across all comparisons (for the closing note). */
export const worst = { rel: 0, abs: 0, where: '' };

/**
 * Walks `expected` and compares every number in it with the same path in `actual`
 * (extra fields in `actual` are allowed, as the reference README says). Integer stats
 * fields must match exactly.
 */
export function compareToExpected(actual: unknown, expected: unknown, path = ''): Mismatch[] {
  const out: Mismatch[] = [];
  walk(actual, expected, path, out);
  return out;
}

const EXACT_FIELDS = new Set(['support', 'tp', 'fp', 'fn', 'tn', 'count', 'class']);

function walk(actual: unknown, expected: unknown, path: string, out: Mismatch[]): void {
  if (typeof expected === 'number') {
    const key = path.slice(path.lastIndexOf('.') + 1);
    if (typeof actual !== 'number' || !Number.isFinite(actual)) {
      out.push({ path, actual, expected });
      return;
    }
    const err = Math.abs(actual - expected);
    if (EXACT_FIELDS.has(key) ? err !== 0 : err > ABS_TOL + REL_TOL * Math.abs(expected)) {
      out.push({ path, actual, expected });
    }
    const rel = err / Math.max(Math.abs(expected), 1e-300);
    if (err > 1e-300 && Math.abs(expected) > ABS_TOL && rel > worst.rel) {
      worst.rel = rel;
      worst.where = path;
    }
    if (err > worst.abs) worst.abs = err;
    return;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) {
      out.push({ path, actual: Array.isArray(actual) ? `array(${actual.length})` : actual, expected: `array(${expected.length})` });
      return;
    }
    expected.forEach((e, i) => walk(actual[i], e, `${path}[${i}]`, out));
    return;
  }
  if (expected !== null && typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object') {
      out.push({ path, actual, expected: 'object' });
      return;
    }
    for (const [k, e] of Object.entries(expected)) walk((actual as Record<string, unknown>)[k], e, path ? `${path}.${k}` : k, out);
    return;
  }
  if (actual !== expected) out.push({ path, actual, expected });
}
