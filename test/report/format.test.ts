/**
 * The report's number formatter (src/report/format.ts), tick values, escaping and the table
 * builder: a shown number reads back as the value to the digits it shows, anything undefined is
 * a dash, and a long table is collapsed to its top rows.
 */
import t from 'tap';
import fc from 'fast-check';
import { DASH, int, num, pct, quotient, ratio, signed } from '../../src/report/format.js';
import { ticks } from '../../src/report/plot.js';
import { escapeXml } from '../../src/report/svg.js';
import { dataTable, TOP_ROWS } from '../../src/report/table.js';

/** A shown number back to a number: thousands separators dropped, a percentage divided by 100. */
function readBack(text: string): number {
  const plain = text.replace(/,/g, '');
  return plain.endsWith('%') ? Number(plain.slice(0, -1)) / 100 : Number(plain);
}

const UNDEFINED = [null, undefined, NaN, Infinity, -Infinity];

t.test('anything undefined is a dash, in every formatter', async (t) => {
  for (const v of UNDEFINED) {
    for (const [name, f] of Object.entries({ num, ratio, int, pct, signed })) t.equal(f(v), DASH, `${name}(${String(v)})`);
  }
});

t.test('num keeps `digits` significant digits at every magnitude', async (t) => {
  fc.assert(
    fc.property(fc.double({ min: -1e12, max: 1e12, noNaN: true }), fc.integer({ min: 2, max: 8 }), (v, digits) => {
      const shown = num(v, digits);
      const back = readBack(shown);
      if (v === 0) return shown === '0';
      // Rounding to `digits` significant digits moves a value by at most half a unit in the last one.
      const unit = 10 ** (Math.floor(Math.log10(Math.abs(v))) - digits + 1);
      return Number.isFinite(back) && Math.abs(back - v) <= unit / 2 + Math.abs(v) * 1e-12;
    }),
  );
  t.equal(num(0), '0');
  t.equal(num(1234567.8), '1.235e6', 'a million and more in exponent form');
  t.equal(num(0.00001234), '1.234e-5', 'below 1e-4 in exponent form');
  t.equal(num(0.00002), '2e-5', 'no trailing zeros in the mantissa');
  t.equal(num(12345.6), '12,350', 'thousands separated');
  t.equal(num(0.25), '0.25', 'no padding zeros');
});

t.test('ratio, pct, int and signed', async (t) => {
  fc.assert(
    fc.property(fc.double({ min: 0, max: 1, noNaN: true }), (v) => {
      const r = ratio(v);
      const p = pct(v);
      return /^\d\.\d{4}$/.test(r) && Math.abs(Number(r) - v) <= 5e-5 + 1e-15 && Math.abs(readBack(p) - v) <= 5e-4 + 1e-12;
    }),
  );
  t.equal(ratio(0.5), '0.5000', 'a ratio always has four decimals, so a column lines up');
  t.equal(pct(0.1234), '12.3%');
  t.equal(pct(0.1234, 0), '12%');
  t.equal(int(1234567), '1,234,567');
  t.equal(int(2.6), '3', 'counts are whole');
  t.equal(signed(0.5), '+0.5');
  t.equal(signed(-0.5), '-0.5');
  t.equal(signed(0), '0', 'no sign on no change');
  t.equal(quotient(1, 0), null, 'nothing to divide by: undefined');
  t.equal(quotient(1, 4), 0.25);
});

t.test('ticks are round, evenly spaced and cover the range', async (t) => {
  fc.assert(
    fc.property(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.double({ min: 1e-6, max: 1e6, noNaN: true }), (min, span) => {
      const max = min + span;
      const v = ticks(min, max);
      if (v.length < 2) return false;
      const step = v[1] - v[0];
      const ulp = Math.max(Math.abs(min), Math.abs(max)) * 4e-16;
      // A step of 1, 2 or 5 times a power of ten.
      const mantissa = step / 10 ** Math.floor(Math.log10(step) + 1e-9);
      const round = [1, 2, 5, 10].some((m) => Math.abs(mantissa - m) < 1e-6 + (2 * ulp) / step);
      // Within the spacing of doubles at the ticks' magnitude.
      const even = v.every((x, i) => i === 0 || Math.abs(x - v[i - 1] - step) <= step * 1e-6 + 2 * ulp);
      return round && even && v[0] >= min - step * 1e-6 && v[0] - min < step + step * 1e-6 && v[v.length - 1] <= max + step * 1e-6;
    }),
  );
  t.same(ticks(2, 2), [2], 'an empty range has its one value');
});

t.test('escapeXml escapes markup and quotes', async (t) => {
  t.equal(escapeXml(`<a href="x">Tom & 'Jerry'</a>`), '&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;');
});

t.test('a table: exact values in data-v, a dash for none, collapsed beyond TOP_ROWS', async (t) => {
  const rows = Array.from({ length: TOP_ROWS + 3 }, (_, i) => ({ name: `<c${i}>`, v: i === 0 ? null : 1 / i }));
  const html = dataTable({
    id: 't1',
    columns: [
      { header: 'name', value: (r) => r.name, left: true },
      { header: 'value', value: (r) => r.v, text: (r) => num(r.v) },
    ],
    rows,
    foot: [['total', '1']],
    sortedBy: { column: 1, descending: true },
    noun: 'things',
    order: 'by value',
  });
  t.equal((html.match(/<tr>/g) ?? []).length, rows.length + 2, 'a header, every row and the foot');
  t.match(html, `<td class="l" data-v="&lt;c0&gt;">&lt;c0&gt;</td><td>${DASH}</td>`, 'no value: a dash and no data-v');
  t.match(html, `data-v="${1 / 3}">${num(1 / 3)}</td>`, 'the exact value beside the shown one');
  t.match(html, /<details class="more"><summary>Showing the top 25 of 28 things by value/);
  t.match(html, /class="data sortable collapsible"/);
  t.match(html, /aria-sort="descending">value</);
  const short = dataTable({
    id: 't2',
    columns: [{ header: 'name', value: (r: { name: string }) => r.name }],
    rows: [{ name: 'a' }],
    noun: 'things',
    order: '',
  });
  t.notMatch(short, /<details|collapsible/, 'a short table is not collapsed');
});
