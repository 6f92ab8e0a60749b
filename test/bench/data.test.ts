/**
 * The benchmark's request bodies: the base64-encoded POST /loss body and the OIP binary body
 * built from the same batch are accepted and give the same answer, so `npm run bench` compares
 * two encodings of one request, not two different requests.
 */
import t from 'tap';
import { encodedBody, makeBatch, oipBinaryBody, type Mode } from '../../bench/data.js';
import { buildTestApp } from '../helpers/app.js';
import { MODEL_OF_MODE, readOipReply } from '../helpers/oip.js';

t.test('oipBinaryBody and encodedBody of one batch give the same loss and float32 gradient', async (t) => {
  const app = await buildTestApp(t);
  const cases: [Mode, number, number][] = [
    ['binary', 1000, 1],
    ['multilabel', 60, 5],
    ['multiclass', 50, 7],
  ];
  for (const [mode, n, c] of cases) {
    const batch = makeBatch(mode, n, c, 7);
    const viaLoss = await app.inject({
      method: 'POST',
      url: '/loss',
      headers: { 'content-type': 'application/json' },
      payload: encodedBody(batch, { encoding: 'base64', dtype: 'float32' }),
    });
    t.equal(viaLoss.statusCode, 200, `${mode}: POST /loss`);
    const loss = viaLoss.json() as { loss: number; gradient: { dtype: string; data: string } };
    const oip = oipBinaryBody(batch);
    const reply = readOipReply(
      await app.inject({ method: 'POST', url: `/v2/models/${MODEL_OF_MODE[mode]}/infer`, headers: oip.headers, payload: oip.body }),
    );
    t.equal(reply.status, 200, `${mode}: /v2 infer`);
    const outputs = reply.body.outputs as { name: string; data?: number[]; datatype: string; parameters?: { binary_data_size: number } }[];
    t.equal(outputs.find((o) => o.name === 'loss')?.data?.[0], loss.loss, `${mode}: the same loss`);
    const gradient = outputs.find((o) => o.name === 'gradient')!;
    t.equal(gradient.datatype, 'FP32');
    t.equal(gradient.parameters?.binary_data_size, n * c * 4);
    t.equal(loss.gradient.dtype, 'float32');
    t.ok(Buffer.from(loss.gradient.data, 'base64').equals(reply.binary), `${mode}: byte-identical float32 gradients`);
  }
});
