/**
 * The report's tables: one builder, so every table sorts and collapses the same way. Each cell
 * carries its exact value in data-v (the inline script sorts by it; a missing value sorts last);
 * the text is formatted by format.ts. A table with more than TOP_ROWS rows shows the first
 * TOP_ROWS until its <details> toggle is opened (CSS only, so it works without the script too);
 * sorting re-orders the rows, so the top rows are always the top of the current order.
 */
import { DASH } from './format.js';
import { escapeXml } from './svg.js';

export const TOP_ROWS = 25;

export interface Column<R> {
  header: string;
  /** A tooltip for the header: what the column means. */
  title?: string;
  /** The exact value (sort key, data-v); null: undefined, shown as DASH. */
  value: (row: R) => number | string | null;
  /** The cell's text; default: the value as text. */
  text?: (row: R) => string;
  /** Extra class of the cell (e.g. "worse"). */
  cls?: (row: R) => string;
  /** Left-aligned (labels); numbers are right-aligned. */
  left?: boolean;
}

export interface TableSpec<R> {
  id: string;
  columns: Column<R>[];
  rows: R[];
  /** Summary rows below the body (macro, weighted), not sorted; cells as text. */
  foot?: string[][];
  /** The column the rows are ordered by on arrival, and how (shown as aria-sort). */
  sortedBy?: { column: number; descending: boolean };
  /** What a row is, for the toggle: "classes", "pairs". */
  noun: string;
  /** What the top rows are: "by loss share". */
  order: string;
}

function cell<R>(column: Column<R>, row: R): string {
  const value = column.value(row);
  const shown = column.text?.(row) ?? (value === null ? DASH : String(value));
  const classes = [column.left === true ? 'l' : '', column.cls?.(row) ?? ''].filter((c) => c !== '').join(' ');
  const data = value === null ? '' : ` data-v="${escapeXml(String(value))}"`;
  return `<td${classes === '' ? '' : ` class="${classes}"`}${data}>${escapeXml(shown)}</td>`;
}

export function dataTable<R>(spec: TableSpec<R>): string {
  const head = spec.columns
    .map((c, i) => {
      const sort = spec.sortedBy?.column === i ? ` aria-sort="${spec.sortedBy.descending ? 'descending' : 'ascending'}"` : '';
      const title = c.title === undefined ? '' : ` title="${escapeXml(c.title)}"`;
      return `<th scope="col"${c.left === true ? ' class="l"' : ''}${title}${sort}>${escapeXml(c.header)}</th>`;
    })
    .join('');
  const body = spec.rows.map((r) => `<tr>${spec.columns.map((c) => cell(c, r)).join('')}</tr>`).join('\n');
  const foot =
    spec.foot === undefined
      ? ''
      : `<tfoot>${spec.foot.map((r) => `<tr>${r.map((t, i) => `<td${i === 0 ? ' class="l"' : ''}>${escapeXml(t)}</td>`).join('')}</tr>`).join('')}</tfoot>`;
  const collapsed = spec.rows.length > TOP_ROWS;
  const toggle = collapsed
    ? `<details class="more"><summary>Showing the top ${TOP_ROWS} of ${spec.rows.length.toLocaleString('en-US')} ${escapeXml(spec.noun)} ${escapeXml(spec.order)}: show all (click a header to sort)</summary></details>\n`
    : '';
  return `${toggle}<div class="scroll"><table id="${escapeXml(spec.id)}" class="data sortable${collapsed ? ' collapsible' : ''}">
<thead><tr>${head}</tr></thead>
<tbody>
${body}
</tbody>${foot}
</table></div>`;
}
