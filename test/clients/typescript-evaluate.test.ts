/**
 * The TypeScript client's chunked evaluate (clients/typescript, focal-loss-client) against the real
 * service process: for binary, multilabel and multiclass and reduction none, mean and sum, a batch
 * sent in many chunks, several in flight, merges into what one POST /loss over the whole batch
 * answers (loss, gradient, losses, every statistic, calibration, confusion, sweep, meta) within
 * 1e-12 relative; a batch over the service's element limit, which one request gets a 413 for, is
 * halved until it fits; 503s are retried after Retry-After; a chunk's error rejects the evaluation
 * with the service's problem; a merged sum that overflows is refused as one request would be.
 */
import t, { type Test } from 'tap';
import { createServer } from 'node:http';
import { once } from 'node:events';
import { FocalLossClient, FocalLossError, toFloat64, type Evaluation, type LossRequest, type LossResponse } from 'focal-loss-client';
import { lcg, near } from '../helpers/cli.js';
import { startServer, type RunningServer } from '../helpers/server-process.js';

const REL = 1e-12;

async function server(env: Record<string, string> = {}): Promise<RunningServer> {
  const s = await startServer(env);
  t.teardown(() => void s.child.kill('SIGKILL'));
  return s;
}

const service = await server();
const client = new FocalLossClient({ url: service.url });
const rand = lcg(20261205);

/** n x c logits, and targets of the mode (multiclass: class ids with some ignored rows, or probability rows). */
function batch(mode: 'binary' | 'multilabel' | 'multiclass', n: number, c: number, probabilities = false) {
  const logits = Float64Array.from({ length: n * c }, () => (rand() - 0.5) * 10);
  if (mode === 'multiclass' && !probabilities) {
    return { logits, targets: Int32Array.from({ length: n }, (_, i) => (i % 11 === 4 ? -100 : Math.floor(rand() * c))) };
  }
  if (mode === 'multiclass') {
    const targets = new Float64Array(n * c);
    for (let i = 0; i < n; i++) {
      const row = Array.from({ length: c }, () => rand());
      const sum = row.reduce((a, b) => a + b, 0);
      row.forEach((v, k) => (targets[i * c + k] = v / sum));
    }
    return { logits, targets };
  }
  // Labels as uint8 (0/1), the compact dtype the service accepts for targets.
  return { logits, targets: Uint8Array.from({ length: n * c }, () => (rand() < 0.3 ? 1 : 0)) };
}

/** Every element of `actual` within `rel` of `expected`. */
function closeArrays(t: Test, actual: Float64Array | undefined, expected: Float64Array, what: string) {
  t.ok(actual instanceof Float64Array && actual.length === expected.length, `${what}: ${expected.length} values`);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i];
    const a = (actual as Float64Array)[i];
    worst = Math.max(worst, a === e ? 0 : Math.abs(a - e) / Math.max(Math.abs(e), 1e-300));
  }
  t.ok(worst <= REL, `${what}: largest relative difference ${worst}`);
}

/** The chunked evaluation against one request's answer: every number within 1e-12 relative. */
function sameAsOneRequest(t: Test, got: Evaluation, one: LossResponse, what: string) {
  t.ok(got.requests > 1, `${what}: ${got.requests} chunks`);
  near(t, got.loss, one.loss, REL, `${what} loss`);
  if (one.gradient === undefined) t.equal(got.gradient, undefined, `${what}: no gradient`);
  else closeArrays(t, got.gradient, toFloat64(one.gradient), `${what} gradient`);
  if (one.losses === undefined) t.equal(got.losses, undefined, `${what}: no losses`);
  else closeArrays(t, got.losses, toFloat64(one.losses), `${what} losses`);
  // Multilabel included: the chunks bring each label's own calibration bins ("column_calibration"), so the
  // merge has classwise_ece, and the merged report leaves the bins out as the one request does.
  if (one.stats?.calibration?.classwise_ece !== undefined)
    t.type(got.stats?.calibration?.classwise_ece, 'number', `${what}: classwise_ece`);
  near(t, got.stats, one.stats, REL, `${what} stats`);
  near(t, got.sweep, one.sweep, REL, `${what} sweep`);
  near(t, got.meta, one.meta, REL, `${what} meta`);
}

const CASES = [
  { mode: 'binary', c: 1, settings: { gamma: 1.5, alpha: 0.4, label_smoothing: 0.05 } },
  { mode: 'multilabel', c: 4, settings: { gamma: 1, alpha: [0.25, 0.5, 0.75, 0.1] } },
  { mode: 'multilabel', c: 3, settings: { variant: 'asymmetric', gamma_pos: [0, 1, 2], gamma_neg: 4, clip: 0.05 } },
  {
    mode: 'multiclass',
    c: 5,
    settings: { gamma: 2, alpha: [1, 2, 0.5, 1, 1], ignore_index: -100, outputs: ['loss', 'gradient', 'stats', 'confusion'] },
  },
  { mode: 'multiclass', c: 3, probabilities: true, settings: { variant: 'poly1', epsilon: 0.5 } },
] as const;

