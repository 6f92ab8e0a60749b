/**
 * `focal-loss compare BASE.json NEW.json` flags -> validated options. The two files are what
 * `focal-loss eval --json` writes (or a POST /loss answer with its stats); the thresholds are the
 * gate a CI job applies to a new model against its baseline.
 */
import { parseArgs } from 'node:util';
import { CliError, THRESHOLD_EXCEEDED, USAGE } from './cli-error.js';
import { number } from './eval-options.js';

/** An allowed increase: absolute (0.01), or relative to the baseline's value ("5%"). */
export interface Increase {
  value: number;
  relative: boolean;
}

export interface CompareOptions {
  base: string;
  next: string;
  maxLossIncrease?: Increase;
  maxEceIncrease?: Increase;
  minRecall?: number;
  minF1?: number;
  /** --min-recall and --min-f1 apply to every class with support (instead of the macro averages). */
  perClass: boolean;
  json: boolean;
}

export const COMPARE_USAGE = `usage: focal-loss compare BASE.json NEW.json [thresholds]

BASE.json and NEW.json: the output of focal-loss eval --json (or a POST /loss answer with stats) for a
baseline and a new model on the same data. Prints what changed; exits ${THRESHOLD_EXCEEDED} when a threshold fails.
thresholds:
  --max-loss-increase X     the new loss may exceed the baseline's by at most X (or X% of it, e.g. 2%)
  --max-ece-increase X      the new ECE may exceed the baseline's by at most X (or X%)
  --min-recall R            the new macro recall must be at least R (every class's with --per-class)
  --min-f1 F                the new macro F1 must be at least F (every class's with --per-class)
  --per-class               apply --min-recall and --min-f1 to each class with support
output:
  --json                    the comparison as one JSON object (metrics, classes, checks, passed)
exit codes: 0 every threshold holds, ${THRESHOLD_EXCEEDED} a regression, 2 usage, 1 an unreadable or mismatched file`;

const OPTIONS = {
  'max-loss-increase': { type: 'string' },
  'max-ece-increase': { type: 'string' },
  'min-recall': { type: 'string' },
  'min-f1': { type: 'string' },
  'per-class': { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
} as const;

const nonNegative = (v: number) => Number.isFinite(v) && v >= 0;
const unitInterval = (v: number) => Number.isFinite(v) && v >= 0 && v <= 1;

function increase(flag: string, text: string | undefined): Increase | undefined {
  if (text === undefined) return undefined;
  const relative = text.trim().endsWith('%');
  const value = number(flag, relative ? text.trim().slice(0, -1) : text, nonNegative, 'a number >= 0, or a percentage such as 2%');
  return { value: value as number, relative };
}

export function parseCompareOptions(argv: string[]): CompareOptions {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, strict: true, allowPositionals: true, options: OPTIONS });
  } catch (err) {
    throw new CliError((err as Error).message.split('\n')[0], USAGE);
  }
  const files = parsed.positionals;
  if (files.length !== 2) throw new CliError(`compare takes two files, BASE.json and NEW.json; got ${files.length}`, USAGE);
  const v = parsed.values;
  const options: CompareOptions = {
    base: files[0],
    next: files[1],
    maxLossIncrease: increase('max-loss-increase', v['max-loss-increase']),
    maxEceIncrease: increase('max-ece-increase', v['max-ece-increase']),
    minRecall: number('min-recall', v['min-recall'], unitInterval, 'a number in [0, 1]'),
    minF1: number('min-f1', v['min-f1'], unitInterval, 'a number in [0, 1]'),
    perClass: v['per-class'],
    json: v.json,
  };
  if (options.perClass && options.minRecall === undefined && options.minF1 === undefined) {
    throw new CliError('--per-class applies to --min-recall and --min-f1; give one of them', USAGE);
  }
  return options;
}
