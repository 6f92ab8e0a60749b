/**
 * `focal-loss eval` flags -> validated options. Only the CLI's own rules live here (files,
 * numbers, choices); the focal-loss settings themselves (gamma range, alpha per class, which
 * options a mode allows) are checked by the service's own schema and decoder (cli/settings.ts).
 */
import { parseArgs } from 'node:util';
import { CliError, USAGE } from './cli-error.js';
import { MODES, REDUCTIONS, VARIANTS, type Mode, type Reduction, type Variant } from '../schemas/loss-request.js';

export const DEFAULT_CHUNK_ELEMENTS = 262_144;
export const DEFAULT_REMOTE_CONCURRENCY = 4;

export interface EvalOptions {
  logits: string;
  targets: string;
  mode: Mode;
  /** One gamma, or one per class. */
  gamma?: number | number[];
  /** undefined: the mode's default; null: none; a number or one per class. */
  alpha?: number | number[] | null;
  reduction: Reduction;
  normalizer?: number;
  ignoreIndex?: number;
  labelSmoothing?: number;
  variant?: Variant;
  gammaPos?: number | number[];
  gammaNeg?: number | number[];
  clip?: number;
  epsilon?: number;
  classBalanceBeta?: number;
  /** The loss at every gamma x alpha pair (POST /loss's sweep). */
  sweepGamma?: number[];
  sweepAlpha?: (number | null)[];
  weights?: string;
  classNames?: string;
  url?: string;
  apiKey?: string;
  /** Rows per chunk; undefined: about DEFAULT_CHUNK_ELEMENTS elements. */
  chunkRows?: number;
  /** Chunks computed or in flight at once; undefined: the backend's default. */
  concurrency?: number;
  /** How chunks travel to the service: base64 tensors (default) or JSON arrays. */
  wire: 'binary' | 'json';
  timeoutMs: number;
  json: boolean;
  gradientOut?: string;
  html?: string;
  /** An earlier evaluation (eval --json) the --html report compares this one with. */
  baseline?: string;
  maxLoss?: number;
  progress: boolean;
}

export const EVAL_USAGE = `usage: focal-loss eval --logits FILE --targets FILE --mode binary|multilabel|multiclass [options]

files: .npy (float16/32/64, integers, bool; C or Fortran order), .csv (optional header line), .jsonl;
  .npy of rank 3 to 8 (C order): dense logits (N, C, d1, ...) with targets (N, d1, ...) or the same shape
  --weights FILE            per-row weights (N values; dense files: one per sample)
  --class-names FILE        C names: a .json array or one name per line
focal loss:
  --gamma G                 focusing parameter in [0, 20] (default 2), or one per class "a,b,c"
  --alpha A                 a number, one per class "a,b,c", or "none" (default 0.25 binary/multilabel, none multiclass)
  --variant V               focal (default), asymmetric (ASL: --gamma-pos, --gamma-neg, --clip) or poly1 (--epsilon)
  --gamma-pos G, --gamma-neg G   asymmetric: exponents of the positive and negative part (one or one per label)
  --clip M                  asymmetric: probability margin of the negatives in [0, 1) (default 0.05)
  --epsilon E               poly1: coefficient of (1 - p_t)^(gamma + 1) (default 1)
  --reduction R             mean (default), sum or none
  --normalizer X            divide the sum by X instead of the count (mean)
  --ignore-index I          multiclass class ids: rows with this target are skipped
  --label-smoothing E       eps in [0, 1)
evaluation:
  --sweep-gamma G1,G2,...   also the loss at each of these gammas (x each --sweep-alpha), one table
  --sweep-alpha A1,A2,...   also the loss at each of these alphas ("none" for no weighting)
  --class-balance-beta B    beta of the class-balanced alpha in stats (default 0.999)
where:
  --url URL                 compute on a focal-loss service (default: locally, in worker threads)
  --api-key KEY             the service's API key (or FOCAL_LOSS_API_KEY)
  --chunk-rows N            rows per chunk (default: about ${DEFAULT_CHUNK_ELEMENTS} values)
  --concurrency N           chunks in flight (default ${DEFAULT_REMOTE_CONCURRENCY} remote, the CPUs locally)
  --wire binary|json        chunk encoding sent to the service (default binary: base64 tensors)
  --timeout-ms MS           per request (default 120000)
output:
  --json                    one JSON object shaped like the /loss response (loss, stats, meta)
  --gradient-out FILE.npy   write d(loss)/d(logits) (float64, the shape of the logits)
  --html FILE               a self-contained HTML report: per-class precision/recall/F1 (sortable), calibration
                            (reliability diagram, ECE, MCE, Brier, NLL), confusion matrix (multiclass), positive vs
                            negative loss, the sweep, class balance; adds stats.confusion to --json (multiclass)
  --baseline BASE.json      with --html: compare with an earlier eval --json of the same data (deltas, regressions)
  --max-loss X              exit ${3} when the loss is above X (a CI gate)
  --no-progress             no progress bar (it is only drawn on a terminal anyway)`;

