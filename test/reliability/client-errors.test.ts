/**
 * Issue 13 item 5 through raw sockets (the real app listening on a port): bytes Node's HTTP parser refuses
 * (not HTTP, headers over the size limit) get a problem+json answer with an x-request-id and
 * `Connection: close` instead of Node's own JSON, never repeating the request; a path climbing
 * out of the docs' static folder is a 404 not-found, not a 400 "malformed-body". These need a
 * socket: app.inject() neither parses raw bytes nor keeps ".." in a path.
 */
import t from 'tap';
import type { FastifyInstance } from 'fastify';
import { buildTestApp } from '../helpers/app.js';
import { captureLogs } from '../helpers/log-lines.js';
import { headerOf, problemOf, rawExchange, statusOf } from '../helpers/raw-http.js';

const { log, logger } = captureLogs();
let app: FastifyInstance;
let url: string;
t.before(async () => {
  app = await buildTestApp(t, {}, { logger });
  url = await app.listen({ port: 0, host: '127.0.0.1' });
});

const send = (text: string) => rawExchange(url, (socket) => void socket.write(text), 5000);

t.test('bytes that are not HTTP: a problem+json 400 that closes the connection', async (t) => {
  const secret = 'GARBAGE-secret-token-123';
  const res = await send(`${secret}\r\n\r\n`);
  t.equal(statusOf(res.response), 400);
  t.match(headerOf(res.response, 'content-type'), /^application\/problem\+json/);
  t.equal(headerOf(res.response, 'connection'), 'close');
  const problem = problemOf(res.response);
  t.match(problem, { code: 'malformed-request', status: 400 });
  t.equal(problem.instance, `urn:request-id:${headerOf(res.response, 'x-request-id')}`, 'with a request id');
  t.notMatch(res.response, /secret-token/, 'nothing of the request is repeated');
  t.ok(res.closed, 'the connection is closed');
  const [line] = await log.matching((l) => l.problem === 'malformed-request' && l.reqId === headerOf(res.response, 'x-request-id'), 1);
  t.equal(line.statusCode, 400, 'logged with its request id');
});

t.test('headers over the size limit: a problem+json 431', async (t) => {
  const res = await send(`GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`);
  t.equal(statusOf(res.response), 431);
  t.match(problemOf(res.response), { code: 'headers-too-large', status: 431 });
  t.equal(headerOf(res.response, 'connection'), 'close');
  t.notMatch(res.response, /bbbbbbbbbb/, 'the header is not repeated');
});

t.test('a long /v2 path: a short 414 without the URL', async (t) => {
  const res = await send(`GET /v2/models/${'a'.repeat(3000)} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
  t.equal(statusOf(res.response), 414);
  t.notMatch(res.response, /aaaaaaaaaa/);
  t.match(problemOf(res.response), { code: 'uri-too-long' });
});

t.test('a path climbing out of the docs folder is a 404 not-found', async (t) => {
  const res = await send('GET /docs/static/../../package.json HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
  t.equal(statusOf(res.response), 404);
  t.match(problemOf(res.response), { code: 'not-found' });
  t.notMatch(res.response, /focal-loss-service/, 'the file is not served');
});
