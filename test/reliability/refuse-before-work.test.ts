/**
 * Issue 13 item 4, refusals before work (through app.inject): the compute guards decide in
 * onRequest, before the body is read. The rate limit counts every request of the compute scope
 * (401 and 400 included), per verified API key else per IP, so a client over its limit gets 429
 * even for a body that would not parse, and key guessing is limited. A Content-Length over
 * BODY_LIMIT is a 413 before a byte is read. With `Expect: 100-continue` (through a socket) a
 * refused client is never asked for its body. (The real server's side, deadlines and clients that
 * leave, is in test/e2e/hostile-sockets.test.ts.)
 */
import t from 'tap';
import type { Socket } from 'node:net';
import { buildTestApp } from '../helpers/app.js';
import { problemOf, rawExchange, statusOf } from '../helpers/raw-http.js';

const body = JSON.stringify({ mode: 'binary', logits: [0.5, -1], targets: [1, 0] });
const json = { 'content-type': 'application/json' };

t.test('failed authentications count against the IP: key guessing is rate limited', async (t) => {
  const max = 3;
  const app = await buildTestApp(t, { API_KEYS: 'k1', RATE_LIMIT_MAX: String(max), RATE_LIMIT_WINDOW_MS: '60000' });
  const guess = (i: number) =>
    app.inject({ method: 'POST', url: '/loss', headers: { ...json, authorization: `Bearer guess-${i}` }, payload: body });
  for (let i = 0; i < max; i++) t.equal((await guess(i)).statusCode, 401, `guess ${i + 1} of ${max} is a 401`);
  const limited = await guess(max);
  t.equal(limited.statusCode, 429, 'the next guess is rate limited, whatever its key');
  t.equal(limited.json().code, 'rate-limited');
  t.match(limited.headers['content-type'], /application\/problem\+json/);
  t.ok(Number(limited.headers['retry-after']) >= 1, `Retry-After: ${limited.headers['retry-after']}`);
  const valid = await app.inject({ method: 'POST', url: '/loss', headers: { ...json, authorization: 'Bearer k1' }, payload: body });
  t.equal(valid.statusCode, 200, 'a verified key has its own budget');
});

t.test('invalid bodies count too, and a client over its limit gets 429 before its body is parsed', async (t) => {
  const max = 2;
  const app = await buildTestApp(t, { RATE_LIMIT_MAX: String(max), RATE_LIMIT_WINDOW_MS: '60000' });
  const garbage = () => app.inject({ method: 'POST', url: '/loss', headers: json, payload: '{"mode":' });
  for (let i = 0; i < max; i++) t.equal((await garbage()).statusCode, 400, `malformed body ${i + 1} is a 400`);
  const limited = await garbage();
  t.equal(limited.statusCode, 429, 'a body that would be a 400 is refused by the limit first');
  t.equal(limited.json().code, 'rate-limited');
  t.ok(Number(limited.headers['retry-after']) >= 1);
});

t.test('a Content-Length over BODY_LIMIT is a 413 decided from the header, before the body is looked at', async (t) => {
  const bodyLimit = 4096;
  const app = await buildTestApp(t, { BODY_LIMIT: String(bodyLimit) });
  // A content type no parser takes: a 413 here was decided before any parser was chosen (when
  // the size was checked by the parser, this was a 415).
  const headers = { 'content-type': 'text/csv', 'content-length': String(bodyLimit + 1) };
  const res = await app.inject({ method: 'POST', url: '/loss', headers, payload: body });
  t.equal(res.statusCode, 413);
  t.equal(res.json().code, 'payload-too-large');
  t.match(res.headers['content-type'], /application\/problem\+json/);
});

/** Sends `headers`, and the body only once "100 Continue" arrives (as curl and other clients do). */
const withExpect = (headers: string, body: string) => (socket: Socket) => {
  let seen = '';
  socket.on('data', (d) => {
    seen += d.toString('latin1');
    if (seen.startsWith('HTTP/1.1 100 Continue\r\n\r\n') && body !== '') {
      socket.write(body);
      body = '';
    }
  });
  socket.write(headers);
};

t.test('Expect: 100-continue, through a socket: the 401 or 413 comes with no 100 Continue first', async (t) => {
  const bodyLimit = 4096;
  const app = await buildTestApp(t, { API_KEYS: 'k1', BODY_LIMIT: String(bodyLimit) });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  const head = (lines: string[]) =>
    `POST /loss HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nExpect: 100-continue\r\n${lines.map((l) => `${l}\r\n`).join('')}\r\n`;

  const noKey = await rawExchange(url, withExpect(head([`Content-Length: ${body.length}`]), body));
  t.equal(statusOf(noKey.response), 401, 'the first answer is the 401');
  t.notMatch(noKey.response, /100 Continue/, 'the client was never asked for its body');
  t.equal(problemOf(noKey.response).code, 'unauthorized');
  t.ok(noKey.closed, 'the connection is closed (the body was never read)');

  const tooLarge = await rawExchange(url, withExpect(head(['Authorization: Bearer k1', `Content-Length: ${bodyLimit + 1}`]), body));
  t.equal(statusOf(tooLarge.response), 413, 'the first answer is the 413');
  t.notMatch(tooLarge.response, /100 Continue/);
  t.equal(problemOf(tooLarge.response).code, 'payload-too-large');

  // The first computation waits for a worker to load (seconds under the test loader on a busy machine).
  const admitted = await rawExchange(
    url,
    withExpect(head(['Authorization: Bearer k1', `Content-Length: ${body.length}`, 'Connection: close']), body),
    60_000,
  );
  t.match(
    admitted.response,
    /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK/,
    'an admitted request is asked for its body, then answered',
  );

  const noRoute = await rawExchange(url, withExpect(head([`Content-Length: ${body.length}`]).replace('/loss', '/nowhere'), body));
  t.equal(statusOf(noRoute.response), 404, 'a body sent to no route is not asked for either');
  t.notMatch(noRoute.response, /100 Continue/);
});
