/**
 * The `focal-loss` command: `serve` starts the service (configured from the environment, as
 * `npm start`), `eval` evaluates files (cli/evaluate.ts), `--version` prints the package's
 * version (which install is on PATH). Returns the exit code; every failure
 * is one line on stderr. bin.ts is the thin process entry around this.
 */
import { writeFile } from 'node:fs/promises';
import { CliError, oneLine, THRESHOLD_EXCEEDED, USAGE } from './cli-error.js';
import { compareEvaluations, readEvaluation } from './compare.js';
import { COMPARE_USAGE, parseCompareOptions } from './compare-options.js';
import { formatComparison } from './format-compare.js';
import { EVAL_USAGE, parseEvalOptions } from './eval-options.js';
import { evaluate } from './evaluate.js';
import { formatTable } from './format-table.js';
import { ProgressBar, type ProgressStream } from './progress.js';
import type { FocalPool } from '../pool/focal-pool.js';
import { renderReport } from '../report/html-report.js';
import { PACKAGE } from '../package-root.js';

export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: ProgressStream;
  env: Record<string, string | undefined>;
  /** Local evaluations run on this worker pool instead of starting one each (embedding, tests). */
  pool?: FocalPool;
}

export const USAGE_TEXT = `usage: focal-loss <command>

  focal-loss serve              start the service (PORT, HOST, ... from the environment, as npm start)
  focal-loss eval [options]     evaluate logits and targets from files, locally or on a service
  focal-loss compare BASE NEW   compare two evaluations (eval --json) and gate on thresholds
  focal-loss help [command]     this help, or a command's options
  focal-loss --version          the installed version

${EVAL_USAGE}

${COMPARE_USAGE}
`;

/** Runs the command; resolves to the exit code, or null when the process must keep running (serve). */
export async function main(argv: string[], io: CliIo): Promise<number | null> {
  const [command, ...rest] = argv;
  try {
    if (command === 'serve') {
      if (rest.length > 0)
        throw new CliError(`serve takes no arguments (configure it with environment variables); got "${rest[0]}"`, USAGE);
      // Loaded only for serve: eval does not need Fastify and the server's plugins.
      const { serve } = await import('../serve.js');
      await serve();
      return null;
    }
    if (command === 'eval') return await runEval(rest, io);
    if (command === 'compare') return await runCompare(rest, io);
    if (command === '--version' || command === '-v' || command === 'version') {
      io.stdout.write(`focal-loss ${PACKAGE.version} (${PACKAGE.name})\n`);
      return 0;
    }
    if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
      io.stdout.write(rest[0] === 'eval' ? `${EVAL_USAGE}\n` : rest[0] === 'compare' ? `${COMPARE_USAGE}\n` : USAGE_TEXT);
      return 0;
    }
    throw new CliError(`unknown command "${command}" (use serve, eval or compare; focal-loss help)`, USAGE);
  } catch (err) {
    io.stderr.write(`focal-loss: ${oneLine(err)}\n`);
    return err instanceof CliError ? err.exitCode : 1;
  }
}

async function runEval(argv: string[], io: CliIo): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout.write(`${EVAL_USAGE}\n`);
    return 0;
  }
  const options = parseEvalOptions(argv, io.env);
  // Read first, so that a bad baseline fails before the evaluation runs.
  const base = options.baseline;
  const baseline = base === undefined ? undefined : { file: base, evaluation: await readEvaluation(base) };
  const bar = new ProgressBar(io.stderr, options.progress);
  let result;
  try {
    result = await evaluate(options, { onProgress: (done, total) => bar.update(done, total), pool: io.pool });
  } finally {
    bar.finish();
  }
  if (options.html !== undefined) {
    // No thresholds: the report shows every change; gating a CI job is focal-loss compare's.
    const comparison =
      baseline === undefined
        ? undefined
        : {
            file: baseline.file,
            comparison: compareEvaluations(baseline.evaluation, result.response, {
              base: baseline.file,
              next: 'this evaluation',
              perClass: false,
              json: false,
            }),
          };
    await writeFile(
      options.html,
      renderReport(result, {
        logits: options.logits,
        targets: options.targets,
        baseline: comparison,
        classBalanceBeta: options.classBalanceBeta,
      }),
    );
  }
  io.stdout.write(options.json ? `${JSON.stringify(result.response, null, 2)}\n` : formatTable(result));
  if (options.maxLoss !== undefined && result.response.loss > options.maxLoss) {
    io.stderr.write(`focal-loss: loss ${result.response.loss} is above --max-loss ${options.maxLoss}\n`);
    return THRESHOLD_EXCEEDED;
  }
  return 0;
}

async function runCompare(argv: string[], io: CliIo): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout.write(`${COMPARE_USAGE}\n`);
    return 0;
  }
  const options = parseCompareOptions(argv);
  const [base, next] = await Promise.all([readEvaluation(options.base), readEvaluation(options.next)]);
  const comparison = compareEvaluations(base, next, options);
  const exitCode = comparison.passed ? 0 : THRESHOLD_EXCEEDED;
  io.stdout.write(options.json ? `${JSON.stringify(comparison, null, 2)}\n` : formatComparison(comparison, options, exitCode));
  return exitCode;
}
