/**
 * An inference request's bytes (content codings already undone) -> its JSON header, parsed by
 * the same strict parser as every JSON body, and the binary tensor data after it (the binary
 * extension's framing). Runs on whichever thread handles the body.
 */
import { isUtf8 } from 'node:buffer';
import { parseJsonBody } from '../body/parse-json.js';
import { ProblemError } from '../errors/problem-error.js';
import { splitInferenceBody } from './binary-framing.js';

export interface ParsedInferenceBody {
  json: unknown;
  /** Binary tensor data after the JSON header, or null for a JSON-only request. */
  binary: Buffer | null;
}

/**
 * Whether bytes that failed to parse look like a JSON header followed by binary tensor data: not
 * UTF-8, or with control characters JSON never has. Only then is the missing header length the
 * likely cause; a NaN or a typo in a JSON body gets the parser's own message alone.
 */
function looksBinary(body: Buffer): boolean {
  // eslint-disable-next-line no-control-regex -- matching the control characters JSON never has is the point
  return !isUtf8(body) || /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/.test(body.toString('latin1'));
}

export function parseInferenceBody(body: Buffer, headerLength: string | string[] | undefined, maxDepth: number): ParsedInferenceBody {
  const framed = splitInferenceBody(body, headerLength);
  try {
    return { json: parseJsonBody(framed.json, maxDepth), binary: framed.binary };
  } catch (err) {
    if (framed.binary === null && err instanceof ProblemError && looksBinary(framed.json)) {
      throw new ProblemError(
        err.code,
        `${err.message} (a body with binary tensor data needs the Inference-Header-Content-Length header giving its JSON header's length)`,
      );
    }
    throw err;
  }
}
