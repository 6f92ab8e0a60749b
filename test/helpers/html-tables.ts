/**
 * Reading the --html report's numbers back in a test, without the renderer's code: a table's
 * cells (their text and exact data-v) and a shown number checked against an expected value to
 * the digits it shows.
 */
import type { Test } from 'tap';

export interface Cell {
  text: string;
  /** data-v, the exact value; undefined where the cell has none (a dash). */
  v?: string;
}

export function unescapeHtml(s: string): string {
  return s.replace(/&(lt|gt|quot|#39|amp);/g, (_, e: string) => ({ lt: '<', gt: '>', quot: '"', '#39': "'", amp: '&' })[e] as string);
}

/** The element with this id and everything up to its closing tag (tables do not nest here). */
export function tableHtml(html: string, id: string): string {
  const start = html.search(new RegExp(`<table[^>]*\\bid="${id}"`));
  if (start < 0) throw new Error(`no table ${id}`);
  return html.slice(start, html.indexOf('</table>', start));
}

function cells(row: string): Cell[] {
  return [...row.matchAll(/<td([^>]*)>(.*?)<\/td>/g)].map((m) => {
    const v = /data-v="([^"]*)"/.exec(m[1]);
    return { text: unescapeHtml(m[2]), ...(v === null ? {} : { v: unescapeHtml(v[1]) }) };
  });
}

/** The body's rows (and the foot's, separately) as cells. */
export function tableRows(html: string, id: string): { body: Cell[][]; foot: Cell[][]; headers: string[] } {
  const table = tableHtml(html, id);
  const part = (tag: string) => {
    const m = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(table);
    return m === null ? [] : [...m[1].matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((r) => cells(r[1]));
  };
  const headers = [...table.matchAll(/<th\b[^>]*>(.*?)<\/th>/g)].map((m) => unescapeHtml(m[1]));
  return { body: part('tbody'), foot: part('tfoot'), headers };
}

/** A shown number back to a number: "1,490" -> 1490, "49.4%" -> 0.494, "1.2e-5", "+0.03"; null for the dash. */
export function readNumber(text: string): number | null {
  if (text === '—') return null;
  const plain = text.replace(/,/g, '');
  const v = plain.endsWith('%') ? Number(plain.slice(0, -1)) / 100 : Number(plain);
  if (!Number.isFinite(v)) throw new Error(`"${text}" is not a number`);
  return v;
}

/**
 * `text` shows `expected` rounded to the digits it shows: within half a unit of its last digit
 * (for a percentage, of the percentage's last digit).
 */
export function shows(t: Test, text: string, expected: number | null, where: string): void {
  if (expected === null) {
    t.equal(text, '—', `${where}: undefined, a dash`);
    return;
  }
  const plain = text.replace(/,/g, '');
  const m = /^[+-]?\d*(?:\.(\d+))?(?:e([+-]?\d+))?(%?)$/.exec(plain);
  if (m === null) {
    t.fail(`${where}: "${text}" is not a number`);
    return;
  }
  const decimals = m[1]?.length ?? 0;
  const exponent = m[2] === undefined ? 0 : Number(m[2]);
  const scale = m[3] === '%' ? 100 : 1;
  const halfUnit = (0.5 * 10 ** (exponent - decimals)) / scale;
  const shown = readNumber(text) as number;
  const ok = Math.abs(shown - expected) <= halfUnit * (1 + 1e-9) + Math.abs(expected) * 1e-15;
  t.ok(ok, `${where}: "${text}" shows ${expected}`);
}
