/**
 * What an evaluation produces (cli/evaluate.ts) and what its reports show (the --html page,
 * the table): the merged /loss-shaped answer plus how it was computed. Declared here, beside
 * its readers, so that report/ depends on nothing in cli/.
 */
import type { RawClassStats } from '../kernels/types.js';
import type { LossResponse } from '../schemas/loss-response.js';

/** The --json output: the /loss response's loss, losses (reduction none), stats, sweep (when asked for) and meta. */
export type EvalResponse = Required<Pick<LossResponse, 'loss' | 'stats' | 'meta'>> & Pick<LossResponse, 'losses' | 'sweep'>;

export interface EvalResult {
  response: EvalResponse;
  raw: RawClassStats;
  chunks: number;
  retries: number;
  elapsedMs: number;
  backend: string;
}
