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
 *
 * The text may be a string or the ASCII bytes of one (a long string taken straight from a
 * request body, body/lift-strings.ts). Bytes are decoded, and typed arrays encoded, a few
 * megabytes at a time, so no string as long as the tensor is ever built: a 53 MB request
 * would otherwise hold its text twice more (as a string, then as the decoded copy).
 */

import { sharedBytes, sharingBatchMemory } from '../memory/batch-memory.js';

/** Base64 text length for n bytes: 4 characters per 3 bytes, the last group padded. */
export function base64Length(bytes: number): number {
  return 4 * Math.ceil(bytes / 3);
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const EQUALS = 0x3d;
const DASH = 0x2d;
const UNDERSCORE = 0x5f;

/**
 * Characters per piece when decoding bytes or encoding a typed array (a multiple of 4). Small
 * enough that each piece's string is an ordinary young-generation object, whose memory V8 reuses
 * at once: with 4 MiB pieces every piece was a new large object on freshly mapped pages, and
 * encoding a 32 MB gradient took 10-150 ms instead of a steady 10 ms (decoding: the same).
 */
export const BASE64_CHUNK_CHARS = 64 * 1024;

/**
 * While a batch may be computed on several workers at once (kernels/split-batch.ts), decoded
 * tensors of at least this many bytes go straight into shared memory, where the other workers
 * read them in place instead of the pool copying them first.
 */
export const SHARED_FROM_BYTES = 1024 * 1024;

/** Base64 text as a string or as its ASCII bytes. */
export type Base64Text = string | Uint8Array;

const codeAt = (text: Base64Text, i: number) => (typeof text === 'string' ? text.charCodeAt(i) : text[i]);
const has = (text: Base64Text, code: number) =>
  typeof text === 'string' ? text.indexOf(String.fromCharCode(code)) >= 0 : text.indexOf(code) >= 0;

/**
 * Decodes `text` into new memory of exactly `bytes` bytes, at offset 0 (so any typed array over
 * it is aligned): an ArrayBuffer of its own, which can be transferred, or shared batch memory
 * (memory/batch-memory.ts). Returns the reason as a string when the text is not the strict
 * base64 of that many bytes. `chunkChars` (a multiple of 4) is the piece size for bytes; tests
 * make it small to cross piece boundaries.
 */
export function decodeBase64(text: Base64Text, bytes: number, chunkChars = BASE64_CHUNK_CHARS): Uint8Array | string {
  const expected = base64Length(bytes);
  if (text.length !== expected) {
    return `has ${text.length} base64 characters; ${bytes} bytes are ${expected} characters (padded with '=')`;
  }
  const padding = (3 - (bytes % 3)) % 3;
  for (let k = 1; k <= 2; k++) {
    const isPad = codeAt(text, text.length - k) === EQUALS;
    if (isPad !== k <= padding) return "is not padded correctly (base64 of n bytes ends with (3 - n mod 3) mod 3 '=')";
  }
  if (has(text, DASH) || has(text, UNDERSCORE)) {
    return "uses the URL-safe alphabet ('-', '_'); use standard base64 ('+', '/')";
  }
  if (padding > 0) {
    // The last data character carries 2 (one '=') or 4 (two '=') unused bits, which must be 0.
    const last = ALPHABET.indexOf(String.fromCharCode(codeAt(text, text.length - padding - 1)));
    if (last >= 0 && (last & (padding === 1 ? 0b11 : 0b1111)) !== 0)
      return 'is not canonical base64 (unused bits of the last character are set)';
  }
  const out = bytes >= SHARED_FROM_BYTES && sharingBatchMemory() ? sharedBytes(bytes) : new Uint8Array(bytes);
  if (bytes > 0 && !writeDecoded(text, Buffer.from(out.buffer, 0, bytes), padding, chunkChars)) {
    return "contains characters outside the base64 alphabet (A-Z, a-z, 0-9, '+', '/', padding '=')";
  }
  return out;
}

/**
 * Writes the decoded bytes; false when fewer came out than the text's length promises (Node
 * skips characters outside the alphabet and stops at an early '='). Bytes are decoded a piece
 * at a time; each piece but the last is whole groups of 4 characters, so it must give exactly
 * 3 bytes per group, and any skipped character shows up in its own piece.
 */
function writeDecoded(text: Base64Text, out: Buffer, padding: number, chunkChars: number): boolean {
  if (typeof text === 'string') return out.write(text, 'base64') === out.length;
  const ascii = Buffer.from(text.buffer, text.byteOffset, text.byteLength);
  let at = 0;
  for (let from = 0; from < ascii.length; from += chunkChars) {
    const to = Math.min(ascii.length, from + chunkChars);
    const want = ((to - from) / 4) * 3 - (to === ascii.length ? padding : 0);
    if (out.write(ascii.toString('latin1', from, to), at, 'base64') !== want) return false;
    at += want;
  }
  return true;
}

/** The base64 of a typed array's bytes (little-endian, as the platform stores them). */
export function encodeBase64(view: ArrayBufferView): string {
  return Buffer.from(view.buffer, view.byteOffset, view.byteLength).toString('base64');
}

/**
 * Writes the base64 of a typed array's bytes into `out` at `at`, a piece at a time; returns
 * the number of characters written (base64Length of the view's byte length).
 */
export function writeBase64(view: ArrayBufferView, out: Buffer, at: number, chunkChars = BASE64_CHUNK_CHARS): number {
  const bytes = Buffer.from(view.buffer, view.byteOffset, view.byteLength);
  const step = (chunkChars / 4) * 3;
  let written = 0;
  for (let from = 0; from < bytes.length; from += step) {
    written += out.write(bytes.toString('base64', from, Math.min(bytes.length, from + step)), at + written, 'latin1');
  }
  return written;
}
