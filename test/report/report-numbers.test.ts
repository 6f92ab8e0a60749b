/**
 * The --html report's numbers are the evaluation's: every value on the page is checked against
 * the same run's --json output, recomputed here from the counts where it is a ratio (precision from
 * tp and fp, ECE from the bins, shares from the loss sums), and shown to the digits it shows. Also:
 * the page is self-contained, escapes what it shows and prints nothing undefined as a number.
 */
import t, { type Test } from 'tap';
import { runCli, sharedPool, type Json } from '../helpers/cli.js';
import { readNumber, shows, tableRows, unescapeHtml, type Cell } from '../helpers/html-tables.js';
import { ReportCases, type ReportCase } from '../helpers/report-cases.js';

const pool = sharedPool(t);

const div = (a: number, b: number): number | null => (b === 0 ? null : a / b);

/** The label a class has on the page: its name, "positive label" in binary mode, else "class k". */
function label(c: ReportCase, k: Json): string {
  return k.name ?? (c.mode === 'binary' ? 'positive label' : `class ${k.class}`);
}

/** The headline figures: label -> shown text. */
function kpis(html: string): Map<string, string> {
  return new Map(
    [...html.matchAll(/<div class="kpi"[^>]*><b>(.*?)<\/b><span>(.*?)<\/span>/g)].map((m) => [unescapeHtml(m[2]), unescapeHtml(m[1])]),
  );
}

function byLabel(rows: Cell[][]): Map<string, Cell[]> {
  return new Map(rows.map((r) => [r[0].text, r]));
}

