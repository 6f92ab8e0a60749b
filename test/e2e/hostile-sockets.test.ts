/**
 * Issue 13 item 4 through real sockets (node dist/server.js): a request is refused before its
 * body is read, and no work goes on for a client that left or past the deadline.
 * - A client over its rate limit gets 429 from the headers alone: the server does not wait for
 *   the body.
 * - The deadline (REQUEST_TIMEOUT_MS) is a 504 problem+json on time, whether the body is still
 *   arriving or the computation is running (Node's own request timeout answered 0.5-1.3 s late,
 *   in its own format).
 * - A client that leaves mid-body is logged as cancelled at once (499, not a 504 at the
 *   deadline), and the server serves the next request.
 * (`Expect: 100-continue` is tested in test/reliability/refuse-before-work.test.ts.)
 * The bounds are generous for a loaded CI machine; the measured figures are printed as comments.
 */
import t, { type Test } from 'tap';
import { gzipSync } from 'node:zlib';
import { startServer, type RunningServer } from '../helpers/server-process.js';
import { problemOf, rawExchange, statusOf } from '../helpers/raw-http.js';

const DEADLINE_MS = 1000;
/** How late a 504 may arrive on a loaded CI box (the aim is 100 ms). */
const LATE_MS = 250;

const small = JSON.stringify({ mode: 'binary', logits: [0.5, -1], targets: [1, 0] });
// ~56 MB of JSON in ~0.45 MB of gzip: seconds of decompression and parsing in a worker.
const n = 3_000_000;
const heavy = gzipSync(
  JSON.stringify({
    mode: 'binary',
    logits: Array.from({ length: n }, (_, i) => ((i % 200) - 100) / 7),
    targets: Array.from({ length: n }, (_, i) => i % 2),
  }),
);

const head = (lines: string[]) =>
  `POST /loss HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n${lines.map((l) => `${l}\r\n`).join('')}\r\n`;

/** The 504's first byte came after the deadline (counted from the server's arrival, after the client began) and at most LATE_MS after. */
function assertOnTime(t: Test, firstByteMs: number | null): void {
  t.comment(`504 after ${firstByteMs} ms for REQUEST_TIMEOUT_MS=${DEADLINE_MS}`);
  t.ok(
    firstByteMs !== null && firstByteMs >= DEADLINE_MS - 5 && firstByteMs < DEADLINE_MS + LATE_MS,
    `answered after ${firstByteMs} ms (deadline ${DEADLINE_MS} ms + at most ${LATE_MS} ms)`,
  );
}

let server: RunningServer;
let limitedServer: RunningServer;
t.before(async () => {
  [server, limitedServer] = await Promise.all([
    startServer({ POOL_SIZE: '1', API_KEYS: 'k1', REQUEST_TIMEOUT_MS: String(DEADLINE_MS), BODY_LIMIT: String(64 * 1024 * 1024) }),
    startServer({ POOL_SIZE: '1', RATE_LIMIT_MAX: '1', RATE_LIMIT_WINDOW_MS: '60000' }),
  ]);
});
t.teardown(() => {
  server?.child.kill('SIGKILL');
  limitedServer?.child.kill('SIGKILL');
});

t.test('a client over its rate limit gets 429 from its headers alone', async (t) => {
  const first = await fetch(`${limitedServer.url}/loss`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: small });
  t.equal(first.status, 200, 'the one request of the window');
  // Headers announcing 50 kB, and no body at all: an answer proves the body was not waited for.
  const limited = await rawExchange(limitedServer.url, (socket) => void socket.write(head(['Content-Length: 50000'])));
  t.equal(statusOf(limited.response), 429);
  t.match(limited.response, /\r\nretry-after: \d+\r\n/i, 'with Retry-After');
  t.match(limited.response, /\r\ncontent-type: application\/problem\+json/i);
  t.equal(problemOf(limited.response).code, 'rate-limited');
  t.ok(limited.closed, 'and the connection is closed: the body is never read');
  t.ok(limited.elapsedMs < DEADLINE_MS, `answered in ${limited.elapsedMs} ms`);
});

t.test('the deadline is a 504 problem+json on time while the body is still arriving', async (t) => {
  // Half a body, then silence.
  const res = await rawExchange(server.url, (socket) => {
    socket.write(head(['Authorization: Bearer k1', `Content-Length: ${small.length}`]) + small.slice(0, 10));
  });
  t.equal(statusOf(res.response), 504, res.response.split('\r\n')[0]);
  t.match(res.response, /\r\ncontent-type: application\/problem\+json/i);
  t.equal(problemOf(res.response).code, 'timeout');
  t.ok(res.closed, 'the connection is closed: the rest of the body is not waited for');
  assertOnTime(t, res.firstByteMs);
});

t.test('the deadline is a 504 on time while the computation runs', async (t) => {
  const res = await rawExchange(
    server.url,
    (socket) => {
      socket.write(head(['Authorization: Bearer k1', 'Content-Encoding: gzip', `Content-Length: ${heavy.length}`]));
      socket.write(heavy);
    },
    DEADLINE_MS + 2000,
  );
  t.equal(statusOf(res.response), 504, res.response.split('\r\n')[0]);
  t.equal(problemOf(res.response).code, 'timeout');
  assertOnTime(t, res.firstByteMs);
});

t.test('a client that leaves mid-body is cancelled at once, and the next request is served', async (t) => {
  const id = 'leaves-mid-body';
  await rawExchange(
    server.url,
    async (socket) => {
      socket.write(head(['Authorization: Bearer k1', `X-Request-Id: ${id}`, `Content-Length: ${heavy.length}`, 'Content-Encoding: gzip']));
      socket.write(heavy.subarray(0, 1000));
      // The server has the headers once its log says the request began; leaving before would test nothing.
      socket.destroy();
    },
    2000,
  );
  const [line] = await server.logsMatching((l) => l.reqId === id && l.msg === 'request completed', 1);
  t.equal(line.statusCode, 499, 'logged as the client closing the request, not as a 504 at the deadline');
  t.equal(line.problem, 'cancelled');
  t.ok(Number(line.durationMs) < DEADLINE_MS, `cancelled after ${line.durationMs} ms`);
  // The one worker was replaced when the previous test's computation was aborted at the deadline; on a
  // loaded machine the new thread can take longer than this server's 1 s deadline to start, so a 504
  // while it starts is retried (for at most 20 s). What is checked is that the server serves again.
  const started = Date.now();
  let next: Response;
  let attempts = 0;
  do {
    attempts++;
    next = await fetch(`${server.url}/loss`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer k1' },
      body: small,
    });
  } while (next.status === 504 && Date.now() - started < 20_000);
  t.equal(next.status, 200, `the next request is served (attempt ${attempts})`);
});
