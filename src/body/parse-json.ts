/**
 * JSON bodies, parsed strictly on whichever thread handles them: the body must be valid UTF-8
 * (the usual parsers silently turn bad bytes into U+FFFD), must not nest deeper than
 * MAX_JSON_DEPTH (checked before parsing), and keys that could poison prototypes (__proto__,
 * constructor.prototype) are rejected. Every failure is a 400 malformed-body problem. Long
 * base64 strings are taken from the bytes rather than parsed (body/lift-strings.ts).
 */
import { isUtf8 } from 'node:buffer';
import sjson from 'secure-json-parse';
import { ProblemError } from '../errors/problem-error.js';
import { jsonDepthExceeds } from './json-depth.js';
import { LIFT_MIN_CHARS, liftDataStrings, restoreLifted } from './lift-strings.js';
import { findNonFiniteLiteral } from './non-finite-literal.js';

function strictParse(text: string): unknown {
  return sjson.parse(text, null, { protoAction: 'error', constructorAction: 'error' });
}

/** Parses a JSON body with every check above; failures are 400 malformed-body problems. */
export function parseJsonBody(body: Buffer, maxDepth: number): unknown {
  if (body.length === 0) throw new ProblemError('malformed-body', 'the body is empty; send a JSON object');
  if (!isUtf8(body)) throw new ProblemError('malformed-body', 'the body is not valid UTF-8');
  if (jsonDepthExceeds(body, maxDepth)) {
    throw new ProblemError('malformed-body', `the JSON nests deeper than ${maxDepth} levels (MAX_JSON_DEPTH)`);
  }
  const lifted = body.length > LIFT_MIN_CHARS ? liftDataStrings(body) : null;
  if (lifted !== null) {
    try {
      const value = strictParse(lifted.text);
      restoreLifted(value, lifted.strings);
      return value;
    } catch {
      // Parsed again whole below, so the error names the body's own text and positions.
    }
  }
  const text = body.toString('utf8');
  try {
    return strictParse(text);
  } catch (err) {
    const nonFinite = findNonFiniteLiteral(text);
    if (nonFinite !== null) {
      throw new ProblemError(
        'malformed-body',
        `the body has the value ${nonFinite.literal} at character ${nonFinite.position}: JSON has no NaN or Infinity, ` +
          'and every value must be a finite number (check the data for overflow or missing values)',
      );
    }
    throw new ProblemError('malformed-body', `the body is not valid JSON: ${(err as Error).message}`);
  }
}