function checkSelfContained(t: Test, c: ReportCase): void {
  const { html } = c;
  t.match(html, /^<!doctype html>/);
  t.notMatch(html, /<link|<img|<iframe|@import|url\(/i, 'no stylesheets, images, frames or imports');
  t.notMatch(html.replace(/xmlns="http:\/\/www\.w3\.org\/2000\/svg"/g, ''), /https?:\/\//, 'no addresses at all');
  t.equal((html.match(/<script>/g) ?? []).length, 1, 'one inline script');
  t.notMatch(html, /<script [^>]*src/, 'no script file');
  t.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none';/, 'a policy that allows nothing to be fetched');
  const visible = html.replace(/<script>[\s\S]*?<\/script>|<style>[\s\S]*?<\/style>/g, '').replace(/<[^>]+>/g, ' ');
  t.notMatch(visible, /\bNaN\b|Infinity|\bundefined\b|\bnull\b/, 'nothing undefined printed as a number');
  t.notMatch(html, /data-v="(NaN|Infinity|-Infinity|null|undefined)"/, 'no non-finite sort key');
}

function checkPerClass(t: Test, c: ReportCase): void {
  const { json, html } = c;
  const classes: Json[] = json.stats.classes;
  const total = classes.reduce((a, k) => a + k.loss_sum, 0);
  const { body, foot, headers } = tableRows(html, 'per-class-table');
  t.same(headers, ['class', 'support', 'loss share', 'mean loss', 'precision', 'recall', 'F1', 'tp', 'fp', 'fn', 'tn']);
  const order = [...classes].sort((a, b) => b.loss_sum - a.loss_sum || a.class - b.class).map((k) => label(c, k));
  t.same(
    body.map((r) => r[0].text),
    order,
    'every class, the largest share of the loss first',
  );
  const rows = byLabel(body);
  for (const k of classes) {
    const r = rows.get(label(c, k)) as Cell[];
    const where = `${c.name} ${label(c, k)}`;
    const [precision, recall, f1] = [div(k.tp, k.tp + k.fp), div(k.tp, k.tp + k.fn), div(2 * k.tp, 2 * k.tp + k.fp + k.fn)];
    t.equal(readNumber(r[1].text), k.support, `${where} support`);
    shows(t, r[2].text, k.loss_sum / total, `${where} loss share`);
    shows(t, r[3].text, div(k.loss_sum, k.support), `${where} mean loss`);
    shows(t, r[4].text, precision, `${where} precision`);
    shows(t, r[5].text, recall, `${where} recall`);
    shows(t, r[6].text, f1, `${where} F1`);
    // The sort key is the result's own number, where the ratio is defined.
    if (precision !== null) t.equal(Number(r[4].v), k.precision, `${where} precision data-v`);
    t.same(
      r.slice(7).map((x) => readNumber(x.text)),
      [k.tp, k.fp, k.fn, k.tn],
      `${where} counts`,
    );
  }
  // Averages recomputed from the counts: macro over the classes present in targets or predictions.
  const present = classes.filter((k) => k.support + k.fp > 0);
  const support = classes.reduce((a, k) => a + k.support, 0);
  const metric = {
    precision: (k: Json) => div(k.tp, k.tp + k.fp) ?? 0,
    recall: (k: Json) => div(k.tp, k.tp + k.fn) ?? 0,
    f1: (k: Json) => div(2 * k.tp, 2 * k.tp + k.fp + k.fn) ?? 0,
  };
  Object.values(metric).forEach((m, i) => {
    shows(t, foot[0][4 + i].text, present.reduce((a, k) => a + m(k), 0) / present.length, `${c.name} macro ${Object.keys(metric)[i]}`);
    shows(
      t,
      foot[1][4 + i].text,
      classes.reduce((a, k) => a + k.support * m(k), 0) / support,
      `${c.name} weighted ${Object.keys(metric)[i]}`,
    );
  });
}

function checkCalibration(t: Test, c: ReportCase): void {
  const cal = c.json.stats.calibration;
  const multiclass = c.mode === 'multiclass';
  const bins = cal.bins.map((b: Json) => ({
    count: b.count as number,
    value: (multiclass ? b.confidence_sum : b.probability_sum) as number,
    hit: (multiclass ? b.correct_sum : b.positive_sum) as number,
  }));
  const count = bins.reduce((a: number, b: { count: number }) => a + b.count, 0);
  const gaps = bins
    .filter((b: { count: number }) => b.count > 0)
    .map((b: Json) => ({ n: b.count, gap: Math.abs(b.hit / b.count - b.value / b.count) }));
  const ece = gaps.reduce((a: number, g: Json) => a + (g.n / count) * g.gap, 0);
  const mce = Math.max(0, ...gaps.map((g: Json) => g.gap));
  const k = kpis(c.html);
  shows(t, k.get('ECE') as string, ece, `${c.name} ECE from the bins`);
  shows(t, k.get('MCE') as string, mce, `${c.name} MCE from the bins`);
  shows(t, k.get('Brier') as string, cal.brier, `${c.name} Brier`);
  shows(t, k.get('NLL') as string, cal.nll, `${c.name} NLL`);
  if (c.mode === 'multilabel') shows(t, k.get('classwise ECE') as string, cal.classwise_ece, `${c.name} classwise ECE`);
  const svg = /<svg[^>]*aria-label="Reliability diagram"[\s\S]*?<\/svg>/.exec(c.html)?.[0] ?? '';
  t.equal((svg.match(/class="bin"/g) ?? []).length, gaps.length, 'a bar per non-empty bin');
  shows(t, k.get(`focal loss (mean over ${c.json.meta.denominator.toLocaleString('en-US')})`) as string, c.json.loss, `${c.name} loss`);
}

t.test('multiclass with a sweep and a baseline', async (t) => {
  const c = await (await ReportCases.create(t, pool)).multiclass();
  const { json, html } = c;
  const base = c.baseline as Json;
  checkSelfContained(t, c);
  t.match(html, /&lt;traffic &amp; light&gt;/, 'names are escaped');
  t.notMatch(html, /<traffic/);
  checkPerClass(t, c);
  checkCalibration(t, c);

  t.test('accuracy and the confusion matrix', async (t) => {
    const confusion: number[][] = json.stats.confusion;
    t.ok(Array.isArray(confusion), 'eval --html asks for the confusion matrix (it is in --json too)');
    const trace = confusion.reduce((a, r, i) => a + r[i], 0);
    shows(t, kpis(html).get('accuracy') as string, trace / json.stats.count, 'accuracy is the trace over the count');
    json.stats.classes.forEach((k: Json, i: number) =>
      t.equal(
        confusion[i].reduce((a, b) => a + b, 0),
        k.support,
        `row ${i} sums to its support`,
      ),
    );
    const cells = [...html.matchAll(/class="cell"><title>true (.*?), predicted (.*?): ([\d,]+) rows/g)];
    t.equal(cells.length, c.c * c.c, 'C x C cells');
    t.same(
      cells.map((m) => readNumber(m[3])),
      confusion.flat(),
      'each cell holds its count, row-major',
    );
  });

  t.test('the sweep', async (t) => {
    const { body, headers } = tableRows(html, 'sweep-table');
    t.same(headers, ['gamma', 'alpha none', 'alpha 0.25']);
    t.same(
      body.map((r) => Number(r[0].text)),
      [0, 0.5, 1, 2, 5],
    );
    t.same(
      body.flatMap((r) => r.slice(1).map((x) => Number(x.v))),
      json.sweep.map((e: Json) => e.loss),
      'gamma outer, alpha inner: the result sweep',
    );
    body.flatMap((r) => r.slice(1)).forEach((x, i) => shows(t, x.text, json.sweep[i].loss, `sweep ${i}`));
    const own = json.sweep.find((e: Json) => e.gamma === 2 && e.alpha === null);
    t.equal(own.loss, json.loss, "the sweep at the evaluation's own setting is its loss");
    const shares = (html.match(/class="share"/g) ?? []).length;
    t.ok(shares >= 5 * c.c, 'a share segment per class at each gamma');
  });

  t.test('against the baseline', async (t) => {
    const metrics = byLabel(tableRows(html, 'baseline-metrics').body);
    for (const [metric, b, n] of [
      ['loss', base.loss, json.loss],
      ['ece', base.stats.calibration.ece, json.stats.calibration.ece],
      ['macro f1', base.stats.averages.macro.f1, json.stats.averages.macro.f1],
    ] as const) {
      const r = metrics.get(metric) as Cell[];
      t.same([Number(r[1].v), Number(r[2].v)], [b, n], `${metric}: base and new`);
      shows(t, r[3].text, n - b, `${metric} change`);
    }
    t.equal((metrics.get('loss') as Cell[])[5].text, json.loss > base.loss ? 'worse' : 'better', 'a higher loss is flagged worse');
    const classes = byLabel(tableRows(html, 'baseline-classes-table').body);
    const regressed: string[] = [];
    json.stats.classes.forEach((k: Json, i: number) => {
      const b = base.stats.classes[i];
      const r = classes.get(label(c, k)) as Cell[];
      shows(t, r[4].text, k.recall - b.recall, `${k.name} recall change`);
      shows(t, r[7].text, k.f1 - b.f1, `${k.name} F1 change`);
      if (b.recall - k.recall > 0.01 || b.f1 - k.f1 > 0.01) regressed.push(k.name);
    });
    t.ok(regressed.length > 0, 'the new model (smaller margin) regresses');
    t.match(html, new RegExp(`${regressed.length} of ${c.c} classes lost more than 0.01 of recall or F1`));
  });

  t.test('class balance', async (t) => {
    const rows = byLabel(tableRows(html, 'class-balance-table').body);
    for (const k of json.stats.classes) {
      const r = rows.get(label(c, k)) as Cell[];
      shows(t, r[2].text, k.support / json.stats.count, `${k.name} frequency`);
      t.equal(r[4].v === undefined ? null : Number(r[4].v), k.suggested_alpha, `${k.name} suggested alpha`);
      t.equal(r[5].v === undefined ? null : Number(r[5].v), k.class_balanced_alpha, `${k.name} class-balanced alpha`);
      shows(t, r[4].text, k.suggested_alpha, `${k.name} suggested alpha shown`);
      t.equal(r[6].text, 'none', 'no alpha applied');
    }
    t.match(html, /alpha = 0\.25/, 'the RetinaNet paragraph');
  });
});

for (const kind of ['binary', 'multilabel'] as const) {
  t.test(kind, async (t) => {
    const cases = await ReportCases.create(t, pool);
    const c = kind === 'binary' ? await cases.binary() : await cases.multilabel();
    const { json, html } = c;
    checkSelfContained(t, c);
    checkPerClass(t, c);
    checkCalibration(t, c);
    t.notMatch(html, /id="confusion"/, 'no confusion matrix outside multiclass');
    const classes: Json[] = json.stats.classes;
    const pos = classes.reduce((a, k) => a + k.pos_loss_sum, 0);
    const neg = classes.reduce((a, k) => a + k.neg_loss_sum, 0);
    const positives = classes.reduce((a, k) => a + k.support, 0);
    const k = kpis(html);
    shows(t, k.get('loss from positives') as string, pos, 'positive loss');
    shows(t, k.get('loss from negatives') as string, neg, 'negative loss');
    shows(t, k.get('share from positives') as string, pos / (pos + neg), 'share from positives');
    shows(t, k.get('mean loss per negative') as string, neg / (json.meta.n * classes.length - positives), 'per negative');
    t.equal((html.match(/class="pos"/g) ?? []).length, classes.length, 'a positive bar per label');
    if (kind === 'multilabel') {
      const rows = byLabel(tableRows(html, 'pos-neg-table').body);
      for (const s of classes) {
        const r = rows.get(label(c, s)) as Cell[];
        t.same([readNumber(r[1].text), readNumber(r[2].text)], [s.support, json.meta.n - s.support], `${label(c, s)} positives, negatives`);
        shows(t, r[6].text, div(s.pos_loss_sum, s.support), `${label(c, s)} per positive`);
      }
      t.ok(Array.isArray(json.sweep) && json.sweep.length === 4, 'the gamma sweep');
      t.match(html, /id="sweep-table"/);
    }
    const rows = byLabel(tableRows(html, 'class-balance-table').body);
    for (const s of classes)
      shows(t, (rows.get(label(c, s)) as Cell[])[2].text, s.support / json.meta.n, `${label(c, s)} share of positives`);
  });
}

t.test('eval --baseline', async (t) => {
  const cases = await ReportCases.create(t, pool);
  const usage = await runCli(['eval', '--mode', 'binary', '--logits', 'x.npy', '--targets', 'y.npy', '--baseline', 'b.json'], { pool });
  t.equal(usage.code, 2, 'without --html: a usage error');
  t.match(usage.stderr, /--baseline is compared in the --html report/);
  const missing = await runCli(
    ['eval', '--mode', 'binary', '--logits', 'x.npy', '--targets', 'y.npy', '--html', 'r.html', '--baseline', '/nonexistent/b.json'],
    {
      pool,
    },
  );
  t.equal(missing.code, 1);
  t.match(missing.stderr, /\/nonexistent\/b\.json: /, 'an unreadable baseline fails before the evaluation');
  t.ok(cases, 'fixtures');
});
