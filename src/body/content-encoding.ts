/**
 * Request bodies sent with `Content-Encoding: gzip` or `deflate` (tritonclient's
 * `request_compression_algorithm`, curl --compressed uploads, proxies): decompressed before any
 * parsing. The decompressed size is capped at BODY_LIMIT, so a small compressed body cannot
 * expand into a large allocation (a "zip bomb" stops at the cap with a 413). Decompression runs
 * on libuv's thread pool (async zlib), not on the event loop.
 */
import { constants as bufferConstants } from 'node:buffer';
import { promisify } from 'node:util';
import { gunzip, inflate, inflateRaw, type ZlibOptions } from 'node:zlib';
import { ProblemError } from '../errors/problem-error.js';

type Decoder = (body: Buffer, options: ZlibOptions & { maxOutputLength: number }) => Promise<Buffer>;

const gunzipAsync = promisify(gunzip) as Decoder;
const inflateAsync = promisify(inflate) as Decoder;
const inflateRawAsync = promisify(inflateRaw) as Decoder;

/** HTTP's "deflate" is the zlib format (RFC 9110), but some clients send raw deflate: both are read. */
const inflateEither: Decoder = async (body, options) => {
  try {
    return await inflateAsync(body, options);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'Z_DATA_ERROR') return inflateRawAsync(body, options);
    throw err;
  }
};

const DECODERS: Record<string, Decoder> = { gzip: gunzipAsync, 'x-gzip': gunzipAsync, deflate: inflateEither };

export const SUPPORTED_ENCODINGS = ['gzip', 'x-gzip', 'deflate', 'identity'];

/** The body with its content codings undone (the last one listed was applied last). */
export async function decodeContentEncoding(body: Buffer, header: string | undefined, maxBytes: number): Promise<Buffer> {
  if (header === undefined) return body;
  const codings = header
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '' && c !== 'identity');
  // zlib cannot produce a Buffer past buffer.constants.MAX_LENGTH (4 GiB on 64-bit): a larger
  // BODY_LIMIT must not turn into an option error blamed on the client.
  const maxOutputLength = Math.min(maxBytes, bufferConstants.MAX_LENGTH);
  let decoded = body;
  for (const coding of codings.reverse()) {
    const decoder = DECODERS[coding];
    if (decoder === undefined) {
      throw new ProblemError(
        'unsupported-media-type',
        `Content-Encoding "${coding.slice(0, 40)}" is not supported; send the body as ${SUPPORTED_ENCODINGS.join(', ')}`,
      );
    }
    try {
      decoded = await decoder(decoded, { maxOutputLength });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? '';
      if (code === 'ERR_BUFFER_TOO_LARGE') {
        throw new ProblemError('payload-too-large', `the ${coding}-decompressed body is larger than BODY_LIMIT (${maxBytes} bytes)`);
      }
      // zlib's own errors (Z_DATA_ERROR, Z_BUF_ERROR, ...) are the data's fault; anything else is ours.
      if (!code.startsWith('Z_')) throw err;
      throw new ProblemError('malformed-body', `the body is not valid ${coding} data (Content-Encoding: ${coding}): ${(err as Error).message}`);
    }
  }
  return decoded;
}
