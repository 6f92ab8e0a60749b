/**
 * Small helpers to write inline SVG charts as strings: escaping, shapes and a colour scale. No
 * DOM, no dependencies: the report must be one self-contained file. Numbers shown to the reader
 * are formatted by format.ts; coordinates here are rounded to 0.1 px.
 */

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch] as string);
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

/** A categorical palette (Tableau 10): series and classes in legends. */
export const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

export function svg(width: number, height: number, label: string, body: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeXml(label)}">${body}</svg>`;
}

export function text(x: number, y: number, content: string, attrs = ''): string {
  return `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${attrs}>${escapeXml(content)}</text>`;
}

export function rect(x: number, y: number, w: number, h: number, fill: string, title?: string, attrs = ''): string {
  const tip = title === undefined ? '' : `<title>${escapeXml(title)}</title>`;
  return `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${Math.max(0, w).toFixed(1)}" height="${Math.max(0, h).toFixed(1)}" fill="${fill}"${attrs === '' ? '' : ` ${attrs}`}>${tip}</rect>`;
}

export function line(x1: number, y1: number, x2: number, y2: number, attrs: string): string {
  return `<line x1="${x1.toFixed(1)}" y1="${y1.toFixed(1)}" x2="${x2.toFixed(1)}" y2="${y2.toFixed(1)}" ${attrs}/>`;
}

export function polyline(points: [number, number][], attrs: string, title?: string): string {
  const tip = title === undefined ? '' : `<title>${escapeXml(title)}</title>`;
  const p = points.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(' ');
  return `<polyline points="${p}" fill="none" ${attrs}>${tip}</polyline>`;
}

export function circle(x: number, y: number, r: number, fill: string, title?: string): string {
  const tip = title === undefined ? '' : `<title>${escapeXml(title)}</title>`;
  return `<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="${r}" fill="${fill}">${tip}</circle>`;
}
