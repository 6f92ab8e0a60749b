/**
 * Long base64 strings in a JSON body, parsed without being parsed. An encoded tensor's `data`
 * is tens of megabytes of plain ASCII; decoding the whole body as UTF-8 and running JSON.parse
 * over it cost ~360 ms for a 53 MB body here. So each long `"data": "..."` string is cut out of
 * the text (a short placeholder takes its place) and the rest is parsed as usual. The string
 * itself is never built: the placeholder stays as the member's value (so the schema still sees
 * a string there) and the string's bytes, still in the body, are attached to the object that
 * holds it (liftedText), where the base64 decoder reads them a piece at a time
 * (tensors/base64.ts). Reading the member through liftedText gives exactly what JSON.parse of
 * the whole body gives, because a string is cut out only when its bytes are printable ASCII
 * with no backslash (JSON reads such a literal as the very same characters); anything else is
 * left in the text.
 */
import { randomUUID } from 'node:crypto';
import { isPlainAscii } from './plain-ascii.js';

/** Strings shorter than this are left in the text: cutting them out would not pay. */
export const LIFT_MIN_CHARS = 65536;

const DATA_KEY = Buffer.from('"data"');
const QUOTE = 0x22;
const COLON = 0x3a;
const BACKSLASH = 0x5c;
/** Where an object keeps the bytes of its lifted `data` string. */
const LIFTED = Symbol('lifted data');

export interface LiftedJson {
  /** The body's text with placeholders. */
  text: string;
  /** Placeholder -> the bytes of the string it stands for (a view into the body). */
  strings: Map<string, Uint8Array>;
}

function skipSpace(body: Buffer, i: number): number {
  while (i < body.length && (body[i] === 0x20 || body[i] === 0x09 || body[i] === 0x0a || body[i] === 0x0d)) i++;
  return i;
}

/** The text with every long plain `"data"` string replaced by a placeholder, or null when there is none. */
export function liftDataStrings(body: Buffer): LiftedJson | null {
  const strings = new Map<string, Uint8Array>();
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
    // Anything a JSON string must escape (controls) or that UTF-8 and latin1 read differently (>= 0x80).
    if (!isPlainAscii(body, open + 1, close)) continue;
    // JSON's \u0000 escape puts a NUL in the placeholder, which no string cut out can contain.
    const placeholder = `\u0000lifted ${nonce} ${strings.size}`;
    strings.set(placeholder, body.subarray(open + 1, close));
    pieces.push(body.toString('utf8', copied, open + 1), `\\u0000lifted ${nonce} ${strings.size - 1}`);
    copied = close;
  }
  if (strings.size === 0) return null;
  pieces.push(body.toString('utf8', copied));
  return { text: pieces.join(''), strings };
}

/**
 * Attaches the lifted strings' bytes to the objects whose `data` member holds their placeholder
 * (at any depth), as a property that neither JSON.stringify nor the schema validator sees.
 */
export function restoreLifted(value: unknown, strings: Map<string, Uint8Array>): void {
  if (Array.isArray(value)) {
    // Arrays of numbers (a JSON tensor beside an encoded one) hold no placeholders.
    if (value.length === 0 || typeof value[0] === 'number') return;
    for (const item of value) restoreLifted(item, strings);
  } else if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    for (const [k, v] of Object.entries(record)) {
      if (k === 'data' && typeof v === 'string') {
        const original = strings.get(v);
        if (original !== undefined) Object.defineProperty(record, LIFTED, { value: original });
      } else {
        restoreLifted(v, strings);
      }
    }
  }
}

/**
 * An object's `data` string as the client sent it: its bytes when it was lifted out of the
 * body, else the string itself.
 */
export function liftedText(holder: { data: string }): string | Uint8Array {
  return (holder as { [LIFTED]?: Uint8Array })[LIFTED] ?? holder.data;
}
