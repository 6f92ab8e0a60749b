/**
 * Reads a request body from its stream with Fastify's own rules (its bodyLimit errors, its
 * Content-Length check), but puts a body bound for a worker straight into reusable shared memory
 * (body/shared-buffers.ts) instead of concatenating chunks into a fresh buffer. Whether a body
 * goes to a worker is decided by `offload(length)`, from Content-Length when it is given, else
 * once the whole body has arrived. Reading stops the moment `signal` aborts (the request's deadline,
 * or its client gone: plugins/request-lifetime.ts), with the signal's reason.
 */
import type { Readable } from 'node:stream';
import { errorCodes } from 'fastify';
import type { SharedBuffers } from '../memory/shared-buffers.js';

export type ReadBody = { kind: 'buffer'; bytes: Buffer } | { kind: 'shared'; bytes: Uint8Array; buffer: SharedArrayBuffer };

export interface ReadBodyOptions {
  limit: number;
  contentLength: string | undefined;
  /** True when a body of this many bytes goes to a worker. */
  offload: (length: number) => boolean;
  buffers: SharedBuffers;
  signal?: AbortSignal;
}

export function readBody(payload: Readable & { receivedEncodedLength?: number }, options: ReadBodyOptions): Promise<ReadBody> {
  const { limit, buffers, signal } = options;
  const declared = options.contentLength === undefined ? NaN : Number(options.contentLength);
  return new Promise((resolve, reject) => {
    if (declared > limit) {
      reject(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE());
      return;
    }
    if (signal?.aborted === true) {
      reject(signal.reason);
      return;
    }
    // Known length bound for a worker: straight into shared memory as it arrives.
    let shared: SharedArrayBuffer | null =
      Number.isInteger(declared) && declared > 0 && options.offload(declared) ? buffers.acquire(declared) : null;
    const target = shared === null ? null : new Uint8Array(shared);
    const chunks: Buffer[] = [];
    let received = 0;

    const cleanup = () => {
      payload.removeListener('data', onData);
      payload.removeListener('end', onEnd);
      payload.removeListener('error', onEnd);
      signal?.removeEventListener('abort', onAbort);
    };
    const fail = (err: unknown) => {
      cleanup();
      if (shared !== null) buffers.release(shared);
      reject(err);
    };
    function onAbort() {
      fail(signal!.reason);
    }
    function onData(chunk: Buffer | string) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      // A body longer than its Content-Length is refused at the end; it must not write past the buffer.
      if (received + bytes.length > limit || (payload.receivedEncodedLength ?? 0) > limit) {
        fail(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE());
        return;
      }
      if (target !== null && received + bytes.length <= target.length) target.set(bytes, received);
      else chunks.push(bytes);
      received += bytes.length;
    }
    function onEnd(err?: Error & { statusCode?: number }) {
      if (err != null) {
        if (!(typeof err.statusCode === 'number' && err.statusCode >= 400)) err.statusCode = 400;
        fail(err);
        return;
      }
      cleanup();
      if (!Number.isNaN(declared) && (payload.receivedEncodedLength || received) !== declared) {
        if (shared !== null) buffers.release(shared);
        reject(new errorCodes.FST_ERR_CTP_INVALID_CONTENT_LENGTH());
        return;
      }
      if (shared === null && received > 0 && options.offload(received)) {
        // No Content-Length (chunked): the size is known only now.
        shared = buffers.acquire(received);
        const into = new Uint8Array(shared);
        let at = 0;
        for (const c of chunks) {
          into.set(c, at);
          at += c.length;
        }
      }
      if (shared !== null) resolve({ kind: 'shared', bytes: new Uint8Array(shared, 0, received), buffer: shared });
      else resolve({ kind: 'buffer', bytes: Buffer.concat(chunks, received) });
    }
    payload.on('data', onData);
    payload.on('end', onEnd);
    payload.on('error', onEnd);
    signal?.addEventListener('abort', onAbort, { once: true });
    payload.resume();
  });
}
