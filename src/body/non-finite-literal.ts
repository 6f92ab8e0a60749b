/**
 * Finds a NaN or Infinity written as a bare number in JSON text (as Python's json.dumps and
 * numpy's tolist() produce them): JSON has no such values, and the parser's own message ("Unexpected
 * token 'N'") does not say that the value is the problem. Used only once parsing has failed.
 */

export interface NonFiniteLiteral {
  literal: string;
  /** Character offset in the text. */
  position: number;
}

const LITERAL = /-?(?:NaN|Infinity)\b/y;

/** The first NaN / Infinity / -Infinity outside a string, or null. */
export function findNonFiniteLiteral(text: string): NonFiniteLiteral | null {
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 0x5c)
        i++; // backslash: skip the escaped character
      else if (ch === 0x22) inString = false;
    } else if (ch === 0x22) {
      inString = true;
    } else if (ch === 0x2d || ch === 0x4e || ch === 0x49) {
      LITERAL.lastIndex = i;
      const match = LITERAL.exec(text);
      if (match !== null) return { literal: match[0], position: i };
    }
  }
  return null;
}
