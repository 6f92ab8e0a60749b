/**
 * The real server process: it serves POST /loss, logs one JSON line per request, refuses a bad
 * configuration with a clear message and exit code, and on SIGTERM lets an in-flight request
 * finish before exiting 0.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { once } from 'node:events';
import { SERVER_JS, startServer } from '../helpers/server-process.js';
import { compareToExpected, loadCases } from '../helpers/reference-cases.js';

t.test('serves a reference case over real HTTP and logs one line for it', async (t) => {
  const server = await startServer();
  t.teardown(() => void server.child.kill('SIGKILL'));
  const c = loadCases('cases-extreme.json')[0];
  const res = await fetch(`${server.url}/loss`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': 'e2e-1' },
    body: JSON.stringify(c.request),
  });
  t.equal(res.status, 200);
  t.equal(res.headers.get('x-request-id'), 'e2e-1');
  t.same(compareToExpected(await res.json(), c.expected), []);
  const [line] = await server.logsMatching((l) => l.reqId === 'e2e-1', 1);
  t.match(line, { msg: 'request completed', statusCode: 200, mode: c.request.mode, n: Number, c: Number, computeMs: Number });
  server.child.kill('SIGTERM');
  t.same(await server.exited, { code: 0, signal: null }, 'SIGTERM exits 0');
});

t.test('SIGTERM during a large request lets it finish, then exits 0', async (t) => {
  const server = await startServer({ SHUTDOWN_GRACE_MS: '20000', LOG_LEVEL: 'debug' });
  t.teardown(() => void server.child.kill('SIGKILL'));
  const n = 1_000_000;
  const body = JSON.stringify({
    mode: 'binary',
    logits: Array.from({ length: n }, (_, i) => ((i % 200) - 100) / 10),
    targets: Array.from({ length: n }, (_, i) => i % 2),
    outputs: ['loss'],
  });
  const pending = fetch(`${server.url}/loss`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': 'in-flight' },
    body,
  });
  // Once the server has the whole request and is computing it, ask it to stop.
  await server.logsMatching((l) => l.msg === 'computing' && l.reqId === 'in-flight', 1, 30_000);
  server.child.kill('SIGTERM');
  const res = await pending;
  t.equal(res.status, 200, 'the in-flight request completes');
  const json = (await res.json()) as { loss: number; meta: { n: number } };
  t.equal(json.meta.n, n);
  t.ok(Number.isFinite(json.loss));
  t.same(await server.exited, { code: 0, signal: null }, 'then the process exits 0');
  t.ok(server.logs.some((l) => l.msg === 'shut down cleanly'));
});

t.test('SIGTERM with open connections that have no request in progress still exits 0, without waiting for them', async (t) => {
  // Clients open connections ahead of use, and an aborted fetch can leave one that never sends
  // a byte; Node counts it as a request in progress until HEADERS_TIMEOUT_MS. With both
  // timeouts longer than the grace, only closing such connections at the drain gives exit 0.
  const server = await startServer({
    SHUTDOWN_GRACE_MS: '20000',
    HEADERS_TIMEOUT_MS: '60000',
    REQUEST_TIMEOUT_MS: '60000',
    LOG_LEVEL: 'debug',
  });
  t.teardown(() => void server.child.kill('SIGKILL'));
  const { port } = new URL(server.url);
  const silent = await Promise.all(
    [0, 1, 2].map(async () => {
      const socket = connect(Number(port), '127.0.0.1');
      await once(socket, 'connect');
      return socket;
    }),
  );
  const partial = silent[2];
  partial.write('POST /loss HTTP/1.1\r\nHost: x\r\n'); // headers begun, never finished: not accepted
  // A kept-alive connection that served a request and has sent only part of the next one.
  const reused = connect(Number(port), '127.0.0.1');
  await once(reused, 'connect');
  reused.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
  await once(reused, 'data');
  reused.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
  silent.push(reused);
  const closedByServer = silent.map((socket) => once(socket, 'close').then(() => true));
  // A keep-alive connection that has served a request and is now idle.
  const keepAlive = await fetch(`${server.url}/healthz`);
  t.equal(keepAlive.status, 200);
  await keepAlive.arrayBuffer();
  // Both answers are finished on the server's side (a request's line is written once its answer
  // is), so neither connection still counts a request in progress when the drain begins.
  await server.logsMatching((l) => l.url === '/healthz' && l.msg === 'request completed', 2);
  server.child.kill('SIGTERM');
  t.same(await server.exited, { code: 0, signal: null }, 'exits 0 instead of waiting out the grace');
  t.ok(server.logs.some((l) => l.msg === 'shut down cleanly'));
  t.same(await Promise.all(closedByServer), [true, true, true, true], 'the silent and half-sent connections were closed by the server');
});

t.test('SIGTERM while a client is slowly uploading closes that upload and exits 0 within the grace', async (t) => {
  // The body is not accepted until it has arrived; waiting for a slow uploader would hold the
  // drain until REQUEST_TIMEOUT_MS, past the grace, and exit 1.
  // A grace long enough for a loaded machine; without the fix the drain waits out all of it (exit 1).
  const server = await startServer({ SHUTDOWN_GRACE_MS: '20000', REQUEST_TIMEOUT_MS: '60000' });
  t.teardown(() => void server.child.kill('SIGKILL'));
  const { port } = new URL(server.url);
  const uploader = connect(Number(port), '127.0.0.1');
  await once(uploader, 'connect');
  uploader.write(
    'POST /loss HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"mode":"binary","logits":[',
  );
  const closedByServer = once(uploader, 'close').then(() => true);
  uploader.on('error', () => {});
  // The server has the headers (a request is in progress) when it answers a probe on another connection.
  t.equal((await fetch(`${server.url}/healthz`)).status, 200);
  const started = Date.now();
  server.child.kill('SIGTERM');
  t.same(await server.exited, { code: 0, signal: null }, 'exits 0');
  t.ok(Date.now() - started < 20000, `within the grace (${Date.now() - started} ms)`);
  t.equal(await closedByServer, true, 'the unfinished upload was closed by the server');
});

t.test('a second signal during the drain exits at once, without waiting for the request', async (t) => {
  const server = await startServer({ SHUTDOWN_GRACE_MS: '60000', LOG_LEVEL: 'debug' });
  t.teardown(() => void server.child.kill('SIGKILL'));
  const n = 3_000_000;
  const body = JSON.stringify({
    mode: 'binary',
    logits: Array.from({ length: n }, (_, i) => ((i % 200) - 100) / 10),
    targets: Array.from({ length: n }, (_, i) => i % 2),
    gamma: 1.5,
  });
  const pending = fetch(`${server.url}/loss`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': 'long' },
    body,
  }).then(
    (r) => r.status,
    () => 'connection closed',
  );
  // Once the request is accepted and computing (an upload still in progress would simply be closed).
  await server.logsMatching((l) => l.msg === 'computing' && l.reqId === 'long', 1, 30_000);
  server.child.kill('SIGTERM');
  // Wait for the drain to begin, then insist.
  await server.logsMatching((l) => String(l.msg).startsWith('shutting down'), 1);
  server.child.kill('SIGINT');
  t.same(await server.exited, { code: 130, signal: null }, 'exits 128 + SIGINT');
  t.equal(await pending, 'connection closed', 'the in-flight request was not waited for');
  t.ok(
    server.logs.some((l) => l.signal === 'SIGINT' && /second signal/.test(String(l.msg))),
    'the log says why',
  );
});

t.test('a bad configuration stops start-up with the variable named and exit code 78', async (t) => {
  const r = spawnSync(process.execPath, [SERVER_JS], { env: { PATH: process.env.PATH, POOL_SIZE: 'many' }, encoding: 'utf8' });
  t.equal(r.status, 78);
  t.match(r.stderr, /invalid configuration: .*POOL_SIZE/);
});
