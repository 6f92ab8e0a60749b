/**
 * The report's one number formatter: every number on the page (tables, chart labels, headline
 * figures) is written by these functions, so the same quantity always reads the same way.
 * Anything the statistics leave undefined (null, or a value that is not finite) is shown as
 * DASH, never as "NaN", "Infinity" or a misleading 0.
 */

export const DASH = '—';

type Maybe = number | null | undefined;

function defined(v: Maybe): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** A general quantity (a loss, an alpha, a calibration error): `digits` significant digits. */
export function num(v: Maybe, digits = 4): string {
  if (!defined(v)) return DASH;
  if (v === 0) return '0';
  const a = Math.abs(v);
  // Very small or very large values stay readable (and short) in exponent form.
  if (a >= 1e6 || a < 1e-4)
    return v
      .toExponential(digits - 1)
      .replace(/\.?0+e/, 'e')
      .replace('e+', 'e');
  return Number(v.toPrecision(digits)).toLocaleString('en-US', { maximumFractionDigits: 20 });
}

/** A ratio in [0, 1] (precision, recall, F1, accuracy): fixed decimals, so a column lines up. */
export function ratio(v: Maybe, decimals = 4): string {
  return defined(v) ? v.toFixed(decimals) : DASH;
}

/** A count, with thousands separators. */
export function int(v: Maybe): string {
  return defined(v) ? Math.round(v).toLocaleString('en-US') : DASH;
}

/** A share in [0, 1] as a percentage with one decimal. */
export function pct(v: Maybe, decimals = 1): string {
  return defined(v) ? `${(100 * v).toFixed(decimals)}%` : DASH;
}

/** A change: `num` with an explicit sign ("+0.0123", "-4.5", "0"). */
export function signed(v: Maybe, digits = 4): string {
  if (!defined(v)) return DASH;
  return v > 0 ? `+${num(v, digits)}` : num(v, digits);
}

/** a / b, or null when b is 0 (the statistic is undefined, shown as DASH). */
export function quotient(a: number, b: number): number | null {
  return b === 0 ? null : a / b;
}