const OPTIONS = {
  logits: { type: 'string' },
  targets: { type: 'string' },
  mode: { type: 'string' },
  gamma: { type: 'string' },
  alpha: { type: 'string' },
  reduction: { type: 'string' },
  normalizer: { type: 'string' },
  'ignore-index': { type: 'string' },
  'label-smoothing': { type: 'string' },
  variant: { type: 'string' },
  'gamma-pos': { type: 'string' },
  'gamma-neg': { type: 'string' },
  clip: { type: 'string' },
  epsilon: { type: 'string' },
  'class-balance-beta': { type: 'string' },
  'sweep-gamma': { type: 'string' },
  'sweep-alpha': { type: 'string' },
  weights: { type: 'string' },
  'class-names': { type: 'string' },
  url: { type: 'string' },
  'api-key': { type: 'string' },
  'chunk-rows': { type: 'string' },
  concurrency: { type: 'string' },
  wire: { type: 'string' },
  'timeout-ms': { type: 'string' },
  json: { type: 'boolean', default: false },
  'gradient-out': { type: 'string' },
  html: { type: 'string' },
  baseline: { type: 'string' },
  'max-loss': { type: 'string' },
  'no-progress': { type: 'boolean', default: false },
} as const;

/** Flags that take a value. */
const VALUED_FLAGS = new Set(
  Object.entries(OPTIONS)
    .filter(([, o]) => o.type === 'string')
    .map(([name]) => `--${name}`),
);

export function number(
  flag: string,
  text: string | undefined,
  check: (v: number) => boolean = Number.isFinite,
  rule = 'a finite number',
): number | undefined {
  if (text === undefined) return undefined;
  const v = text.trim() === '' ? NaN : Number(text);
  if (!check(v)) throw new CliError(`--${flag} must be ${rule}, got "${text}"`, USAGE);
  return v;
}

const positiveInteger = (v: number) => Number.isSafeInteger(v) && v > 0;

export function choice<T extends string>(flag: string, text: string | undefined, choices: readonly T[], fallback?: T): T {
  if (text === undefined) {
    if (fallback !== undefined) return fallback;
    throw new CliError(`--${flag} is required (${choices.join(', ')})`, USAGE);
  }
  if (!(choices as readonly string[]).includes(text))
    throw new CliError(`--${flag} must be one of ${choices.join(', ')}, got "${text}"`, USAGE);
  return text as T;
}

function parseAlpha(text: string | undefined): number | number[] | null | undefined {
  if (text === undefined) return undefined;
  if (text === 'none' || text === 'null') return null;
  return numberOrList('alpha', text);
}

/** "2" -> 2, "1,2,3" -> [1, 2, 3] (one per class). */
function numberOrList(flag: string, text: string | undefined): number | number[] | undefined {
  const values = list<number>(flag, text, false);
  return values === undefined || values.length > 1 ? values : values[0];
}

