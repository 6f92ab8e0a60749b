/**
 * /v2 inference shares POST /loss's pool and fault handling: a worker that throws fails only its
 * own request, as a 500 error object in the protocol's form with no internals, and the next
 * request succeeds. (Deadlines go through the same computeOnPool as POST /loss, whose 504 is
 * tested in backpressure.test.ts.)
 */
import t from 'tap';
import { buildTestApp } from '../helpers/app.js';
import { FAULT_THROW } from '../helpers/fault-worker.js';
import { inferJson } from '../helpers/oip.js';

const faultWorker = new URL('../helpers/fault-worker.ts', import.meta.url);
const request = (first: number) => ({
  inputs: [
    { name: 'logits', shape: [2], datatype: 'FP64', data: [first, 0] },
    { name: 'targets', shape: [2], datatype: 'FP64', data: [1, 0] },
  ],
  outputs: [{ name: 'loss' }],
});

t.test('a worker that throws on a /v2 request is a 500 error object without internals', async (t) => {
  const app = await buildTestApp(t, { POOL_SIZE: '1' }, { workerUrl: faultWorker });
  t.equal((await inferJson(app, 'focal_loss_binary', request(0.5))).status, 200, 'a good request first');
  const thrown = await inferJson(app, 'focal_loss_binary', request(FAULT_THROW));
  t.equal(thrown.status, 500);
  t.equal(thrown.body.code, 'internal');
  t.match(thrown.body.error, /request id/);
  t.notMatch(JSON.stringify(thrown.body), /secret/, 'no internals in the answer');
  t.equal((await inferJson(app, 'focal_loss_binary', request(0.5))).status, 200, 'the next request succeeds');
});
