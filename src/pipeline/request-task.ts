/**
 * A request handled entirely in a worker: its body bytes (transferred, still compressed if they
 * were) -> decompress -> parse (body/parse-json.ts) -> validate against the route's own schema
 * (schemas/validators.ts: same Ajv, same options, same error renderer as the main thread) ->
 * decode (pipeline/*-pipeline.ts) -> kernel -> the answer's bytes, transferred back. Large
 * batches stop after decoding and come back as a prepared request in shared memory, for the
 * pool to compute on every idle worker (pool/focal-pool.ts). Pure apart from zlib; tested on
 * the main thread.
 */
import { decodeContentEncodingSync } from '../body/content-encoding.js';
import { parseJsonBody } from '../body/parse-json.js';
import { validationProblem } from '../errors/ajv-errors.js';
import { ProblemError, type ProblemData } from '../errors/problem-error.js';
import type { KernelBatch, FocalResult } from '../kernels/types.js';
import { parseInferenceBody } from '../oip/parse-inference-body.js';
import { LossRequestSchema, type LossRequest } from '../schemas/loss-request.js';
import { InferenceRequestSchema, type InferenceRequest } from '../schemas/oip.js';
import { refTo } from '../schemas/shared.js';
import { compileBodyValidator, type Validator } from '../schemas/validators.js';
import type { DecodeLimits } from '../tensors/decode-loss-request.js';
import { shareBatch } from '../kernels/split-batch.js';
import { withBatchMemory } from '../memory/batch-memory.js';
import { batchInfo, type Answer, type BatchInfo, type PreparedRequest } from './answer.js';
import { answerInfer, prepareInfer } from './infer-pipeline.js';
import type { ModelPath } from '../oip/models.js';
import { answerLoss, prepareLoss } from './loss-pipeline.js';

export type Kernel = (batch: KernelBatch) => FocalResult;

export interface PipelineLimits extends DecodeLimits {
  maxJsonDepth: number;
  /** RESPONSE_LIMIT: the largest answer, estimated before computing (pipeline/answer-size.ts). */
  responseLimit: number;
  /** BODY_LIMIT: the cap on the decompressed body. */
  bodyLimit: number;
}

export interface RequestTask {
  kind: 'request';
  route: 'loss' | 'infer';
  bytes: Uint8Array;
  contentEncoding: string | undefined;
  /** /v2 only: the Inference-Header-Content-Length header as sent. */
  headerLength: string | string[] | undefined;
  /** /v2 only: the route's parameters. */
  params: ModelPath | null;
  limits: PipelineLimits;
  /**
   * Batches of at least this many elements come back prepared, in shared memory, instead of
   * being computed here (0: never; the pool sets it when other workers are idle).
   */
  shareFromElements: number;
  /** Shared memory to decode a batch that may be shared into (memory/batch-memory.ts). */
  lent: SharedArrayBuffer[];
}

export type RequestOutcome =
  | { kind: 'answer'; answer: Answer; info: BatchInfo }
  /** `created`: shared memory the task had to add to what it was lent, for the pool to reuse. */
  | { kind: 'prepared'; prepared: PreparedRequest; created: SharedArrayBuffer[] }
  /** `info` is set when the batch was computed (and its answer then refused, e.g. a 422 overflow). */
  | { kind: 'problem'; problem: ProblemData; info: BatchInfo | null };

/** An outcome that needs nothing more: an answer or a problem. */
export type SettledOutcome = Exclude<RequestOutcome, { kind: 'prepared' }>;

/** The route schemas, by the same references the routes use, compiled on first use in this thread. */
const validators: Partial<Record<RequestTask['route'], Validator>> = {};
function validatorFor(route: RequestTask['route']): Validator {
  return (validators[route] ??= compileBodyValidator(route === 'loss' ? refTo(LossRequestSchema) : refTo(InferenceRequestSchema)));
}

function validated<T>(route: RequestTask['route'], body: unknown): T {
  const validate = validatorFor(route);
  if (!validate(body)) throw validationProblem(validate.errors ?? []);
  return body as T;
}

/** Body bytes -> the prepared request, with every check the main thread would make, in its order. */
export function prepareFromBytes(task: RequestTask): PreparedRequest {
  const raw = Buffer.from(task.bytes.buffer, task.bytes.byteOffset, task.bytes.byteLength);
  const body = decodeContentEncodingSync(raw, task.contentEncoding, task.limits.bodyLimit);
  if (task.route === 'loss') {
    return prepareLoss(validated<LossRequest>('loss', parseJsonBody(body, task.limits.maxJsonDepth)), task.limits);
  }
  const parsed = parseInferenceBody(body, task.headerLength, task.limits.maxJsonDepth);
  const request = validated<InferenceRequest>('infer', parsed.json);
  return prepareInfer(task.params as ModelPath, request, parsed.binary, task.limits);
}

/** The answer to a prepared request, given the kernel's result. */
export function answerPrepared(prepared: PreparedRequest, result: FocalResult): Answer {
  return prepared.route === 'loss' ? answerLoss(prepared, result) : answerInfer(prepared, result);
}

/**
 * Runs a request task. Client errors come back as problem data (ProblemError does not survive
 * structured cloning); anything else is a bug and is thrown.
 */
export function runRequestTask(task: RequestTask, kernel: Kernel): RequestOutcome {
  if (task.shareFromElements === 0) return prepareAndRun(task, kernel);
  const { value, created } = withBatchMemory(task.lent, () => prepareAndRun(task, kernel));
  return value.kind === 'prepared' ? { ...value, created } : value;
}

function prepareAndRun(task: RequestTask, kernel: Kernel): RequestOutcome {
  let prepared: PreparedRequest;
  try {
    prepared = prepareFromBytes(task);
  } catch (err) {
    return problemOutcome(err, null);
  }
  const { batch } = prepared.decoded;
  if (task.shareFromElements > 0 && batch.n > 1 && batch.n * batch.c >= task.shareFromElements) {
    const shared = { ...prepared, decoded: { ...prepared.decoded, batch: shareBatch(batch) } };
    return { kind: 'prepared', prepared: shared, created: [] };
  }
  return finishRequest(prepared, null, kernel);
}

/** A prepared request's answer: its result given (merged from parts) or computed here. */
export function finishRequest(prepared: PreparedRequest, result: FocalResult | null, kernel: Kernel): SettledOutcome {
  return answerOutcome(prepared, result ?? kernel(prepared.decoded.batch));
}

/** The answer to a computed request, or the problem it turned out to be (a 422 overflow). */
export function answerOutcome(prepared: PreparedRequest, result: FocalResult): SettledOutcome {
  try {
    return { kind: 'answer', answer: answerPrepared(prepared, result), info: batchInfo(prepared) };
  } catch (err) {
    return problemOutcome(err, batchInfo(prepared));
  }
}

function problemOutcome(err: unknown, info: BatchInfo | null): SettledOutcome {
  if (err instanceof ProblemError) return { kind: 'problem', problem: err.toData(), info };
  throw err;
}
