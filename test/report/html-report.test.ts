/**
 * The --html report in headless Chromium, for a multiclass evaluation with a sweep and a baseline,
 * a binary one, a multilabel one and one with 1000 classes: every section is there, every chart
 * is drawn (each SVG and its marks have a size on screen), the confusion heatmap has C x C cells
 * (above 50 classes a table of the most-confused pairs instead), the tables re-sort when a header
 * is clicked, a 1000-row table shows its top rows until opened, nothing but the file is loaded and
 * nothing is logged as an error. Screenshots are saved to test-output/eval-report*.png.
 */
import t, { type Test } from 'tap';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { sharedPool } from '../helpers/cli.js';
import { browserTest, launchBrowser, TEST_OUTPUT } from '../helpers/chromium.js';
import { ReportCases, type ReportCase } from '../helpers/report-cases.js';
import { MAX_HEATMAP_CLASSES } from '../../src/report/sections/confusion.js';
import { TOP_ROWS } from '../../src/report/table.js';

/** The part of SVGGraphicsElement used here (the type checker has no DOM library). */
interface Graphic {
  getBBox(): { width: number; height: number };
}

export const SCREENSHOTS = {
  multiclass: path.join(TEST_OUTPUT, 'eval-report.png'),
  binary: path.join(TEST_OUTPUT, 'eval-report-binary.png'),
  multilabel: path.join(TEST_OUTPUT, 'eval-report-multilabel.png'),
  many: path.join(TEST_OUTPUT, 'eval-report-1000-classes.png'),
};

const pool = sharedPool(t);

interface Opened {
  page: Page;
  problems: string[];
  requested: string[];
  url: string;
}

async function open(context: BrowserContext, c: ReportCase): Promise<Opened> {
  const page = await context.newPage();
  const problems: string[] = [];
  const requested: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('request', (r) => requested.push(r.url()));
  const url = pathToFileURL(c.file).href;
  await page.goto(url);
  return { page, problems, requested, url };
}

