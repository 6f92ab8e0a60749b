/**
 * Answers are bounded before any work: a request whose outputs would make an answer larger than
 * RESPONSE_LIMIT is refused with 422 answer-too-large naming `outputs` and the size, on both
 * routes and both paths (main thread, worker), while the same batch asking for a smaller answer
 * is served. The red-team case, scaled down: a small gzip /v2 body of FP16 zeros with no
 * `outputs` list (every output as JSON) no longer builds a giant answer.
 */
import t from 'tap';
import { gzipSync } from 'node:zlib';
import { buildTestApp } from '../helpers/app.js';
import { loadConfig } from '../../src/config.js';

const n = 400;
const c = 50;
const rows = (v: number) => Array.from({ length: n }, () => new Array(c).fill(v));
const request = { mode: 'multilabel', logits: rows(0.5), targets: rows(1) };

t.test('RESPONSE_LIMIT defaults to 4 x BODY_LIMIT', async (t) => {
  t.equal(loadConfig({ BODY_LIMIT: '1048576' }).RESPONSE_LIMIT, 4 * 1048576);
  t.equal(loadConfig({ RESPONSE_LIMIT: '5000' }).RESPONSE_LIMIT, 5000);
});

for (const offload of ['0', String(2 ** 40)]) {
  t.test(`POST /loss (${offload === '0' ? 'worker' : 'main thread'}): too large an answer is refused, a smaller one served`, async (t) => {
    const app = await buildTestApp(t, { RESPONSE_LIMIT: '200000', OFFLOAD_MIN_BYTES: offload });
    const post = (body: unknown) =>
      app.inject({ method: 'POST', url: '/loss', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });
    // 20000 gradient values as JSON: up to 500 kB.
    const refused = await post(request);
    t.equal(refused.statusCode, 422);
    const problem = refused.json();
    t.equal(problem.code, 'answer-too-large');
    t.match(problem.detail, /about \d+ bytes \(gradient as JSON numbers, stats\), more than RESPONSE_LIMIT \(200000 bytes\)/);
    t.equal(problem.errors[0].pointer, '#/outputs');
    t.equal((await post({ ...request, outputs: ['loss', 'stats'] })).statusCode, 200, 'without the gradient it fits');
    t.equal((await post({ ...request, encoding: 'base64', dtype: 'float32' })).statusCode, 200, 'as base64 float32 it fits (about 107 kB)');
  });
}

t.test('/v2: a small gzip body of FP16 zeros asking every output as JSON is refused before any work', async (t) => {
  const app = await buildTestApp(t, { BODY_LIMIT: '1048576' });
  const [rowsN, cols] = [512, 512];
  const header = (extra: Record<string, unknown>) => ({
    inputs: [
      { name: 'logits', datatype: 'FP16', shape: [rowsN, cols], parameters: { binary_data_size: rowsN * cols * 2 } },
      { name: 'targets', datatype: 'UINT8', shape: [rowsN, cols], parameters: { binary_data_size: rowsN * cols } },
    ],
    ...extra,
  });
  const send = (h: unknown) => {
    const json = Buffer.from(JSON.stringify(h));
    const body = gzipSync(Buffer.concat([json, Buffer.alloc(rowsN * cols * 3)]));
    return app.inject({
      method: 'POST',
      url: '/v2/models/focal_loss_multilabel/infer',
      headers: {
        'content-type': 'application/octet-stream',
        'content-encoding': 'gzip',
        'inference-header-content-length': String(json.length),
      },
      payload: body,
    });
  };
  const refused = await send(header({}));
  t.equal(refused.statusCode, 422);
  t.equal(refused.json().code, 'answer-too-large');
  t.match(refused.json().error, /gradient as JSON.*RESPONSE_LIMIT \(4194304 bytes\)/);
  const binary = await send(
    header({
      parameters: { binary_data_output: true },
      outputs: [{ name: 'loss' }, { name: 'gradient', parameters: { datatype: 'FP32' } }],
    }),
  );
  t.equal(binary.statusCode, 200, 'the gradient as binary FP32 (1 MB) fits');
});
