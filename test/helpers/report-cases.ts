/**
 * The --html report's test cases, each produced by the real command (eval --json --html in
 * process): multiclass with names, a sweep and a baseline; binary with rare positives; multilabel
 * with a sweep; 1000 classes. Returns the page and the --json output of the same run, so that a
 * test can check the page's numbers against the result's.
 */
import { readFileSync } from 'node:fs';
import type { Test } from 'tap';
import type { FocalPool } from '../../src/pool/focal-pool.js';
import { Fixtures, lcg, runCli, type Json } from './cli.js';

export interface ReportCase {
  name: string;
  mode: 'binary' | 'multilabel' | 'multiclass';
  c: number;
  file: string;
  html: string;
  json: Json;
  /** The baseline's --json output, when the case has one. */
  baseline?: Json;
}

export const CLASS_NAMES = ['car', 'pedestrian', 'cyclist', 'truck', '<traffic & light>', 'bus'];

async function run(t: Test, pool: FocalPool, args: string[]): Promise<Json> {
  const out = await runCli([...args, '--json'], { pool });
  t.equal(out.code, 0, out.stderr);
  return JSON.parse(out.stdout) as Json;
}

/** Class ids with a long-tailed mix (class 0 most common), and logits that favour the true class by `margin`. */
function multiclassData(seed: number, n: number, c: number, margin: number): { labels: Int32Array; logits: Float32Array } {
  const rand = lcg(seed);
  const labels = Int32Array.from({ length: n }, () => Math.min(c - 1, Math.floor(-Math.log(1 - rand()) * Math.max(1.3, c / 4))));
  const logits = Float32Array.from(
    { length: n * c },
    (_, i) => (rand() - 0.5) * 3 + (labels[Math.floor(i / c)] === i % c ? margin + rand() * 2 : 0),
  );
  return { labels, logits };
}

function evalArgs(mode: ReportCase['mode'], logits: string, targets: string): string[] {
  return ['eval', '--mode', mode, '--logits', logits, '--targets', targets];
}

export class ReportCases {
  private constructor(
    private readonly t: Test,
    private readonly fx: Fixtures,
    private readonly pool: FocalPool,
  ) {}

  static async create(t: Test, pool: FocalPool): Promise<ReportCases> {
    return new ReportCases(t, await Fixtures.create(t), pool);
  }

  private async finish(name: string, mode: ReportCase['mode'], c: number, args: string[], baseline?: Json): Promise<ReportCase> {
    const file = this.fx.path(`${name}.html`);
    const json = await run(this.t, this.pool, [...args, '--html', file]);
    return { name, mode, c, file, html: readFileSync(file, 'utf8'), json, baseline };
  }

  /** Six named classes, a 5 x 2 sweep, and a baseline model with a larger margin (so the new one regresses). */
  async multiclass(): Promise<ReportCase> {
    const c = CLASS_NAMES.length;
    const n = 3000;
    const fx = this.fx;
    const now = multiclassData(7, n, c, 1.2);
    const before = multiclassData(7, n, c, 2.0);
    const targets = await fx.npy('mc-y.npy', now.labels);
    const settings = ['--gamma', '2', '--class-names', await fx.text('mc-names.json', JSON.stringify(CLASS_NAMES))];
    const baseline = await run(this.t, this.pool, [
      ...evalArgs('multiclass', await fx.npy('mc-base.npy', before.logits, [n, c]), targets),
      ...settings,
    ]);
    const baseFile = await fx.text('mc-base.json', JSON.stringify(baseline));
    return this.finish(
      'multiclass',
      'multiclass',
      c,
      [
        ...evalArgs('multiclass', await fx.npy('mc-z.npy', now.logits, [n, c]), targets),
        ...settings,
        '--sweep-gamma',
        '0,0.5,1,2,5',
        '--sweep-alpha',
        'none,0.25',
        '--baseline',
        baseFile,
      ],
      baseline,
    );
  }

  /** 4000 rows, about 10% positives. */
  async binary(): Promise<ReportCase> {
    const rand = lcg(11);
    const n = 4000;
    const y = Float32Array.from({ length: n }, () => (rand() < 0.1 ? 1 : 0));
    const z = Float32Array.from(y, (v) => (v === 1 ? 1.0 : -1.5) + (rand() - 0.5) * 4);
    return this.finish('binary', 'binary', 1, evalArgs('binary', await this.fx.npy('b-z.npy', z), await this.fx.npy('b-y.npy', y)));
  }

  /** 2000 rows x 12 labels with label-dependent positive rates, and a gamma sweep. */
  async multilabel(): Promise<ReportCase> {
    const rand = lcg(23);
    const n = 2000;
    const c = 12;
    const y = Float32Array.from({ length: n * c }, (_, i) => (rand() < 0.03 + 0.04 * (i % c) ? 1 : 0));
    const z = Float32Array.from(y, (v) => (v === 1 ? 0.8 : -1.2) + (rand() - 0.5) * 4);
    const args = evalArgs('multilabel', await this.fx.npy('ml-z.npy', z, [n, c]), await this.fx.npy('ml-y.npy', y, [n, c]));
    return this.finish('multilabel', 'multilabel', c, [...args, '--sweep-gamma', '0,1,2,3']);
  }

  /** 1000 classes (unnamed), 4000 rows. */
  async manyClasses(c = 1000): Promise<ReportCase> {
    const n = 4000;
    const data = multiclassData(31, n, c, 0.8);
    const args = evalArgs('multiclass', await this.fx.npy('many-z.npy', data.logits, [n, c]), await this.fx.npy('many-y.npy', data.labels));
    return this.finish(`classes-${c}`, 'multiclass', c, args);
  }
}
