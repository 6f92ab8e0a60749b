/**
 * What a worker does with each kind of task, run here on the main thread (worker code is
 * invisible to coverage): body bytes to answer bytes, compressed or not, for both routes; bad
 * bodies to problem data; a large batch to a prepared request in shared memory; parts and
 * answers of a split batch; and what is transferred back.
 */
import t from 'tap';
import { gzipSync } from 'node:zlib';
import { focalLoss } from '../../src/kernels/focal.js';
import { runPoolTask } from '../../src/pool/pool-task.js';
import type { RequestOutcome, RequestTask } from '../../src/pipeline/request-task.js';
import type { FocalResult } from '../../src/kernels/types.js';
import type { PartResult } from '../../src/kernels/split-batch.js';
import { compareToExpected, loadCases } from '../helpers/reference-cases.js';

const limits = { maxElements: 1000, maxClasses: 100, maxJsonDepth: 16, bodyLimit: 1 << 20, responseLimit: 1 << 22 };
const good = loadCases('cases-regular.json').find((c) => c.request.mode === 'multiclass')!;

function lossTask(body: string | Buffer, over: Partial<RequestTask> = {}): RequestTask {
  return {
    kind: 'request',
    route: 'loss',
    bytes: new Uint8Array(Buffer.from(body)),
    contentEncoding: undefined,
    headerLength: undefined,
    params: null,
    limits,
    shareFromElements: 0,
    lent: [],
    ...over,
  };
}

function outcome(task: RequestTask): RequestOutcome {
  return runPoolTask(task, focalLoss).value as RequestOutcome;
}

/** The outcome as the kind a test expects; any other kind throws, which fails the test. */
function expectKind<K extends RequestOutcome['kind']>(value: RequestOutcome, kind: K): Extract<RequestOutcome, { kind: K }> {
  if (value.kind !== kind) throw new Error(`expected a ${kind} outcome, got ${JSON.stringify(value).slice(0, 300)}`);
  return value as Extract<RequestOutcome, { kind: K }>;
}

t.test('a /loss body, plain or gzip, becomes its answer bytes, transferred back', async (t) => {
  for (const [name, task] of [
    ['plain', lossTask(JSON.stringify(good.request))],
    ['gzip', lossTask(gzipSync(JSON.stringify(good.request)), { contentEncoding: 'gzip' })],
  ] as const) {
    const out = runPoolTask(task, focalLoss);
    const value = expectKind(out.value as RequestOutcome, 'answer');
    t.equal(value.answer.contentType, 'application/json; charset=utf-8');
    t.same(compareToExpected(JSON.parse(Buffer.from(value.answer.body).toString()), good.expected), [], `${name}: the reference answer`);
    t.equal(value.info.mode, 'multiclass', 'what was computed, for the log line');
    t.ok(out.transfer.length <= 1, 'the answer bytes travel back by transfer when they own their buffer');
  }
});

t.test('bad bodies become problem data: parse, schema and semantic errors, with nothing computed', async (t) => {
  const cases: [string, RequestTask, string][] = [
    ['not JSON', lossTask('{"mode":'), 'malformed-body'],
    ['schema', lossTask(JSON.stringify({ ...good.request, gamma: '2' })), 'invalid-request'],
    ['semantics', lossTask(JSON.stringify({ mode: 'binary', logits: [1, 2], targets: [1] })), 'invalid-request'],
    ['bad gzip', lossTask('not gzip', { contentEncoding: 'gzip' }), 'malformed-body'],
    [
      'too large',
      lossTask(JSON.stringify({ mode: 'binary', logits: new Array(1001).fill(0), targets: new Array(1001).fill(0) })),
      'too-many-elements',
    ],
  ];
  for (const [name, task, code] of cases) {
    t.match(outcome(task), { kind: 'problem', problem: { code }, info: null }, `${name}: ${code}, nothing was computed`);
  }
  const schema = outcome(cases[1][1]);
  t.match(schema, { kind: 'problem', problem: { errors: [{ pointer: '#/gamma' }] } }, 'schema errors name the field');
});

