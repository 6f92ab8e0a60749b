/**
 * Request bodies sent with `Content-Encoding: gzip` or `deflate` (tritonclient's
 * `request_compression_algorithm`, curl --compressed uploads, proxies): decompressed before any
 * parsing. The decompressed size is capped at BODY_LIMIT, so a small compressed body cannot
 * expand into a large allocation (a "zip bomb" stops at the cap with a 413). Decompression runs
 * on libuv's thread pool (async zlib), or in the worker that handles the body, never on the event loop.
 */
import { constants as bufferConstants } from 'node:buffer';
import { promisify } from 'node:util';
import { gunzip, gunzipSync, inflate, inflateRaw, inflateRawSync, inflateSync, type ZlibOptions } from 'node:zlib';
import { ProblemError } from '../errors/problem-error.js';

type ZlibCall<R> = (body: Buffer, options: ZlibOptions & { maxOutputLength: number }) => R;
type AsyncDecoder = ZlibCall<Promise<Buffer>>;
type SyncDecoder = ZlibCall<Buffer>;

const gunzipAsync = promisify(gunzip) as AsyncDecoder;
const inflateAsync = promisify(inflate) as AsyncDecoder;
const inflateRawAsync = promisify(inflateRaw) as AsyncDecoder;

/** HTTP's "deflate" is the zlib format (RFC 9110), but some clients send raw deflate: both are read. */
const inflateEither: AsyncDecoder = async (body, options) => {
  try {
    return await inflateAsync(body, options);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'Z_DATA_ERROR') return inflateRawAsync(body, options);
    throw err;
  }
};
const inflateEitherSync: SyncDecoder = (body, options) => {
  try {
    return inflateSync(body, options);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'Z_DATA_ERROR') return inflateRawSync(body, options);
    throw err;
  }
};

const DECODERS: Record<string, AsyncDecoder> = { gzip: gunzipAsync, 'x-gzip': gunzipAsync, deflate: inflateEither };
const SYNC_DECODERS: Record<string, SyncDecoder> = { gzip: gunzipSync, 'x-gzip': gunzipSync, deflate: inflateEitherSync };

export const SUPPORTED_ENCODINGS = ['gzip', 'x-gzip', 'deflate', 'identity'];

/**
 * The body with its content codings undone (the last one listed was applied last), on libuv's
 * thread pool. Once `signal` aborts (deadline, client gone) no further coding is undone.
 */
export async function decodeContentEncoding(
  body: Buffer,
  header: string | undefined,
  maxBytes: number,
  signal?: AbortSignal,
): Promise<Buffer> {
  let decoded = body;
  for (const coding of codingsToUndo(header)) {
    signal?.throwIfAborted();
    const decoder = decoderFor(DECODERS, coding);
    try {
      decoded = await decoder(decoded, { maxOutputLength: outputCap(maxBytes) });
    } catch (err) {
      throw decodingProblem(err, coding, maxBytes);
    }
  }
  return decoded;
}

/** The same, synchronously: for a worker thread, whose own time it is. */
export function decodeContentEncodingSync(body: Buffer, header: string | undefined, maxBytes: number): Buffer {
  let decoded = body;
  for (const coding of codingsToUndo(header)) {
    const decoder = decoderFor(SYNC_DECODERS, coding);
    try {
      decoded = decoder(decoded, { maxOutputLength: outputCap(maxBytes) });
    } catch (err) {
      throw decodingProblem(err, coding, maxBytes);
    }
  }
  return decoded;
}

/** The codings of a Content-Encoding header in the order to undo them (identity dropped). */
function codingsToUndo(header: string | undefined): string[] {
  if (header === undefined) return [];
  return header
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '' && c !== 'identity')
    .reverse();
}

function decoderFor<D>(decoders: Record<string, D>, coding: string): D {
  const decoder = decoders[coding];
  if (decoder === undefined) {
    throw new ProblemError(
      'unsupported-media-type',
      `Content-Encoding "${coding.slice(0, 40)}" is not supported; send the body as ${SUPPORTED_ENCODINGS.join(', ')}`,
    );
  }
  return decoder;
}

/**
 * zlib cannot produce a Buffer past buffer.constants.MAX_LENGTH (4 GiB on 64-bit): a larger
 * BODY_LIMIT must not turn into an option error blamed on the client.
 */
function outputCap(maxBytes: number): number {
  return Math.min(maxBytes, bufferConstants.MAX_LENGTH);
}

function decodingProblem(err: unknown, coding: string, maxBytes: number): unknown {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  if (code === 'ERR_BUFFER_TOO_LARGE') {
    return new ProblemError('payload-too-large', `the ${coding}-decompressed body is larger than BODY_LIMIT (${maxBytes} bytes)`);
  }
  // zlib's own errors (Z_DATA_ERROR, Z_BUF_ERROR, ...) are the data's fault; anything else is ours.
  if (!code.startsWith('Z_')) return err;
  return new ProblemError(
    'malformed-body',
    `the body is not valid ${coding} data (Content-Encoding: ${coding}): ${(err as Error).message}`,
  );
}
