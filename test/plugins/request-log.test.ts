/**
 * The request log: one line per request at info, except successful probes and scrapes, which
 * an orchestrator sends every few seconds per replica and which go to debug.
 */
import t from 'tap';
import { buildTestApp, postLoss } from '../helpers/app.js';
import { captureLogs } from '../helpers/log-lines.js';

const ROUTINE = ['/healthz', '/readyz', '/metrics', '/v2/health/live', '/v2/health/ready', '/v2/models/focal_loss_binary/ready'];

async function appWithLog(t: Parameters<typeof buildTestApp>[0], level: string) {
  const { log, logger } = captureLogs(level);
  const app = await buildTestApp(t, {}, { logger });
  const completed = (url: string) => log.lines.filter((l) => l.msg === 'request completed' && l.url === url);
  return { app, completed };
}

t.test('at info, successful probes and scrapes write no line; compute requests and errors do', async (t) => {
  const { app, completed } = await appWithLog(t, 'info');
  for (const url of ROUTINE) {
    const res = await app.inject({ method: 'GET', url });
    t.equal(res.statusCode, 200, url);
    t.same(completed(url), [], `${url}: no line at info`);
  }
  const loss = await postLoss(app, { mode: 'binary', logits: [0.5], targets: [1] });
  t.equal(loss.status, 200);
  t.match(completed('/loss'), [{ level: 30, statusCode: 200, mode: 'binary' }], 'POST /loss is logged at info');
  await app.inject({ method: 'GET', url: '/no-such-route' });
  t.match(completed('/no-such-route'), [{ level: 30, statusCode: 404 }], 'a 404 is logged at info');
});

t.test('a failing probe (503 while draining) is logged at info', async (t) => {
  const { app, completed } = await appWithLog(t, 'info');
  app.draining = true; // what the drain's preClose hook sets
  t.equal((await app.inject({ method: 'GET', url: '/readyz' })).statusCode, 503);
  t.equal((await app.inject({ method: 'GET', url: '/v2/health/ready' })).statusCode, 503);
  t.match(completed('/readyz'), [{ level: 30, statusCode: 503, problem: 'unavailable' }]);
  t.match(completed('/v2/health/ready'), [{ level: 30, statusCode: 503 }]);
  app.draining = false;
});

t.test('at debug, probes are logged too, at debug', async (t) => {
  const { app, completed } = await appWithLog(t, 'debug');
  for (const url of ROUTINE) {
    await app.inject({ method: 'GET', url });
    t.match(completed(url), [{ level: 20, statusCode: 200 }], url);
  }
});
