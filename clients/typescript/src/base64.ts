/**
 * Standard base64 (RFC 4648, padded) of bytes and back, without Buffer or btoa/atob: the client
 * runs in browsers and in Node.js alike, and btoa needs a "binary string" as long as the tensor.
 * Large arrays are encoded a piece at a time, so no intermediate string longer than a piece is built.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const CODES = new Uint8Array(128).fill(255);
for (let i = 0; i < ALPHABET.length; i++) CODES[ALPHABET.charCodeAt(i)] = i;
const ENCODE = Uint8Array.from(ALPHABET, (ch) => ch.charCodeAt(0));
/** Bytes per piece (a multiple of 3, so only the last piece is padded). */
const PIECE_BYTES = 3 * 64 * 1024;
const decoder = new TextDecoder('latin1');

export function bytesToBase64(bytes: Uint8Array): string {
  const pieces: string[] = [];
  const out = new Uint8Array(Math.ceil(Math.min(bytes.length, PIECE_BYTES) / 3) * 4);
  for (let start = 0; start < bytes.length; start += PIECE_BYTES) {
    const end = Math.min(bytes.length, start + PIECE_BYTES);
    let o = 0;
    let i = start;
    for (; i + 2 < end; i += 3) {
      const v = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
      out[o++] = ENCODE[v >> 18];
      out[o++] = ENCODE[(v >> 12) & 63];
      out[o++] = ENCODE[(v >> 6) & 63];
      out[o++] = ENCODE[v & 63];
    }
    const rest = end - i;
    if (rest > 0) {
      const v = (bytes[i] << 16) | (rest === 2 ? bytes[i + 1] << 8 : 0);
      out[o++] = ENCODE[v >> 18];
      out[o++] = ENCODE[(v >> 12) & 63];
      out[o++] = rest === 2 ? ENCODE[(v >> 6) & 63] : 0x3d;
      out[o++] = 0x3d;
    }
    pieces.push(decoder.decode(out.subarray(0, o)));
  }
  return pieces.join('');
}

/** Strict: the canonical length and padding, the standard alphabet only. */
export function base64ToBytes(text: string): Uint8Array {
  if (text.length % 4 !== 0) throw new SyntaxError(`base64 of ${text.length} characters: not a multiple of 4`);
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - padding);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    const last = i + 4 === text.length;
    const a = code(text, i);
    const b = code(text, i + 1);
    const c = last && padding === 2 ? 0 : code(text, i + 2);
    const d = last && padding >= 1 ? 0 : code(text, i + 3);
    const v = (a << 18) | (b << 12) | (c << 6) | d;
    out[o++] = v >> 16;
    if (o < out.length) out[o++] = (v >> 8) & 255;
    if (o < out.length) out[o++] = v & 255;
  }
  return out;
}

function code(text: string, at: number): number {
  const ch = text.charCodeAt(at);
  const v = ch < 128 ? CODES[ch] : 255;
  if (v === 255) throw new SyntaxError(`not base64: ${JSON.stringify(text[at])} at ${at}`);
  return v;
}