t.test('chunked evaluate equals one request: every mode, every reduction, stats, sweep, weights', async (t) => {
  const n = 700;
  for (const spec of CASES) {
    const { logits, targets } = batch(spec.mode, n, spec.c, 'probabilities' in spec);
    const weights = Float64Array.from({ length: n }, () => 0.5 + rand());
    const shape = spec.mode === 'binary' ? [n] : [n, spec.c];
    const targetShape = spec.mode === 'multiclass' && !('probabilities' in spec) ? [n] : shape;
    for (const reduction of ['none', 'mean', 'sum'] as const) {
      // A sweep needs reduction mean or sum and one gamma (not the asymmetric variant); a normalizer, mean.
      const sweep = reduction !== 'none' && !('gamma_pos' in spec.settings);
      const extra = {
        ...(!sweep ? {} : { sweep: { gamma: [0, 1, 3], alpha: [null, 0.5] } }),
        ...(reduction === 'mean' && spec.mode !== 'multiclass' ? { normalizer: 37.5 } : {}),
      };
      const what = `${spec.mode}${'probabilities' in spec ? ' (probabilities)' : ''} ${reduction}`;
      const settings = {
        mode: spec.mode,
        reduction,
        ...spec.settings,
        ...extra,
        class_names: Array.from({ length: spec.c }, (_, k) => `k${k}`),
      };
      const got = await client.evaluate({ data: logits, shape }, { data: targets, shape: targetShape }, {
        ...settings,
        weights,
        chunkElements: 400,
        concurrency: 3,
      } as Parameters<FocalLossClient['evaluate']>[2]);
      const one = await client.loss({
        ...settings,
        logits: toJson(logits, shape),
        targets: toJson(targets, targetShape),
        weights: Array.from(weights),
      } as LossRequest);
      sameAsOneRequest(t, got, one, what);
    }
  }
});

/** A typed array as the JSON arrays of its shape (one request's body, independent of the client's encoding). */
function toJson(data: ArrayLike<number>, shape: number[]): number[] | number[][] {
  const flat = Array.from(data);
  if (shape.length === 1) return flat;
  return Array.from({ length: shape[0] }, (_, i) => flat.slice(i * shape[1], (i + 1) * shape[1]));
}

t.test('a batch over the element limit: one request gets a 413, evaluate halves its chunks until they fit', async (t) => {
  const limited = await server({ MAX_ELEMENTS: '3000' });
  const small = new FocalLossClient({ url: limited.url });
  const n = 2500;
  const { logits, targets } = batch('multilabel', n, 4);
  const request = { mode: 'multilabel', logits: toJson(logits, [n, 4]), targets: toJson(targets, [n, 4]) } as LossRequest;
  const refused = (await small.loss(request).catch((e: unknown) => e)) as FocalLossError;
  t.ok(refused instanceof FocalLossError);
  t.same([refused.status, refused.code], [413, 'too-many-elements']);
  // The reference: the same batch in one request to a service with the default limit.
  const one = await client.loss(request);
  const progress: number[] = [];
  const got = await small.evaluate(
    { data: logits, shape: [n, 4] },
    { data: targets, shape: [n, 4] },
    {
      mode: 'multilabel',
      onProgress: (done, rows) => progress.push(done / rows),
    },
  );
  // 2500 x 4 in one chunk (the default 262144 elements), 413; halves of 1250 rows, 413; quarters of 625 rows fit.
  t.equal(got.requests, 4, 'four chunks of 625 rows');
  t.same(progress, [0.25, 0.5, 0.75, 1]);
  t.equal(got.meta.n, n);
  t.ok(one.loss > 0);
  near(t, got.loss, one.loss, REL, 'loss');
  closeArrays(t, got.gradient, toFloat64(one.gradient as number[][]), 'gradient');
  near(t, got.stats, one.stats, REL, 'stats (classwise_ece included)');
  near(t, got.meta, one.meta, REL, 'meta');
  // A single row over the limit cannot be halved: the service's 413 as it is.
  const wide = await small
    .evaluate(
      { data: new Float64Array(3001), shape: [1, 3001] },
      { data: new Float64Array(3001), shape: [1, 3001] },
      { mode: 'multilabel' },
    )
    .catch((e: unknown) => e);
  t.same([(wide as FocalLossError).status, (wide as FocalLossError).code], [413, 'too-many-elements']);
});

