/**
 * Limits are decided early and answered clearly: a body over BODY_LIMIT is refused from its
 * Content-Length before it is read, a chunked body is cut off at the limit, too many classes
 * or too deep nesting is a 400, and bytes that are not UTF-8 or JSON that poisons prototypes
 * are 400s. Slow clients are cut off by the server's timeouts.
 */
import t from 'tap';
import { buildTestApp, postLoss } from '../helpers/app.js';
import { startServer } from '../helpers/server-process.js';
import { rawExchange, sleep, trickle } from '../helpers/raw-http.js';

const post = (app: Awaited<ReturnType<typeof buildTestApp>>, payload: string | Buffer) =>
  app.inject({ method: 'POST', url: '/loss', headers: { 'content-type': 'application/json' }, payload });

t.test('more classes than MAX_CLASSES: 400 naming the row', async (t) => {
  const app = await buildTestApp(t, { MAX_CLASSES: '4' });
  const res = await postLoss(app, { mode: 'multiclass', logits: [[1, 2, 3, 4, 5]], targets: [0] });
  t.equal(res.status, 400);
  t.equal(res.body.errors[0].pointer, '#/logits/0');
  t.match(res.body.errors[0].detail, /at most 4 \(MAX_CLASSES\)/);
});

t.test('JSON nested deeper than MAX_JSON_DEPTH is refused before parsing', async (t) => {
  const app = await buildTestApp(t);
  const depth = 200000;
  const res = await post(app, `{"mode":"binary","logits":${'['.repeat(depth)}${']'.repeat(depth)},"targets":[1]}`);
  t.equal(res.statusCode, 400);
  t.equal(res.json().code, 'malformed-body');
  t.match(res.json().detail, /nests deeper than 16 levels/);
  const brackets = await postLoss(app, { mode: 'binary', logits: [0], targets: [1], class_names: ['[[[[[[[[[[[[[[[[[[[[[[[['] });
  t.equal(brackets.status, 200, 'brackets inside strings do not count');
});

t.test('bytes that are not UTF-8: 400', async (t) => {
  const app = await buildTestApp(t);
  const body = Buffer.concat([
    Buffer.from('{"mode":"binary","logits":[0],"targets":[1],"class_names":["'),
    Buffer.from([0xc3, 0x28]),
    Buffer.from('"]}'),
  ]);
  const res = await post(app, body);
  t.equal(res.statusCode, 400);
  t.match(res.json().detail, /not valid UTF-8/);
});

t.test('prototype-poisoning keys are rejected', async (t) => {
  const app = await buildTestApp(t);
  for (const payload of [
    '{"mode":"binary","logits":[0],"targets":[1],"__proto__":{"polluted":1}}',
    '{"mode":"binary","logits":[0],"targets":[1],"constructor":{"prototype":{"polluted":1}}}',
  ]) {
    const res = await post(app, payload);
    t.equal(res.statusCode, 400, payload);
    t.equal(res.json().code, 'malformed-body');
  }
  t.equal(({} as Record<string, unknown>).polluted, undefined, 'nothing was polluted');
});

t.test('over BODY_LIMIT over real HTTP: refused from Content-Length, and chunked bodies are cut off', async (t) => {
  const server = await startServer({ BODY_LIMIT: '4096' });
  t.teardown(() => void server.child.kill('SIGKILL'));

  // Announce 1 GB and send nothing: the answer must come without reading a body.
  const announced = await rawExchange(server.url, (s) => {
    s.write('POST /loss HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000000000\r\n\r\n');
  });
  t.match(announced.response, /^HTTP\/1\.1 413 /, 'Content-Length over the limit: 413 at once');
  t.match(announced.response, /application\/problem\+json/);
  t.ok(announced.elapsedMs < 3000, `answered in ${announced.elapsedMs} ms without the body`);

  // A chunked body that keeps coming: cut off once it passes the limit.
  let sent = 0;
  const chunked = await rawExchange(server.url, async (s) => {
    s.write('POST /loss HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n');
    const piece = '1'.repeat(1000);
    while (!s.destroyed && sent < 1_000_000) {
      s.write(`${piece.length.toString(16)}\r\n${piece}\r\n`);
      sent += piece.length;
      await sleep(2);
    }
  });
  t.match(chunked.response, /^HTTP\/1\.1 413 /, 'chunked body past the limit: 413');
  t.ok(sent < 200_000, `the server stopped reading after ${sent} bytes (limit 4096)`);

  const ok = await fetch(`${server.url}/loss`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"mode":"binary","logits":[0],"targets":[1]}',
  });
  t.equal(ok.status, 200, 'and it keeps serving');
});

t.test('slow clients trickling headers or a body are cut off', async (t) => {
  const server = await startServer({ HEADERS_TIMEOUT_MS: '500', REQUEST_TIMEOUT_MS: '1500' });
  t.teardown(() => void server.child.kill('SIGKILL'));

  const headers = await rawExchange(
    server.url,
    (s) => trickle(s, 'POST /loss HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Slow: ' + 'a'.repeat(100), 100),
    20000,
  );
  t.ok(headers.closed, 'a client trickling its headers is disconnected');
  // The trickle would take 15 s; being cut off well before proves the server's timeout did it.
  t.ok(headers.elapsedMs < 9000, `after ${headers.elapsedMs} ms (HEADERS_TIMEOUT_MS 500, checked every second)`);
  t.match(headers.response, /^(HTTP\/1\.1 408 |$)/, 'with 408 or a plain close');

  const body = '{"mode":"binary","logits":[0,1,2,3],"targets":[1,0,1,0]}';
  const slowBody = await rawExchange(
    server.url,
    async (s) => {
      s.write(`POST /loss HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`);
      await trickle(s, body, 200);
    },
    20000,
  );
  t.ok(slowBody.closed, 'a client trickling its body is disconnected');
  // The trickle would take 11 s.
  t.ok(slowBody.elapsedMs < 8000, `after ${slowBody.elapsedMs} ms (REQUEST_TIMEOUT_MS 1500)`);

  const ok = await fetch(`${server.url}/healthz`);
  t.equal(ok.status, 200, 'the server keeps serving');
});
