/**
 * Faults: a worker that throws, exits or runs out of memory fails only its own request (500
 * problem+json with the request id, nothing internal in the body, details in the log); the pool
 * replaces the worker and the next requests succeed. Concurrent requests never mix results.
 */
import t from 'tap';
import { buildTestApp, postLoss } from '../helpers/app.js';
import { FAULT_EXIT, FAULT_OOM, FAULT_THROW } from '../helpers/fault-worker.js';
import { compareToExpected, loadCases } from '../helpers/reference-cases.js';
import { captureLogs } from '../helpers/log-lines.js';

const faultWorker = new URL('../helpers/fault-worker.ts', import.meta.url);
const good = loadCases('cases-regular.json')[0];

for (const [name, magic] of [
  ['throws', FAULT_THROW],
  ['exits', FAULT_EXIT],
  ['runs out of memory', FAULT_OOM],
] as const) {
  t.test(`a worker that ${name} fails only its own request`, async (t) => {
    const { log, logger } = captureLogs();
    const app = await buildTestApp(t, { POOL_SIZE: '1', WORKER_MAX_OLD_GENERATION_MB: '128' }, { workerUrl: faultWorker, logger });

    const before = await postLoss(app, good.request);
    t.equal(before.status, 200, `a good request succeeds first: ${JSON.stringify(before.body).slice(0, 200)}`);

    const res = await app.inject({
      method: 'POST',
      url: '/loss',
      headers: { 'content-type': 'application/json', 'x-request-id': `fault-${magic}` },
      payload: JSON.stringify({ mode: 'binary', logits: [magic, 0], targets: [1, 0] }),
    });
    t.equal(res.statusCode, 500);
    t.match(res.headers['content-type'], /application\/problem\+json/);
    const body = res.json();
    t.equal(body.code, 'internal');
    t.equal(body.instance, `urn:request-id:fault-${magic}`, 'the problem names the request id');
    t.notMatch(res.body, /secret|stack|at .*\.ts|Error:/, 'no internals in the response');
    const logged = log.lines.find((l) => l.reqId === `fault-${magic}` && l.level === 50);
    t.ok(logged, 'the failure is logged at error level with the request id');
    t.ok(logged && (logged as { err?: unknown }).err, 'with the error details');

    for (let i = 0; i < 3; i++) {
      const after = await postLoss(app, good.request);
      t.equal(after.status, 200, `request ${i + 1} after the fault succeeds`);
      t.same(compareToExpected(after.body, good.expected), [], 'with the right answer');
    }
    t.equal(app.focalPool.threads, 1, 'the pool is back to its size');
  });
}

t.test('many different concurrent requests never mix results', async (t) => {
  // A long deadline: 160 requests queue behind 2 workers, on whatever machine runs the suite.
  const app = await buildTestApp(t, { POOL_SIZE: '2', POOL_MAX_QUEUE: '1000', REQUEST_TIMEOUT_MS: '600000' });
  const cases = [...loadCases('cases-regular.json'), ...loadCases('cases-extreme.json')];
  const answers = await Promise.all(cases.map((c) => postLoss(app, c.request)));
  answers.forEach((res, i) => {
    t.equal(res.status, 200);
    t.same(compareToExpected(res.body, cases[i].expected), [], `${cases[i].name}: its own answer`);
  });
});
