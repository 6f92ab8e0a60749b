/**
 * Strict base64 (RFC 4648 section 4: standard alphabet, padded, no whitespace) straight into
 * an ArrayBuffer of known size, and typed arrays back to base64.
 *
 * Node's decoder is lenient: it skips characters outside the alphabet, accepts the URL-safe
 * alphabet, stops at the first '=' and ignores the unused bits of the last character. A
 * tensor's byte count is known from its dtype and shape, so strictness costs almost nothing:
 * the text must have exactly the canonical length and padding, contain no '-' or '_', decode
 * to exactly that many bytes (a skipped character or an early '=' makes it shorter), and leave
 * the unused bits zero.
 */

/** Base64 text length for n bytes: 4 characters per 3 bytes, the last group padded. */
export function base64Length(bytes: number): number {
  return 4 * Math.ceil(bytes / 3);
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/**
 * Decodes `text` into a new ArrayBuffer of exactly `bytes` bytes (owned, offset 0, so any
 * typed array over it is aligned and the buffer can be transferred). Returns the reason as a
 * string when the text is not the strict base64 of that many bytes.
 */
export function decodeBase64(text: string, bytes: number): ArrayBuffer | string {
  const expected = base64Length(bytes);
  if (text.length !== expected) {
    return `has ${text.length} base64 characters; ${bytes} bytes are ${expected} characters (padded with '=')`;
  }
  const padding = (3 - (bytes % 3)) % 3;
  for (let k = 1; k <= 2; k++) {
    const isPad = text.charCodeAt(text.length - k) === 61; // '='
    if (isPad !== k <= padding) return "is not padded correctly (base64 of n bytes ends with (3 - n mod 3) mod 3 '=')";
  }
  if (text.indexOf('-') >= 0 || text.indexOf('_') >= 0) {
    return "uses the URL-safe alphabet ('-', '_'); use standard base64 ('+', '/')";
  }
  if (padding > 0) {
    // The last data character carries 2 (one '=') or 4 (two '=') unused bits, which must be 0.
    const last = ALPHABET.indexOf(text[text.length - padding - 1]);
    if (last >= 0 && (last & (padding === 1 ? 0b11 : 0b1111)) !== 0) return 'is not canonical base64 (unused bits of the last character are set)';
  }
  const buffer = new ArrayBuffer(bytes);
  const written = bytes === 0 ? 0 : Buffer.from(buffer).write(text, 'base64');
  if (written !== bytes) return "contains characters outside the base64 alphabet (A-Z, a-z, 0-9, '+', '/', padding '=')";
  return buffer;
}

/** The base64 of a typed array's bytes (little-endian, as the platform stores them). */
export function encodeBase64(view: ArrayBufferView): string {
  return Buffer.from(view.buffer, view.byteOffset, view.byteLength).toString('base64');
}

/** Tensors are little-endian on the wire; typed arrays use the platform's byte order. */
export const LITTLE_ENDIAN_PLATFORM = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
