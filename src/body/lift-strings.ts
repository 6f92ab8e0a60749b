/**
 * Long base64 strings in a JSON body, parsed without being parsed. An encoded tensor's `data`
 * is tens of megabytes of plain ASCII; decoding the whole body as UTF-8 and running JSON.parse
 * over it cost ~360 ms for a 53 MB body here, while taking the string's bytes as latin1 costs
 * ~10 ms. So each long `"data": "..."` string is cut out of the text (a short placeholder takes
 * its place), the rest is parsed as usual, and the placeholders are swapped back for the
 * strings. The result is exactly what JSON.parse of the whole body gives, because a string is
 * cut out only when its bytes are printable ASCII with no backslash (JSON reads such a literal
 * as the very same characters); anything else is left in the text.
 */
import { randomUUID } from 'node:crypto';

/** Strings shorter than this are left in the text: cutting them out would not pay. */
export const LIFT_MIN_CHARS = 65536;

const DATA_KEY = Buffer.from('"data"');
const QUOTE = 0x22;
const COLON = 0x3a;
const BACKSLASH = 0x5c;
/** Anything a JSON string must escape (controls) or that UTF-8 and latin1 read differently (>= 0x80). */
const NOT_PLAIN = /[^\x20-\x7f]/;

export interface LiftedJson {
  /** The body's text with placeholders. */
  text: string;
  /** Placeholder -> the string it stands for. */
  strings: Map<string, string>;
}

function skipSpace(body: Buffer, i: number): number {
  while (i < body.length && (body[i] === 0x20 || body[i] === 0x09 || body[i] === 0x0a || body[i] === 0x0d)) i++;
  return i;
}

/** The text with every long plain `"data"` string replaced by a placeholder, or null when there is none. */
export function liftDataStrings(body: Buffer): LiftedJson | null {
  const strings = new Map<string, string>();
  const pieces: string[] = [];
  const nonce = randomUUID();
  let copied = 0;
  let from = 0;
  for (;;) {
    const key = body.indexOf(DATA_KEY, from);
    if (key < 0) break;
    from = key + DATA_KEY.length;
    const colon = skipSpace(body, from);
    if (body[colon] !== COLON) continue;
    const open = skipSpace(body, colon + 1);
    if (body[open] !== QUOTE) continue;
    const close = body.indexOf(QUOTE, open + 1);
    if (close < 0) break;
    from = close + 1;
    if (close - open - 1 < LIFT_MIN_CHARS) continue;
    const backslash = body.indexOf(BACKSLASH, open + 1);
    if (backslash >= 0 && backslash < close) continue;
    const value = body.toString('latin1', open + 1, close);
    if (NOT_PLAIN.test(value)) continue;
    // JSON's \u0000 escape puts a NUL in the placeholder, which no string cut out can contain.
    const placeholder = `\u0000lifted ${nonce} ${strings.size}`;
    strings.set(placeholder, value);
    pieces.push(body.toString('utf8', copied, open + 1), `\\u0000lifted ${nonce} ${strings.size - 1}`);
    copied = close;
  }
  if (strings.size === 0) return null;
  pieces.push(body.toString('utf8', copied));
  return { text: pieces.join(''), strings };
}

/** Puts the lifted strings back where their placeholders are (any `data` member, at any depth). */
export function restoreLifted(value: unknown, strings: Map<string, string>): void {
  if (Array.isArray(value)) {
    // Arrays of numbers (a JSON tensor beside an encoded one) hold no placeholders.
    if (value.length === 0 || typeof value[0] === 'number') return;
    for (const item of value) restoreLifted(item, strings);
  } else if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    for (const [k, v] of Object.entries(record)) {
      if (k === 'data' && typeof v === 'string') {
        const original = strings.get(v);
        if (original !== undefined) record[k] = original;
      } else {
        restoreLifted(v, strings);
      }
    }
  }
}