/** A comma-separated list of numbers (or "none" where `none` is allowed), for a sweep. */
function list<T extends number | null>(flag: string, text: string | undefined, none: boolean): T[] | undefined {
  if (text === undefined) return undefined;
  return text.split(',').map((p) => (none && p.trim() === 'none' ? null : (number(flag, p) as number))) as T[];
}

/**
 * parseArgs reads "--ignore-index -100" as two flags; a value that is a negative number is
 * joined to its flag ("--ignore-index=-100") first.
 */
function joinNegativeValues(argv: string[], valued: Set<string>): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const next = argv[i + 1];
    if (valued.has(argv[i]) && next !== undefined && /^-(\d|\.\d|Infinity)/.test(next)) {
      out.push(`${argv[i]}=${next}`);
      i++;
    } else {
      out.push(argv[i]);
    }
  }
  return out;
}

export function parseEvalOptions(argv: string[], env: Record<string, string | undefined>): EvalOptions {
  let parsed;
  try {
    parsed = parseArgs({
      args: joinNegativeValues(argv, VALUED_FLAGS),
      strict: true,
      allowPositionals: false,
      options: OPTIONS,
    });
  } catch (err) {
    throw new CliError((err as Error).message.split('\n')[0], USAGE);
  }
  const v = parsed.values;
  if (v.logits === undefined) throw new CliError('--logits FILE is required', USAGE);
  if (v.targets === undefined) throw new CliError('--targets FILE is required', USAGE);
  if (v['gradient-out'] !== undefined && !v['gradient-out'].toLowerCase().endsWith('.npy')) {
    throw new CliError('--gradient-out must name a .npy file', USAGE);
  }
  if (v.baseline !== undefined && v.html === undefined) {
    throw new CliError(
      '--baseline is compared in the --html report; give --html FILE too (or compare two --json outputs with focal-loss compare)',
      USAGE,
    );
  }
  if (v.url !== undefined && !/^https?:\/\/[^/]/i.test(v.url)) throw new CliError(`--url must be an http(s) URL, got "${v.url}"`, USAGE);
  return {
    logits: v.logits,
    targets: v.targets,
    mode: choice('mode', v.mode, MODES),
    gamma: numberOrList('gamma', v.gamma),
    alpha: parseAlpha(v.alpha),
    variant: v.variant === undefined ? undefined : choice('variant', v.variant, VARIANTS),
    gammaPos: numberOrList('gamma-pos', v['gamma-pos']),
    gammaNeg: numberOrList('gamma-neg', v['gamma-neg']),
    clip: number('clip', v.clip),
    epsilon: number('epsilon', v.epsilon),
    classBalanceBeta: number('class-balance-beta', v['class-balance-beta']),
    sweepGamma: list<number>('sweep-gamma', v['sweep-gamma'], false),
    sweepAlpha: list<number | null>('sweep-alpha', v['sweep-alpha'], true),
    reduction: choice('reduction', v.reduction, REDUCTIONS, 'mean'),
    normalizer: number('normalizer', v.normalizer),
    ignoreIndex: number('ignore-index', v['ignore-index'], Number.isSafeInteger, 'an integer'),
    labelSmoothing: number('label-smoothing', v['label-smoothing']),
    weights: v.weights,
    classNames: v['class-names'],
    url: v.url,
    apiKey: v['api-key'] ?? env.FOCAL_LOSS_API_KEY,
    chunkRows: number('chunk-rows', v['chunk-rows'], positiveInteger, 'a positive integer'),
    concurrency: number('concurrency', v.concurrency, positiveInteger, 'a positive integer'),
    wire: choice('wire', v.wire, ['binary', 'json'] as const, 'binary'),
    timeoutMs: number('timeout-ms', v['timeout-ms'], positiveInteger, 'a positive integer') ?? 120_000,
    json: v.json,
    gradientOut: v['gradient-out'],
    html: v.html,
    baseline: v.baseline,
    maxLoss: number('max-loss', v['max-loss']),
    progress: !v['no-progress'],
  };
}
