/**
 * Two evaluations of the same data (a baseline and a new model) -> what changed and which
 * thresholds hold. Pure except for reading the files: the metrics come from the files' own stats
 * (loss, accuracy, calibration, macro and weighted averages, per-class recall, F1 and mean loss),
 * nothing is recomputed.
 */
import { readFile } from 'node:fs/promises';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { MetaSchema, StatsSchema } from '../schemas/loss-response.js';
import { CliError } from './cli-error.js';
import type { CompareOptions, Increase } from './compare-options.js';
import type { Check, ClassRow, Comparison, MetricRow } from '../report/comparison.js';

/** What compare reads: the loss, stats and meta of an evaluation (other fields are ignored). */
const EvaluationFileSchema = Type.Object({ loss: Type.Number(), stats: StatsSchema, meta: MetaSchema });
export type EvaluationFile = Static<typeof EvaluationFileSchema>;

export async function readEvaluation(file: string): Promise<EvaluationFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new CliError(`${file}: ${(err as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new CliError(`${file}: not JSON (${(err as Error).message})`);
  }
  const error = Value.Errors(EvaluationFileSchema, value).First();
  if (error !== undefined) {
    throw new CliError(
      `${file}: not an evaluation with stats (focal-loss eval --json writes one): ${error.path || '/'} ${error.message.toLowerCase()}`,
    );
  }
  return value as EvaluationFile;
}

/**
 * The settings that make two losses comparable. The data must be the same (n, c, mode) and so
 * must the loss's definition; a different gamma or alpha changes the loss whatever the model.
 */
const SAME_SETTINGS = [
  'mode',
  'n',
  'c',
  'reduction',
  'variant',
  'gamma',
  'alpha',
  'label_smoothing',
  'ignore_index',
  'target_format',
] as const;

function assertComparable(base: EvaluationFile, next: EvaluationFile, files: [string, string]): void {
  for (const key of SAME_SETTINGS) {
    const [a, b] = [JSON.stringify(base.meta[key] ?? null), JSON.stringify(next.meta[key] ?? null)];
    if (a !== b)
      throw new CliError(
        `${files[0]} and ${files[1]} are not comparable: meta.${key} is ${a} and ${b} (evaluate both on the same data with the same settings)`,
      );
  }
  base.stats.classes.forEach((k, i) => {
    const other = next.stats.classes[i];
    if (k.name !== undefined && other.name !== undefined && k.name !== other.name) {
      throw new CliError(`${files[0]} and ${files[1]} are not comparable: class ${i} is "${k.name}" and "${other.name}"`);
    }
  });
}

function metricRows(base: EvaluationFile, next: EvaluationFile): MetricRow[] {
  const rows: MetricRow[] = [{ metric: 'loss', base: base.loss, next: next.loss, higherIsBetter: false }];
  const both = <T>(pick: (e: EvaluationFile) => T | undefined): [T, T] | null => {
    const [a, b] = [pick(base), pick(next)];
    return a === undefined || b === undefined ? null : [a, b];
  };
  const add = (metric: string, values: [number, number] | null, higherIsBetter: boolean) => {
    if (values !== null) rows.push({ metric, base: values[0], next: values[1], higherIsBetter });
  };
  add(
    'accuracy',
    both((e) => e.stats.accuracy),
    true,
  );
  for (const key of ['ece', 'mce', 'brier', 'nll', 'classwise_ece'] as const)
    add(
      key,
      both((e) => e.stats.calibration?.[key]),
      false,
    );
  for (const key of ['precision', 'recall', 'f1'] as const)
    add(
      `macro ${key}`,
      both((e) => e.stats.averages.macro[key]),
      true,
    );
  add(
    'weighted f1',
    both((e) => e.stats.averages.weighted.f1),
    true,
  );
  return rows;
}

function classLabel(k: EvaluationFile['stats']['classes'][number]): string {
  return k.name ?? String(k.class);
}

function allowed(increase: Increase, base: number): number {
  return increase.relative ? (Math.abs(base) * increase.value) / 100 : increase.value;
}

function checks(base: EvaluationFile, next: EvaluationFile, options: CompareOptions, files: [string, string]): Check[] {
  const out: Check[] = [];
  if (options.maxLossIncrease !== undefined) {
    out.push(increaseCheck('loss increase', base.loss, next.loss, options.maxLossIncrease));
  }
  if (options.maxEceIncrease !== undefined) {
    const [a, b] = [base.stats.calibration?.ece, next.stats.calibration?.ece];
    if (a === undefined || b === undefined) {
      throw new CliError(`--max-ece-increase needs stats.calibration in both files; ${a === undefined ? files[0] : files[1]} has none`);
    }
    out.push(increaseCheck('ECE increase', a, b, options.maxEceIncrease));
  }
  for (const [key, limit] of [
    ['recall', options.minRecall],
    ['f1', options.minF1],
  ] as const) {
    if (limit === undefined) continue;
    if (!options.perClass) {
      const value = next.stats.averages.macro[key];
      out.push({ check: `macro ${key}`, value, limit, passed: value >= limit });
      continue;
    }
    // A class absent from the data (support 0) has no recall to hold to a bound.
    for (const k of next.stats.classes) {
      if (k.support > 0) out.push({ check: `${key} of class ${classLabel(k)}`, value: k[key], limit, passed: k[key] >= limit });
    }
  }
  return out;
}

function increaseCheck(check: string, base: number, next: number, increase: Increase): Check {
  const limit = allowed(increase, base);
  const value = next - base;
  return { check, value, limit, passed: value <= limit };
}

export function compareEvaluations(base: EvaluationFile, next: EvaluationFile, options: CompareOptions): Comparison {
  const files: [string, string] = [options.base, options.next];
  assertComparable(base, next, files);
  const classes = next.stats.classes.map((k, i): ClassRow => {
    const b = base.stats.classes[i];
    return {
      label: classLabel(k),
      support: k.support,
      recall: [b.recall, k.recall],
      f1: [b.f1, k.f1],
      meanLoss: [b.mean_loss, k.mean_loss],
    };
  });
  const list = checks(base, next, options, files);
  return { metrics: metricRows(base, next), classes, checks: list, passed: list.every((c) => c.passed) };
}