/** Every chart has a size on screen and draws at least one mark with a size. */
async function checkCharts(t: Test, page: Page): Promise<string[]> {
  const charts = await page.$$eval('svg', (svgs) =>
    svgs.map((svg) => {
      const box = svg.getBoundingClientRect();
      const marks = [...svg.querySelectorAll('rect, polyline, circle, line')].map((m) => (m as unknown as Graphic).getBBox());
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
  for (const c of charts) {
    t.ok(c.width > 200 && c.height > 50, `${c.label}: ${c.width} x ${c.height} px on screen`);
    t.ok(c.visible > 0, `${c.label}: ${c.visible} of ${c.marks} marks have a size`);
    t.ok(c.texts > 2, `${c.label}: labelled`);
  }
  return charts.map((c) => c.label ?? '');
}

/** A column's sort keys in row order (null where a cell has none). */
function columnKeys(page: Page, table: string, col: number): Promise<(string | null)[]> {
  return page.$$eval(`#${table} tbody tr`, (rows, i) => rows.map((r) => r.children[i].getAttribute('data-v')), col);
}

/** Sorted as the script promises: numbers by value, missing values last. */
function isSorted(keys: (string | null)[], descending: boolean): boolean {
  const present = keys.filter((k) => k !== null).map(Number);
  const firstMissing = keys.indexOf(null);
  const missingLast = firstMissing < 0 || keys.slice(firstMissing).every((k) => k === null);
  return missingLast && present.every((v, i) => i === 0 || (descending ? present[i - 1] >= v : present[i - 1] <= v));
}

async function checkSorting(t: Test, page: Page, table: string, header: string): Promise<void> {
  const headers = await page.$$eval(`#${table} thead th`, (ths) => ths.map((th) => th.textContent));
  const col = headers.indexOf(header);
  t.ok(col >= 0, `${table} has a ${header} column`);
  const th = page.locator(`#${table} thead th`).nth(col);
  const before = await columnKeys(page, table, col);
  await th.click();
  const descending = await columnKeys(page, table, col);
  t.equal(await th.getAttribute('aria-sort'), 'descending', 'first click: descending');
  t.ok(isSorted(descending, true), `${header} sorted descending`);
  t.same([...descending].sort(), [...before].sort(), 'the same rows, re-ordered');
  await th.click();
  t.equal(await th.getAttribute('aria-sort'), 'ascending', 'second click: ascending');
  t.ok(isSorted(await columnKeys(page, table, col), false), `${header} sorted ascending`);
  // Enter on a focused header sorts too (keyboard users).
  await th.focus();
  await page.keyboard.press('Enter');
  t.equal(await th.getAttribute('aria-sort'), 'descending', 'Enter sorts');
}

function visibleRows(page: Page, table: string): Promise<number> {
  return page.$$eval(`#${table} tbody tr`, (rows) => rows.filter((r) => r.getClientRects().length > 0).length);
}

/** The page as it arrives (before any click re-sorts a table). */
async function screenshot(opened: Opened, file: string): Promise<void> {
  mkdirSync(TEST_OUTPUT, { recursive: true });
  await opened.page.screenshot({ path: file, fullPage: true });
}

function finish(t: Test, opened: Opened): void {
  t.same(opened.problems, [], 'no console errors or page errors');
  t.same(opened.requested, [opened.url], 'nothing but the file itself was loaded');
}

async function sections(page: Page): Promise<string[]> {
  return page.$$eval('section', (s) => s.map((x) => x.id));
}

browserTest(t, 'Chromium draws every section of the report', async (t) => {
  const context = await launchBrowser(t, { width: 1600, height: 1000 });
  const cases = await ReportCases.create(t, pool);

  t.test('multiclass with a sweep and a baseline', async (t) => {
    const c = await cases.multiclass();
    const opened = await open(context, c);
    const { page } = opened;
    await screenshot(opened, SCREENSHOTS.multiclass);
    t.same(await sections(page), ['baseline', 'per-class', 'calibration', 'confusion', 'loss', 'sweep', 'class-balance']);
    const charts = await checkCharts(t, page);
    t.same(charts, [
      'Reliability diagram',
      'Confusion matrix',
      'Share of the loss by class',
      'Easy vs hard examples per class',
      'The focal modulating factor',
      'Loss against gamma',
      'Share of the loss by class at each gamma',
      'Support against the suggested alphas',
    ]);
    const cells = await page.$$eval('svg[aria-label="Confusion matrix"] rect.cell', (rs) =>
      rs.map((r) => (r as unknown as Graphic).getBBox()).filter((b) => b.width > 0 && b.height > 0),
    );
    t.equal(cells.length, c.c * c.c, 'the heatmap has C x C cells, each with a size');
    const curves = await page.$$eval('svg[aria-label="Loss against gamma"] polyline.curve', (ps) => ps.length);
    t.equal(curves, 2, 'a loss curve per alpha');
    t.equal(await page.locator('svg[aria-label="Loss against gamma"] circle').count(), 10, 'a point per gamma x alpha');
    const modulating = await page.$$eval('svg[aria-label="The focal modulating factor"] polyline', (ps) =>
      ps.map((p) => (p as unknown as Graphic).getBBox()).map((b) => ({ width: b.width, height: b.height })),
    );
    t.same(
      modulating,
      [
        { width: 420, height: 0 },
        { width: 420, height: 240 },
      ],
      'gamma = 0 is flat at 1; gamma = 2 falls from 1 to 0 across the plot',
    );
    t.ok(await page.locator('.flags').isVisible(), 'the regressions are flagged');
    await checkSorting(t, page, 'per-class-table', 'recall');
    await checkSorting(t, page, 'baseline-classes-table', 'F1 change');
    // Text columns sort as text.
    await page.locator('#per-class-table thead th').first().click();
    const names = await columnKeys(page, 'per-class-table', 0);
    t.same(
      names,
      [...names].sort((a, b) => (b as string).localeCompare(a as string)),
      'class names descending',
    );
    finish(t, opened);
  });

  t.test('binary', async (t) => {
    const opened = await open(context, await cases.binary());
    await screenshot(opened, SCREENSHOTS.binary);
    t.same(await sections(opened.page), ['per-class', 'calibration', 'pos-neg', 'loss', 'class-balance']);
    const charts = await checkCharts(t, opened.page);
    t.ok(charts.includes('Loss of the positives and the negatives'), 'the positive and negative loss');
    t.equal(await opened.page.locator('svg rect.pos').count(), 1);
    t.equal(await opened.page.locator('svg rect.neg').count(), 1);
    finish(t, opened);
  });

  t.test('multilabel', async (t) => {
    const c = await cases.multilabel();
    const opened = await open(context, c);
    await screenshot(opened, SCREENSHOTS.multilabel);
    t.same(await sections(opened.page), ['per-class', 'calibration', 'pos-neg', 'loss', 'sweep', 'class-balance']);
    await checkCharts(t, opened.page);
    t.equal(await opened.page.locator('svg rect.pos').count(), c.c, 'positive loss per label');
    await checkSorting(t, opened.page, 'pos-neg-table', 'from positives');
    finish(t, opened);
  });

  t.test('1000 classes', async (t) => {
    const c = await cases.manyClasses();
    t.ok(c.c > MAX_HEATMAP_CLASSES);
    const opened = await open(context, c);
    const { page } = opened;
    t.same(await sections(page), ['per-class', 'calibration', 'confusion', 'loss', 'class-balance']);
    const charts = await checkCharts(t, page);
    t.notOk(charts.includes('Confusion matrix'), 'no heatmap at 1000 classes');
    t.equal(await page.locator('#confused-pairs-table').count(), 1, 'the most-confused pairs instead');
    t.equal(await visibleRows(page, 'per-class-table'), TOP_ROWS, 'the per-class table shows its top rows');
    t.equal(await visibleRows(page, 'class-balance-table'), TOP_ROWS, 'so does the class-balance table');
    await screenshot(opened, SCREENSHOTS.many);
    await checkSorting(t, page, 'per-class-table', 'recall');
    const shown = await page.$$eval('#per-class-table tbody tr', (rows) => rows.slice(0, 40).map((r) => r.getClientRects().length > 0));
    t.same(shown, [...Array(TOP_ROWS).fill(true), ...Array(40 - TOP_ROWS).fill(false)], 'after sorting, the top of the new order is shown');
    await page.locator('section#per-class details.more summary').click();
    t.equal(await visibleRows(page, 'per-class-table'), c.c, 'opened: every class');
    t.equal(await visibleRows(page, 'class-balance-table'), TOP_ROWS, 'the other tables stay collapsed');
    finish(t, opened);
  });
});
