/**
 * Small helpers to write inline SVG charts as strings: escaping, number formatting and a
 * colour scale. No DOM, no dependencies: the report must be one self-contained file.
 */

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch] as string);
}

/** A number short enough for a chart label. */
export function fmt(v: number, digits = 3): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e6 || a < 1e-3) return v.toExponential(digits - 1);
  return Number(v.toPrecision(digits)).toLocaleString('en-US', { maximumFractionDigits: 6 });
}

/** Truncates a label to `max` characters with an ellipsis. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Red (hard, p_t near 0) through amber to green (easy, p_t near 1), for bin k of `bins`. */
export function hardToEasy(k: number, bins: number): string {
  const x = bins <= 1 ? 1 : k / (bins - 1);
  const hue = Math.round(4 + x * 126);
  return `hsl(${hue} 70% 45%)`;
}

export function svg(width: number, height: number, label: string, body: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeXml(label)}">${body}</svg>`;
}

export function text(x: number, y: number, content: string, attrs = ''): string {
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${attrs}>${escapeXml(content)}</text>`;
}

export function rect(x: number, y: number, w: number, h: number, fill: string, title?: string): string {
  const tip = title === undefined ? '' : `<title>${escapeXml(title)}</title>`;
  return `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${Math.max(0, w).toFixed(1)}" height="${h.toFixed(1)}" fill="${fill}">${tip}</rect>`;
}
