/**
 * An x-y plot area for the line and bar charts (reliability diagram, loss against gamma): scales
 * from data to pixels, readable tick values, grid lines and axis titles.
 */
import { num } from './format.js';
import { line, text } from './svg.js';

export interface PlotArea {
  left: number;
  top: number;
  width: number;
  height: number;
  x: (v: number) => number;
  y: (v: number) => number;
  /** Grid, ticks and axis titles as SVG. */
  frame: string;
}

/** About `count` round tick values covering [min, max] (steps of 1, 2 or 5 times a power of ten). */
export function ticks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  // Each tick is k x step rounded to the step's decimals, so that 0.30000000000000004 reads 0.3
  // and no error accumulates from tick to tick.
  const decimals = Math.min(100, Math.max(0, -Math.floor(Math.log10(step))));
  const out: number[] = [];
  for (let k = Math.ceil(min / step); k * step <= max + step * 1e-9; k++) out.push(Number((k * step).toFixed(decimals)));
  return out;
}

export function plotArea(options: {
  left: number;
  top: number;
  width: number;
  height: number;
  xDomain: [number, number];
  yDomain: [number, number];
  xTitle: string;
  yTitle: string;
  xTicks?: number[];
}): PlotArea {
  const { left, top, width, height } = options;
  const [x0, x1] = options.xDomain;
  const [y0, y1] = options.yDomain;
  const x = (v: number) => left + (x1 === x0 ? 0.5 : (v - x0) / (x1 - x0)) * width;
  const y = (v: number) => top + (1 - (y1 === y0 ? 0.5 : (v - y0) / (y1 - y0))) * height;
  let frame = '';
  for (const v of ticks(y0, y1)) {
    frame += line(left, y(v), left + width, y(v), 'class="grid"');
    frame += text(left - 6, y(v) + 4, num(v, 3), 'text-anchor="end" class="axis"');
  }
  for (const v of options.xTicks ?? ticks(x0, x1)) {
    frame += line(x(v), top + height, x(v), top + height + 4, 'class="tick"');
    frame += text(x(v), top + height + 16, num(v, 3), 'text-anchor="middle" class="axis"');
  }
  frame += line(left, top + height, left + width, top + height, 'class="tick"');
  frame += text(left + width / 2, top + height + 34, options.xTitle, 'text-anchor="middle" class="axis"');
  frame += text(
    14,
    top + height / 2,
    options.yTitle,
    `text-anchor="middle" class="axis" transform="rotate(-90 14 ${(top + height / 2).toFixed(1)})"`,
  );
  return { left, top, width, height, x, y, frame };
}
