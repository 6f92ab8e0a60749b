/**
 * How deep a JSON text nests, found by one scan of its bytes before JSON.parse sees it.
 * V8 parses a 2 MB body of nested brackets in seconds of main-thread time, so depth is
 * bounded first. Strings are skipped with Buffer.indexOf (native), so a base64 payload costs
 * almost nothing; brackets inside strings do not count.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

/** True when `json` nests deeper than `limit` arrays/objects. Malformed text is left to JSON.parse. */
export function jsonDepthExceeds(json: Buffer, limit: number): boolean {
  let depth = 0;
  const len = json.length;
  for (let i = 0; i < len; i++) {
    const b = json[i];
    if (b === QUOTE) {
      // Jump to the closing quote: the first one not preceded by an odd number of backslashes.
      let j = i + 1;
      for (;;) {
        j = json.indexOf(QUOTE, j);
        if (j < 0) return false;
        let k = j - 1;
        while (json[k] === BACKSLASH) k--;
        if ((j - 1 - k) % 2 === 0) break;
        j++;
      }
      i = j;
    } else if (b === OPEN_ARRAY || b === OPEN_OBJECT) {
      if (++depth > limit) return true;
    } else if (b === CLOSE_ARRAY || b === CLOSE_OBJECT) {
      depth--;
    }
  }
  return false;
}
