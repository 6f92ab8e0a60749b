/**
 * How large an answer will be, known before anything is computed, so a request whose outputs
 * would not fit in RESPONSE_LIMIT is refused up front (422 answer-too-large) instead of being
 * computed and then failing to be built (a 49 KB gzip body could ask for a 700 MB JSON answer).
 * The estimate is an upper bound for JSON numbers (the longest float64 text is 24 characters,
 * plus a separator) and exact for base64 and binary tensor data.
 */
import { ProblemError } from '../errors/problem-error.js';

/** Longest JSON text of a float64 ("-2.2250738585072014e-308") plus its separator. */
export const JSON_NUMBER_BYTES = 25;
/**
 * Per class: its statistics object (counts, sums, ratios, class weights, the p_t histogram; about 700
 * bytes), generously, which also covers the fixed part (averages, the 15 calibration bins: about 2 KB)
 * for every C.
 */
export const STATS_BYTES_PER_CLASS = 1200;

export interface AnswerPart {
  /** What the client asked for, for the message ("gradient as JSON"). */
  name: string;
  elements: number;
  bytesPerElement: number;
}

/** Refuses (422) an answer whose parts add up to more than `limit` bytes. */
export function checkAnswerSize(parts: AnswerPart[], limit: number | undefined, pointer: string, advice: string): void {
  if (limit === undefined) return;
  let total = 0;
  for (const part of parts) total += Math.ceil(part.elements * part.bytesPerElement);
  if (total <= limit) return;
  const biggest = [...parts].sort((a, b) => b.elements * b.bytesPerElement - a.elements * a.bytesPerElement)[0];
  const detail =
    `the answer would be about ${total} bytes (${parts.map((p) => p.name).join(', ')}), more than RESPONSE_LIMIT ` +
    `(${limit} bytes); ${advice}`;
  throw new ProblemError('answer-too-large', detail, {
    errors: [{ pointer, detail: `would make an answer of about ${total} bytes, mostly ${biggest.name}` }],
  });
}
