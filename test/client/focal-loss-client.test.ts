/**
 * FocalLossClient: typed calls against the real service, problem+json errors as FocalLossError,
 * Retry-After honoured (seconds and HTTP dates), bounded connection retries, timeouts and
 * aborts; the package entry ("exports") resolves to it; the tensor encoding round-trips.
 */
import t, { type Test } from 'tap';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import { FocalLossClient, FocalLossError, retryAfterMs, type LossRequest, type LossResponse } from '../../src/client/index.js';
import { decodeTensor, encodeTensor, toFloat64 } from 'focal-loss-client';
import { freePort, startServer } from '../helpers/server-process.js';

const service = await startServer({ API_KEYS: 'client-key' });
t.teardown(() => void service.child.kill('SIGKILL'));

/** A scripted HTTP server: each request gets the next answer of `script`; records arrival times. */
async function scripted(t: Test, script: ((req: IncomingMessage, res: ServerResponse) => void)[]) {
  const arrivals: number[] = [];
  const srv = createServer((req, res) => {
    arrivals.push(Date.now());
    req.resume();
    const answer = script[Math.min(arrivals.length - 1, script.length - 1)];
    answer(req, res);
  });
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  t.teardown(() => srv.close());
  return { url: `http://127.0.0.1:${(srv.address() as { port: number }).port}`, arrivals };
}

const ok = (_: IncomingMessage, res: ServerResponse) =>
  res.writeHead(200, { 'content-type': 'application/json' }).end('{"loss":1,"meta":{}}');
const status =
  (code: number, headers: Record<string, string> = {}) =>
  (_: IncomingMessage, res: ServerResponse) =>
    res
      .writeHead(code, { 'content-type': 'application/problem+json', ...headers })
      .end(JSON.stringify({ type: 'x', title: 't', status: code, detail: `answer ${code}`, code: `c${code}` }));

t.test('POST /loss on the real service, typed by the schemas', async (t) => {
  const client = new FocalLossClient({ url: service.url, apiKey: 'client-key' });
  const request: LossRequest = { mode: 'binary', logits: [2.5, -1, 1000], targets: [1, 0, 1], gamma: 0.5 };
  const res: LossResponse = await client.loss(request, { requestId: 'client-test-1' });
  t.equal(res.loss, 0.04242470988636499, 'the README example value');
  t.equal(res.meta.n, 3);
  t.same(toFloat64(res.gradient as number[]), Float64Array.from([-0.002577754806837606, 0.04971358044990465, 0]));
  const [line] = await service.logsMatching((l) => l.reqId === 'client-test-1', 1);
  t.match(line, { msg: 'request completed', statusCode: 200 }, 'the request id reaches the service log');
  t.same(await client.ready(), { status: 'ready', workers: 2, queued: 0 });
});

t.test('a 4xx is a FocalLossError carrying the problem', async (t) => {
  const client = new FocalLossClient({ url: service.url, apiKey: 'client-key' });
  const err = await client.loss({ mode: 'binary', logits: [0], targets: [2] }).catch((e: unknown) => e);
  t.ok(err instanceof FocalLossError);
  const e = err as FocalLossError;
  t.equal(e.status, 400);
  t.equal(e.code, 'invalid-request');
  t.equal(e.message, '400 invalid-request: targets/0 must be a finite number in [0, 1]');
  t.same(e.problem?.errors, [{ pointer: '#/targets/0', detail: 'must be a finite number in [0, 1]' }]);
  const unauth = (await new FocalLossClient({ url: service.url })
    .loss({ mode: 'binary', logits: [0], targets: [1] })
    .catch((x: unknown) => x)) as FocalLossError;
  t.equal(unauth.code, 'unauthorized');
});

t.test('503 and 429 are retried after Retry-After (seconds, then an HTTP date)', async (t) => {
  const retryDate = () => new Date(Date.now() + 1500).toUTCString(); // second resolution: 0.5-1.5 s ahead
  const srv = await scripted(t, [
    status(503, { 'retry-after': '1' }),
    (req, res) => status(429, { 'retry-after': retryDate() })(req, res),
    ok,
  ]);
  const retries: [string, number][] = [];
  const client = new FocalLossClient({ url: srv.url, onRetry: (reason, ms) => retries.push([reason, ms]) });
  const res = await client.loss({ mode: 'binary', logits: [0], targets: [1] });
  t.equal(res.loss, 1);
  t.equal(srv.arrivals.length, 3);
  t.ok(srv.arrivals[1] - srv.arrivals[0] >= 1000, `waited ${srv.arrivals[1] - srv.arrivals[0]} ms after Retry-After: 1`);
  t.ok(srv.arrivals[1] - srv.arrivals[0] < 1300, 'with at most 10% jitter (plus scheduling)');
  t.ok(srv.arrivals[2] - srv.arrivals[1] >= 400, 'waited for the HTTP date');
  t.same(
    retries.map((r) => r[0]),
    ['503', '429'],
  );
});

