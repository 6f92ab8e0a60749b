/**
 * The contract again, through the Open Inference Protocol: every reference case sent to
 * /v2/models/{model}/infer, as JSON tensor data and as binary tensor data (FP64), gives exactly
 * the numbers POST /loss gives for the same case, and the expected numbers at the reference
 * tolerance.
 */
import t from 'tap';
import { buildTestApp, postLoss } from '../helpers/app.js';
import { inferBinary, inferJson, MODEL_OF_MODE, oipComparable, toInferenceRequest, toLossShape } from '../helpers/oip.js';
import { compareToExpected, loadCases } from '../helpers/reference-cases.js';

for (const file of ['cases-regular.json', 'cases-extreme.json', 'cases-variants.json'] as const) {
  t.test(`${file} through /v2 infer, JSON and binary, equals POST /loss`, async (t) => {
    const app = await buildTestApp(t);
    const cases = loadCases(file);
    t.ok(cases.length > 10, 'the reference file has its cases');
    for (const c of cases) {
      const mode = String(c.request.mode);
      const model = MODEL_OF_MODE[mode];
      const viaLoss = await postLoss(app, { ...c.request, outputs: ['loss', 'gradient', 'losses', 'stats'] });
      t.equal(viaLoss.status, 200, `${c.name}: /loss 200`);
      const { meta: _meta, ...answer } = viaLoss.body;
      const lossBody = oipComparable(answer);

      const json = toInferenceRequest(c.request, 'json');
      const viaJson = await inferJson(app, model, json.header);
      t.equal(viaJson.status, 200, `${c.name}: /v2 JSON 200`);
      t.equal(viaJson.body.id, 'ref', `${c.name}: id echoed`);
      const fromJson = toLossShape(viaJson, mode);
      t.same(fromJson, lossBody, `${c.name}: /v2 JSON = /loss, number for number`);
      t.same(compareToExpected(fromJson, c.expected), [], `${c.name}: /v2 JSON within the reference tolerance`);

      const binary = toInferenceRequest(c.request, 'binary');
      const viaBinary = await inferBinary(app, model, binary.header, binary.chunks);
      t.equal(viaBinary.status, 200, `${c.name}: /v2 binary 200`);
      t.equal(viaBinary.headers['content-type'], 'application/octet-stream', `${c.name}: binary response`);
      const fromBinary = toLossShape(viaBinary, mode);
      t.same(fromBinary, lossBody, `${c.name}: /v2 binary = /loss, number for number`);
      t.same(compareToExpected(fromBinary, c.expected), [], `${c.name}: /v2 binary within the reference tolerance`);
    }
  });
}
