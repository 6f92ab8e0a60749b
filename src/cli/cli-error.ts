/**
 * An error the CLI reports as one line on stderr with a non-zero exit code: bad usage (2),
 * or anything that stops an evaluation (1): a missing file, a shape mismatch, a service error.
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Exit code for a usage error (unknown flag, missing or malformed value). */
export const USAGE = 2;
/** Exit code when the evaluation worked but a gate failed: eval --max-loss, or a compare threshold (CI). */
export const THRESHOLD_EXCEEDED = 3;

/** Any error -> one line: its message with newlines folded. */
export function oneLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(/\s*\n\s*/g, ' ').trim() || 'unknown error';
}