t.test('retries are bounded; without Retry-After the wait backs off', async (t) => {
  const srv = await scripted(t, [status(503)]);
  const err = (await new FocalLossClient({ url: srv.url, maxRetries: 2 })
    .loss({ mode: 'binary', logits: [0], targets: [1] })
    .catch((e: unknown) => e)) as FocalLossError;
  t.equal(err.status, 503);
  t.equal(err.message, '503 c503: answer 503');
  t.equal(srv.arrivals.length, 3, 'the first try and 2 retries');
  t.ok(srv.arrivals[2] - srv.arrivals[1] >= srv.arrivals[1] - srv.arrivals[0], 'exponential: 250 ms, then 500 ms');
  const html = await scripted(t, [(_, res) => res.writeHead(502, { 'content-type': 'text/html' }).end('<h1>Bad gateway</h1>')]);
  const bad = (await new FocalLossClient({ url: html.url })
    .loss({ mode: 'binary', logits: [0], targets: [1] })
    .catch((e: unknown) => e)) as FocalLossError;
  t.same([bad.status, bad.code, bad.problem, bad.message], [502, 'http-502', null, '502 http-502: <h1>Bad gateway</h1>']);
});

t.test('connection errors are retried maxConnectionRetries times', async (t) => {
  const port = await freePort();
  const reasons: string[] = [];
  const client = new FocalLossClient({ url: `http://127.0.0.1:${port}`, maxConnectionRetries: 2, onRetry: (r) => reasons.push(r) });
  const err = (await client.loss({ mode: 'binary', logits: [0], targets: [1] }).catch((e: unknown) => e)) as FocalLossError;
  t.same([err.status, err.code], [0, 'connection-failed']);
  t.same(reasons, ['ECONNREFUSED', 'ECONNREFUSED']);
});

t.test('a slow answer times out; an abort stops the call, even while it waits to retry', async (t) => {
  const slow = await scripted(t, [() => undefined]);
  const err = (await new FocalLossClient({ url: slow.url, timeoutMs: 200 })
    .loss({ mode: 'binary', logits: [0], targets: [1] })
    .catch((e: unknown) => e)) as FocalLossError;
  t.same([err.status, err.code], [0, 'client-timeout']);
  const busy = await scripted(t, [status(503, { 'retry-after': '30' })]);
  const controller = new AbortController();
  const started = Date.now();
  // Abort once the client has been told to wait (onRetry comes just before its wait begins).
  const waiting = new FocalLossClient({ url: busy.url, onRetry: () => setImmediate(() => controller.abort(new Error('stop'))) });
  await t.rejects(waiting.loss({ mode: 'binary', logits: [0], targets: [1] }, { signal: controller.signal }), /stop/);
  t.ok(Date.now() - started < 5000, 'did not wait out the 30 s Retry-After');
  const pre = new AbortController();
  pre.abort(new Error('before'));
  await t.rejects(
    new FocalLossClient({ url: busy.url }).loss({ mode: 'binary', logits: [0], targets: [1] }, { signal: pre.signal }),
    /before/,
  );
});

t.test('retryAfterMs reads seconds and HTTP dates', async (t) => {
  t.equal(retryAfterMs('3'), 3000);
  t.equal(retryAfterMs(null), null);
  t.equal(retryAfterMs(' '), null);
  t.equal(retryAfterMs('soon'), null);
  t.equal(retryAfterMs('Thu, 01 Jan 1970 00:00:10 GMT', 4000), 6000);
  t.equal(retryAfterMs('Thu, 01 Jan 1970 00:00:01 GMT', 4000), 0, 'a date in the past: now');
});

t.test('tensors round-trip through the base64 encoding', async (t) => {
  const f32 = Float32Array.from([1.5, -2, 3.25]);
  const enc = encodeTensor(f32, [3]);
  t.same(enc, { dtype: 'float32', shape: [3], data: Buffer.from(f32.buffer).toString('base64') });
  t.same(decodeTensor(enc), f32);
  t.same(decodeTensor(encodeTensor(Int32Array.from([1, -7]))), Int32Array.from([1, -7]));
  t.same(decodeTensor(encodeTensor(BigInt64Array.from([5n]))), BigInt64Array.from([5n]));
  t.same(decodeTensor(encodeTensor(Uint8Array.from([0, 255]))), Uint8Array.from([0, 255]));
  t.same(toFloat64(encodeTensor(Float64Array.from([1, 2, 3, 4]), [2, 2])), Float64Array.from([1, 2, 3, 4]));
  t.same(toFloat64(encodeTensor(BigInt64Array.from([9n]))), Float64Array.from([9]));
  t.same(
    toFloat64([
      [1, 2],
      [3, 4],
    ]),
    Float64Array.from([1, 2, 3, 4]),
  );
  t.same(toFloat64([5, 6]), Float64Array.from([5, 6]));
  t.throws(() => encodeTensor(f32, [2, 2]), /shape \[2, 2\] has 4 elements; the data has 3/);
  t.throws(() => decodeTensor({ dtype: 'float64', shape: [1], data: 'AAAA' }), /3 bytes are not a whole number of float64 elements/);
  t.throws(() => decodeTensor({ dtype: 'complex' as 'float64', shape: [1], data: '' }), /unknown tensor dtype "complex"/);
});

t.test('the package entry ("exports") is the client, compiled', async (t) => {
  // Resolved by Node through package.json "exports" (a self-reference), not by the type checker.
  const specifier = 'focal-loss-service';
  const pkg = (await import(specifier)) as typeof import('../../src/client/index.js');
  t.type(pkg.FocalLossClient, 'function');
  t.type(pkg.encodeTensor, 'function');
  const res = await new pkg.FocalLossClient({ url: service.url, apiKey: 'client-key' }).loss({ mode: 'binary', logits: [0], targets: [1] });
  t.equal(res.loss, 0.25 * 0.5 ** 2 * Math.LN2, 'alpha 0.25 x (1 - 0.5)^2 x ln 2');
});