t.test('a result that overflows is a 422 problem, noted as computed', async (t) => {
  const value = outcome(
    lossTask(JSON.stringify({ mode: 'binary', logits: [-1.7e308, -1.7e308], targets: [1, 1], gamma: 0, reduction: 'sum', alpha: null })),
  );
  t.match(value, { kind: 'problem', problem: { code: 'result-not-finite' }, info: { mode: 'binary', n: 2, c: 1 } });
});

t.test('an /v2 body becomes the protocol answer; an unknown model is a problem', async (t) => {
  const body = JSON.stringify({
    inputs: [
      { name: 'logits', datatype: 'FP64', shape: [2], data: [0.5, -1] },
      { name: 'targets', datatype: 'FP64', shape: [2], data: [1, 0] },
    ],
    outputs: [{ name: 'loss' }, { name: 'gradient', parameters: { binary_data: true } }],
  });
  const task = lossTask(body, { route: 'infer', params: { model_name: 'focal_loss_binary' } });
  const value = expectKind(outcome(task), 'answer');
  t.equal(value.answer.contentType, 'application/octet-stream', 'binary output after a JSON header');
  const headerLength = Number(value.answer.headers['inference-header-content-length']);
  const header = JSON.parse(Buffer.from(value.answer.body).subarray(0, headerLength).toString());
  t.equal(header.model_name, 'focal_loss_binary');
  t.equal(value.answer.body.length, headerLength + 16, 'two float64 gradient values follow');
  const unknown = outcome(lossTask(body, { route: 'infer', params: { model_name: 'nope' } }));
  t.match(unknown, { kind: 'problem', problem: { code: 'invalid-request' } });
});

t.test('a large batch comes back prepared in shared memory; parts and the answer finish it', async (t) => {
  const request = {
    mode: 'multilabel',
    logits: [
      [1, -2],
      [0.5, 3],
      [-1, 0],
      [2, 2],
    ],
    targets: [
      [1, 0],
      [0, 1],
      [1, 1],
      [0, 0],
    ],
    reduction: 'none',
  };
  const value = expectKind(outcome(lossTask(JSON.stringify(request), { shareFromElements: 8 })), 'prepared');
  const { batch } = value.prepared.decoded;
  t.ok(batch.logits.buffer instanceof SharedArrayBuffer, 'inputs in shared memory');
  t.ok(batch.gradientOut!.buffer instanceof SharedArrayBuffer, 'outputs in shared memory');
  const { batchPart, mergeParts } = await import('../../src/kernels/split-batch.js');
  const parts = [batchPart(batch, 0, 1), batchPart(batch, 1, 4)].map(
    (p) => runPoolTask({ kind: 'part', batch: p }, focalLoss).value as PartResult,
  );
  t.notOk('gradient' in parts[0], 'a part sends back sums and counters only');
  const merged = mergeParts(batch, parts);
  const answer = expectKind(
    runPoolTask({ kind: 'answer', prepared: value.prepared, result: merged }, focalLoss).value as RequestOutcome,
    'answer',
  );
  const direct = expectKind(outcome(lossTask(JSON.stringify(request))), 'answer');
  t.same(
    JSON.parse(Buffer.from(answer.answer.body).toString()),
    JSON.parse(Buffer.from(direct.answer.body).toString()),
    'the split answer equals the unsplit one',
  );
  const smaller = outcome(lossTask(JSON.stringify(request), { shareFromElements: 9 }));
  t.equal(smaller.kind, 'answer', 'below shareFromElements the worker computes it itself');
});

t.test('kernel tasks return the kernel result with its arrays to transfer', async (t) => {
  const batch = {
    mode: 'binary' as const,
    n: 2,
    c: 1,
    logits: new Float64Array([1, -1]),
    targets: new Float64Array([1, 0]),
    weights: null,
    alpha: null,
    gamma: 2,
    labelSmoothing: 0,
    reduction: 'mean' as const,
    normalizer: null,
    wantGradient: true,
    wantLosses: false,
  };
  const out = runPoolTask({ kind: 'kernel', batch }, focalLoss);
  t.equal((out.value as FocalResult).count, 2);
  t.ok(out.transfer.length >= 1);
});
