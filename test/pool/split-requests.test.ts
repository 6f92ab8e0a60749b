/**
 * Large batches on every idle worker, through the real app: a request whose batch is at least
 * SPLIT_MIN_ELEMENTS is computed in row ranges on all idle workers (its log line says how many)
 * and answers what the reference says; while another worker is busy it is not split, so a split
 * never waits for (or holds up) other work; and a full queue still answers 503 + Retry-After.
 */
import t from 'tap';
import { buildTestApp } from '../helpers/app.js';
import { compareToExpected, loadCases } from '../helpers/reference-cases.js';
import { occupyPool } from '../helpers/busy-pool.js';
import { captureLogs } from '../helpers/log-lines.js';

const cases = [...loadCases('cases-regular.json'), ...loadCases('cases-extreme.json')].filter((c) => {
  const logits = (c.request as { logits: unknown }).logits;
  return Array.isArray(logits) && logits.length >= 2;
});

t.test('a large batch is computed on every idle worker and answers as the reference says', async (t) => {
  const { log, logger } = captureLogs();
  const app = await buildTestApp(t, { POOL_SIZE: '3', OFFLOAD_MIN_BYTES: '0', SPLIT_MIN_ELEMENTS: '1' }, { logger });
  let split = 0;
  for (const [i, c] of cases.entries()) {
    const res = await app.inject({
      method: 'POST',
      url: '/loss',
      headers: { 'content-type': 'application/json', 'x-request-id': `split-${i}` },
      payload: JSON.stringify(c.request),
    });
    t.same(compareToExpected(res.json(), c.expected), [], c.name);
    const line = log.lines.find((l) => l.reqId === `split-${i}` && l.msg === 'request completed');
    // Every answered batch is split over the 3 idle workers (over n workers when it has n < 3 rows).
    const overIdleWorkers = line !== undefined && (line.parts === 3 || (Number(line.n) < 3 && line.parts === line.n));
    t.ok(res.statusCode !== 200 || overIdleWorkers, `${c.name}: ${res.statusCode}, split over the idle workers (${line?.parts})`);
    if (line?.parts !== undefined) split++;
  }
  t.ok(split >= cases.length / 2, `${split} of ${cases.length} requests were split`);
});

t.test('no split while another worker is busy', async (t) => {
  const { log, logger } = captureLogs();
  const app = await buildTestApp(t, { POOL_SIZE: '2', OFFLOAD_MIN_BYTES: '0', SPLIT_MIN_ELEMENTS: '1' }, { logger });
  const busy = occupyPool(app, 1, 4_000_000);
  const c = cases[0];
  const res = await app.inject({ method: 'POST', url: '/loss', headers: { 'content-type': 'application/json', 'x-request-id': 'beside-busy' }, payload: JSON.stringify(c.request) });
  t.same(compareToExpected(res.json(), c.expected), []);
  const line = log.lines.find((l) => l.reqId === 'beside-busy' && l.msg === 'request completed');
  t.ok(line, 'logged');
  t.equal(line?.parts, undefined, 'computed by one worker');
  await Promise.all(busy);
});

t.test('splitting keeps the queue bound: a full queue answers 503 with Retry-After', async (t) => {
  const app = await buildTestApp(t, { POOL_SIZE: '1', POOL_MAX_QUEUE: '1', OFFLOAD_MIN_BYTES: '0', SPLIT_MIN_ELEMENTS: '1' });
  const busy = occupyPool(app, 2, 4_000_000);
  const res = await app.inject({ method: 'POST', url: '/loss', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(cases[0].request) });
  t.equal(res.statusCode, 503);
  t.equal(res.headers['retry-after'], '1');
  t.equal(res.json().code, 'overloaded');
  await Promise.all(busy);
});
