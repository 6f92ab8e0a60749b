/**
 * The --html report: a self-contained page (no scripts, nothing loaded from anywhere) whose four
 * charts are drawn when headless Chromium renders it: every SVG and its bars and curves have a
 * non-zero size on screen. A screenshot is saved to test-output/eval-report.png.
 */
import t from 'tap';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Fixtures, lcg, runCli, sharedPool } from '../helpers/cli.js';
import { browserTest, launchBrowser, TEST_OUTPUT } from '../helpers/chromium.js';
import { MAX_CHART_CLASSES } from '../../src/report/html-report.js';

/** The part of SVGGraphicsElement used here (the type checker has no DOM library). */
interface Graphic {
  getBBox(): { width: number; height: number };
}

export const SCREENSHOT = path.join(TEST_OUTPUT, 'eval-report.png');

const fx = await Fixtures.create(t);
const pool = sharedPool(t);

/** A multiclass evaluation with an imbalanced class mix, rendered to HTML. */
async function report(c: number, names: string[] | null, file: string): Promise<string> {
  const rand = lcg(c);
  const n = 3000;
  const labels = Int32Array.from({ length: n }, () => Math.min(c - 1, Math.floor(-Math.log(1 - rand()) * 1.3)));
  const logits = Float32Array.from(
    { length: n * c },
    (_, i) => (rand() - 0.5) * 3 + (labels[Math.floor(i / c)] === i % c ? 1.5 + rand() * 2 : 0),
  );
  const args = [
    'eval',
    '--mode',
    'multiclass',
    '--gamma',
    '2',
    '--logits',
    await fx.npy(`z${c}.npy`, logits, [n, c]),
    '--targets',
    await fx.npy(`y${c}.npy`, labels),
    '--html',
    fx.path(file),
  ];
  if (names !== null) args.push('--class-names', await fx.text(`names${c}.json`, JSON.stringify(names)));
  const run = await runCli(args, { pool });
  t.equal(run.code, 0, run.stderr);
  return fx.path(file);
}

const file = await report(5, ['car', 'pedestrian', 'cyclist', 'truck', '<traffic & light>'], 'report.html');
const html = readFileSync(file, 'utf8');

t.test('the page is self-contained and escapes what it shows', async (t) => {
  t.match(html, /^<!doctype html>/);
  t.notMatch(html, /<script|<link|<img|@import|url\(/i, 'no scripts, stylesheets, images or imports');
  t.notMatch(html.replace(/xmlns="http:\/\/www\.w3\.org\/2000\/svg"/g, ''), /https?:\/\//, 'no addresses at all');
  t.equal((html.match(/<svg /g) ?? []).length, 4, 'four charts');
  t.match(html, /&lt;traffic &amp; light&gt;/);
  t.notMatch(html, /<traffic/);
  t.match(html, /The focal modulating factor/);
});

t.test('more classes than fit: the charts show the largest, the table all', async (t) => {
  const many = readFileSync(await report(MAX_CHART_CLASSES + 5, null, 'many.html'), 'utf8');
  t.match(many, new RegExp(`The charts show the ${MAX_CHART_CLASSES} classes with the largest loss; 5 more are in the table only`));
  t.equal((many.match(/<tr><td>class /g) ?? []).length, MAX_CHART_CLASSES + 5);
});

browserTest(t, "Chromium draws the report's charts", async (t) => {
  const context = await launchBrowser(t);
  const page = context.pages()[0] ?? (await context.newPage());
  const requested: string[] = [];
  page.on('request', (r) => requested.push(r.url()));
  const url = pathToFileURL(file).href;
  await page.goto(url);
  const charts = await page.$$eval('svg', (svgs) =>
    svgs.map((svg) => {
      const box = svg.getBoundingClientRect();
      const marks = [...svg.querySelectorAll('rect, polyline')].map((m) => (m as unknown as Graphic).getBBox());
      return {
        label: svg.getAttribute('aria-label'),
        width: box.width,
        height: box.height,
        marks: marks.length,
        // A flat line (gamma = 0) has no height: drawn means a width or a height.
        visible: marks.filter((b) => b.width > 0 || b.height > 0).length,
        texts: svg.querySelectorAll('text').length,
      };
    }),
  );
  t.same(
    charts.map((c) => c.label),
    ['Share of the loss by class', 'Support against suggested alpha', 'Easy vs hard examples per class', 'The focal modulating factor'],
  );
  for (const c of charts) {
    t.ok(c.width > 300 && c.height > 100, `${c.label}: ${c.width} x ${c.height} px on screen`);
    t.ok(c.visible > 0, `${c.label}: ${c.visible} of ${c.marks} bars or curves have an area`);
    t.ok(c.texts > 3, `${c.label}: labelled`);
  }
  t.equal(charts[0].visible, 5, 'one loss bar per class');
  t.equal(charts[1].visible, 10, 'a support and an alpha bar per class');
  t.ok(charts[2].visible >= 5 + 10, 'histogram segments per class and the 10-bin legend');
  t.equal(charts[3].visible, 2, 'the gamma curve and the gamma = 0 line');
  const curves = await page.$$eval('svg[aria-label="The focal modulating factor"] polyline', (ps) =>
    ps.map((p) => {
      const b = (p as unknown as Graphic).getBBox();
      return { width: b.width, height: b.height };
    }),
  );
  t.same(
    curves,
    [
      { width: 420, height: 0 },
      { width: 420, height: 240 },
    ],
    'gamma = 0 is flat at 1; gamma = 2 falls from 1 to 0 across the plot',
  );
  t.same(requested, [url], 'nothing but the file itself was loaded');
  mkdirSync(TEST_OUTPUT, { recursive: true });
  await page.screenshot({ path: SCREENSHOT, fullPage: true });
});
