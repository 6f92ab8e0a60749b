/**
 * Body parsing for the compute routes, shared by POST /loss (application/json) and /v2 infer
 * (any content type): the body is read (body/read-body.ts); a large or compressed one goes on as
 * bytes in shared memory (RawBody) for a worker to handle whole; a small one is decompressed and
 * parsed here by `parse`, exactly as the worker would.
 */
import type { FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import { decodeContentEncoding } from './content-encoding.js';
import { offloadBody, RawBody } from './raw-body.js';
import { readBody } from './read-body.js';
import type { SharedBuffers } from '../memory/shared-buffers.js';

export interface ComputeBodyOptions {
  /** BODY_LIMIT: the cap on the body as sent and once decompressed. */
  bodyLimit: number;
  /** OFFLOAD_MIN_BYTES: bodies at least this large go to a worker as bytes. */
  offloadMinBytes: number;
  buffers: SharedBuffers;
}

/** Reads a compute route's body: a RawBody for a worker, or whatever `parse` makes of a small one. */
export async function readComputeBody(
  request: FastifyRequest,
  payload: Readable,
  options: ComputeBodyOptions,
  extra: { headerLength?: string | string[] },
  parse: (body: Buffer) => unknown,
): Promise<unknown> {
  const encoding = request.headers['content-encoding'];
  const read = await readBody(payload, {
    limit: options.bodyLimit,
    contentLength: request.headers['content-length'],
    offload: (length) => offloadBody(length, encoding, options.offloadMinBytes),
    buffers: options.buffers,
    signal: request.workSignal,
  });
  if (read.kind === 'shared') {
    return new RawBody(read.bytes, encoding, extra.headerLength, () => options.buffers.release(read.buffer));
  }
  if (offloadBody(read.bytes.length, encoding, options.offloadMinBytes)) return new RawBody(read.bytes, encoding, extra.headerLength);
  return parse(await decodeContentEncoding(read.bytes, encoding, options.bodyLimit, request.workSignal));
}
