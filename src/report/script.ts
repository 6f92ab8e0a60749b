/**
 * The report's only script, inline: click (or Enter on) a table header to sort that table by the
 * column (again to reverse). Rows are compared by their cells' data-v: numbers as numbers, text
 * as text, cells without a value (shown as a dash) last either way. Nothing is fetched.
 */
export const SORT_SCRIPT = `
(() => {
  const key = (row, col) => {
    const v = row.cells[col]?.dataset.v;
    if (v === undefined) return null;
    const n = Number(v);
    return v.trim() !== '' && Number.isFinite(n) ? n : v;
  };
  const sortBy = (table, th, col) => {
    const descending = th.getAttribute('aria-sort') !== 'descending';
    for (const h of th.parentElement.cells) h.removeAttribute('aria-sort');
    th.setAttribute('aria-sort', descending ? 'descending' : 'ascending');
    const body = table.tBodies[0];
    const rows = [...body.rows].map((row, i) => ({ row, i, k: key(row, col) }));
    rows.sort((a, b) => {
      if (a.k === null || b.k === null) return a.k === b.k ? a.i - b.i : a.k === null ? 1 : -1;
      const c = typeof a.k === 'number' && typeof b.k === 'number' ? a.k - b.k : String(a.k).localeCompare(String(b.k));
      return (descending ? -c : c) || a.i - b.i;
    });
    body.append(...rows.map((r) => r.row));
  };
  for (const table of document.querySelectorAll('table.sortable')) {
    [...table.tHead.rows[0].cells].forEach((th, col) => {
      th.tabIndex = 0;
      th.addEventListener('click', () => sortBy(table, th, col));
      th.addEventListener('keydown', (e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          sortBy(table, th, col);
        }
      });
    });
  }
})();
`;
