/**
 * The request's deadline (plugins/request-lifetime.ts) through app.inject(): REQUEST_TIMEOUT_MS
 * from the request's arrival is a 504 problem+json whatever the request waits on: the rest of
 * its body (body reading listens to the request's signal), or, as a safety net, a wait that does
 * not listen at all. The real server's figures are in test/e2e/hostile-sockets.test.ts.
 */
import t from 'tap';
import { Readable } from 'node:stream';
import { performance } from 'node:perf_hooks';
import { buildTestApp } from '../helpers/app.js';

const DEADLINE_MS = 300;

t.test('a body that never finishes arriving gets its 504 at the deadline', async (t) => {
  const app = await buildTestApp(t, { REQUEST_TIMEOUT_MS: String(DEADLINE_MS) });
  // Ten bytes of a declared thousand, then nothing more (the stream never ends).
  const payload = new Readable({ read() {} });
  payload.push('{"mode":"b');
  const started = performance.now();
  const res = await app.inject({
    method: 'POST',
    url: '/loss',
    headers: { 'content-type': 'application/json', 'content-length': '1000' },
    payload,
  });
  const ms = performance.now() - started;
  payload.destroy();
  t.equal(res.statusCode, 504);
  t.match(res.headers['content-type'], /application\/problem\+json/);
  t.match(res.json(), { code: 'timeout', detail: new RegExp(`REQUEST_TIMEOUT_MS \\(${DEADLINE_MS} ms\\)`) });
  t.ok(ms >= DEADLINE_MS - 5, `not before the deadline (${ms.toFixed(0)} ms)`);
});

t.test('a wait that does not listen to the deadline is answered 504 all the same', async (t) => {
  const app = await buildTestApp(t, { REQUEST_TIMEOUT_MS: String(DEADLINE_MS) });
  let settled = false;
  // A handler that never answers and ignores the request's signal: only the safety net can answer.
  app.get('/never', () => new Promise(() => {}).finally(() => (settled = true)));
  const res = await app.inject({ method: 'GET', url: '/never' });
  t.equal(res.statusCode, 504);
  t.match(res.json(), { code: 'timeout' });
  t.ok(res.headers['x-request-id'], 'with its request id');
  t.notOk(settled, 'answered while the handler still waits');
});