t.test("503s on the way are retried after the service's Retry-After, and the result is unchanged", async (t) => {
  // A proxy in front of the service: the first two chunks are answered 503 + Retry-After: 1, the rest forwarded.
  let seen = 0;
  const proxy = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (seen++ < 2) {
      res.writeHead(503, { 'content-type': 'application/problem+json', 'retry-after': '1' });
      res.end(JSON.stringify({ type: 'about:blank', title: 'busy', status: 503, detail: 'try later', code: 'overloaded' }));
      return;
    }
    const answer = await fetch(service.url + req.url, {
      method: req.method,
      headers: { 'content-type': 'application/json' },
      body: Buffer.concat(chunks),
    });
    res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
    res.end(Buffer.from(await answer.arrayBuffer()));
  });
  proxy.listen(0, '127.0.0.1');
  await once(proxy, 'listening');
  t.teardown(() => proxy.close());
  const retries: string[] = [];
  const viaProxy = new FocalLossClient({
    url: `http://127.0.0.1:${(proxy.address() as { port: number }).port}`,
    onRetry: (reason) => retries.push(reason),
  });
  const { logits, targets } = batch('binary', 300, 1);
  const options = { mode: 'binary', chunkElements: 100, concurrency: 2 } as const;
  const started = Date.now();
  const got = await viaProxy.evaluate(logits, targets, options);
  t.same(retries, ['503', '503']);
  t.ok(Date.now() - started >= 1000, 'waited the Retry-After');
  const direct = await client.evaluate(logits, targets, options);
  t.same(got, direct, 'the same merged result as without retries');
});

t.test("a chunk's error rejects the evaluation with the service's problem; input errors are found before sending", async (t) => {
  const { logits, targets } = batch('binary', 500, 1);
  const bad = Float64Array.from(targets);
  bad[437] = 2;
  const err = (await client.evaluate(logits, bad, { mode: 'binary', chunkElements: 100 }).catch((e: unknown) => e)) as FocalLossError;
  t.ok(err instanceof FocalLossError);
  t.same([err.status, err.code], [400, 'invalid-request']);
  // Row 437 is element 37 of the chunk of rows 400..499: the problem is the chunk's, the message says which rows.
  t.same(err.problem?.errors, [{ pointer: '#/targets/data', detail: 'element [37] must be a finite number in [0, 1]' }]);
  t.equal(err.message, 'rows 400..499: 400 invalid-request: targets/data element [37] must be a finite number in [0, 1]');
  await t.rejects(client.evaluate(logits, targets.subarray(1), { mode: 'binary' }), /targets has 499 rows; logits has 500/);
  await t.rejects(client.evaluate(logits, targets, { mode: 'binary', weights: [1, 2] }), /weights has 2 rows; logits has 500/);
  await t.rejects(client.evaluate([[1, 2], [3]], [0, 1], { mode: 'multiclass' }), /logits: rows of unequal length/);
  await t.rejects(
    client.evaluate({ data: [1, 2, 3], shape: [2, 2] }, [0, 1], { mode: 'multiclass' }),
    /logits: shape \[2, 2\] has 4 elements; the data has 3/,
  );
  const empty = (await client.evaluate([], [], { mode: 'binary' }).catch((e: unknown) => e)) as FocalLossError;
  t.equal(empty.status, 400, "an empty batch is sent once, and refused in the service's words");
  const aborted = new AbortController();
  aborted.abort(new Error('stopped'));
  await t.rejects(client.evaluate(logits, targets, { mode: 'binary', signal: aborted.signal }), /stopped/);
});

t.test('JSON number inputs, and a merged sum that overflows float64 is refused as one request is', async (t) => {
  const rows = [
    [1, -2, 0.5],
    [0, 3, -1],
    [2, 2, -4],
  ];
  const asJson = await client.evaluate(rows, [0, 2, 1], { mode: 'multiclass', chunkElements: 3 });
  const one = await client.loss({ mode: 'multiclass', logits: rows, targets: [0, 2, 1] });
  t.equal(asJson.requests, 3, 'one row per chunk');
  near(t, asJson.loss, one.loss, REL, 'loss');
  // ln 2 x 1.5e308 per row: each chunk of one row is finite, their sum is not; one request over all three is a 422.
  const big = { mode: 'binary', gamma: 0, alpha: null, reduction: 'sum' } as const;
  const overflow = { ...big, logits: [0, 0, 0], targets: [1, 0, 1], weights: [1.5e308, 1.5e308, 1.5e308] };
  const single = (await client.loss(overflow).catch((e: unknown) => e)) as FocalLossError;
  t.same([single.status, single.code], [422, 'result-not-finite']);
  const merged = (await client
    .evaluate([0, 0, 0], [1, 0, 1], { ...big, weights: overflow.weights, chunkElements: 1 })
    .catch((e: unknown) => e)) as FocalLossError;
  t.ok(merged instanceof FocalLossError);
  t.equal(merged.code, 'result-not-finite');
  t.equal(merged.message, `result-not-finite: ${single.problem?.detail}`, "the service's own explanation");
});
