/**
 * Issue 13 item 5 (through app.inject): errors Fastify's router raises before any route or hook
 * (an invalid percent-escape, a path segment over maxParamLength) and the docs page's redirect are
 * answered in the service's one error format with an x-request-id, logged on the request's line
 * and counted in the metrics; nothing of the URL is echoed. Node-level client errors need a real
 * socket: test/e2e/client-errors.test.ts.
 */
import t from 'tap';
import { buildTestApp } from '../helpers/app.js';
import { captureLogs } from '../helpers/log-lines.js';
import { scrape, value } from '../helpers/metrics.js';

const REQUESTS = (status: number) => `http_request_duration_seconds_count{method="GET",route="not_found",status_code="${status}"}`;
const REJECTED = (reason: string) => `focal_rejected_requests_total{reason="${reason}"}`;

t.test('an invalid percent-escape is a problem+json 400 (the protocol JSON under /v2), logged and counted', async (t) => {
  const { log, logger } = captureLogs();
  const app = await buildTestApp(t, {}, { logger });
  const before = await scrape(app);

  const loss = await app.inject({ method: 'GET', url: '/loss%ZZ', headers: { 'x-request-id': 'bad-url-1' } });
  t.equal(loss.statusCode, 400);
  t.match(loss.headers['content-type'], /application\/problem\+json/);
  t.equal(loss.headers['x-request-id'], 'bad-url-1');
  t.match(loss.json(), { code: 'malformed-request', status: 400, instance: 'urn:request-id:bad-url-1' });
  t.notMatch(loss.body, /%ZZ/, 'the URL is not echoed');

  const v2 = await app.inject({ method: 'GET', url: '/v2/models/%ZZ' });
  t.equal(v2.statusCode, 400);
  t.match(v2.json(), { code: 'malformed-request', error: /percent-escape/ }, 'the /v2 error shape, as for every /v2 error');
  t.ok(v2.headers['x-request-id'], 'with a request id');

  const [line] = await log.matching((l) => l.reqId === 'bad-url-1' && l.msg === 'request completed', 1);
  t.match(line, { statusCode: 400, problem: 'malformed-request' }, 'one log line like any request');
  const after = await scrape(app);
  t.equal(value(after, REQUESTS(400)) - value(before, REQUESTS(400)), 2, 'both counted in the request metrics');
  t.equal(value(after, REJECTED('validation')) - value(before, REJECTED('validation')), 2, 'and as rejected');
});

t.test('a path segment over maxParamLength is a 414 that does not echo the URL', async (t) => {
  const app = await buildTestApp(t);
  const model = 'm'.repeat(5000);
  const res = await app.inject({ method: 'GET', url: `/v2/models/${model}` });
  t.equal(res.statusCode, 414);
  t.match(res.json(), { code: 'uri-too-long' });
  t.notMatch(res.body, /mmmmmmmmmm/, 'nothing of the URL in the answer');
  t.ok(res.body.length < 200, `a short answer (${res.body.length} bytes)`);
});

t.test('/docs/static/index.html with a query string redirects to the page, not to itself', async (t) => {
  const app = await buildTestApp(t);
  for (const url of ['/docs/static/index.html?x', '/docs/static/index.html?url=/openapi.json', '/docs/static/index.html']) {
    const res = await app.inject({ method: 'GET', url });
    t.equal(res.statusCode, 302, url);
    t.equal(res.headers.location, '/docs/', `${url} -> the docs page`);
    const page = await app.inject({ method: 'GET', url: String(res.headers.location) });
    t.equal(page.statusCode, 200, 'which is served');
  }
});
