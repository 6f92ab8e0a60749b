/**
 * The report's stylesheet (inline: the page is one self-contained file). Wide screens get two
 * columns of charts; tables scroll sideways on narrow ones instead of squeezing their numbers.
 */
import { TOP_ROWS } from './table.js';

export const STYLE = `
:root { --fg: #222; --muted: #666; --line: #e5e5e5; --worse: #c0392b; --better: #2e7d32; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); margin: 0 auto; max-width: 1800px; padding: 20px 32px 48px; }
header h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 0 0 6px; padding-top: 8px; }
h3 { font-size: 14px; margin: 16px 0 6px; }
section { border-top: 1px solid var(--line); margin-top: 28px; padding-top: 8px; }
nav { display: flex; flex-wrap: wrap; gap: 6px 14px; margin: 10px 0 4px; font-size: 13px; }
nav a { color: #1f5f99; text-decoration: none; } nav a:hover { text-decoration: underline; }
.sub { color: var(--muted); margin: 0 0 8px; }
p.note, .note { color: #555; font-size: 13px; max-width: 110ch; }
.kpis { display: flex; flex-wrap: wrap; gap: 10px; margin: 12px 0; }
.kpi { border: 1px solid #ddd; border-radius: 6px; padding: 6px 12px; min-width: 110px; }
.kpi b { display: block; font-size: 18px; font-variant-numeric: tabular-nums; } .kpi span { color: var(--muted); font-size: 12px; }
.grid2 { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 700px), 1fr)); gap: 8px 40px; align-items: start; }
.row { display: flex; flex-wrap: wrap; gap: 8px 48px; align-items: flex-start; }
.row > * { min-width: 0; max-width: 100%; }
.scroll { overflow-x: auto; max-width: 100%; }
table.data { border-collapse: collapse; font-variant-numeric: tabular-nums; font-size: 13px; margin: 4px 0 8px; }
table.data th, table.data td { padding: 3px 10px; border-bottom: 1px solid #eee; text-align: right; white-space: nowrap; }
table.data .l { text-align: left; max-width: 28ch; overflow: hidden; text-overflow: ellipsis; }
table.data thead th { position: sticky; top: 0; background: #f6f6f6; cursor: pointer; user-select: none; }
table.data thead th[aria-sort="descending"]::after { content: " ▼"; font-size: 10px; }
table.data thead th[aria-sort="ascending"]::after { content: " ▲"; font-size: 10px; }
table.data tfoot td { font-weight: 600; border-top: 2px solid #ccc; background: #fafafa; }
table.data tbody tr:hover { background: #f3f7fb; }
td.worse { color: var(--worse); font-weight: 600; } td.better { color: var(--better); }
details.more { margin: 6px 0 0; font-size: 13px; } details.more summary { cursor: pointer; color: #1f5f99; }
details.more:not([open]) + .scroll table.collapsible > tbody > tr:nth-child(n+${TOP_ROWS + 1}) { display: none; }
details.bins summary { cursor: pointer; color: #1f5f99; font-size: 13px; }
.flags { border-left: 4px solid var(--worse); background: #fdf3f2; padding: 6px 12px; margin: 8px 0; }
.flags.ok { border-left-color: var(--better); background: #f1f8f1; }
svg { display: block; margin: 8px 0 12px; max-width: 100%; height: auto; }
.chart-title { font-weight: 600; font-size: 14px; fill: #222; } .label { font-size: 12px; fill: #333; }
.value, .axis { font-size: 11px; fill: #555; } .grid { stroke: #e5e5e5; } .tick { stroke: #999; }
svg .note { fill: #555; font-size: 12px; } svg .on-dark { fill: #fff; }
`;
