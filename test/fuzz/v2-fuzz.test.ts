/**
 * Fuzzing /v2/models/{model}/infer through the real HTTP layer: binary-extension requests with
 * random header lengths, flipped and truncated bytes, sizes and shapes that disagree, random
 * datatypes, names and parameters, and nasty JSON values. Every answer is a 200 whose outputs
 * are well-formed and finite, or a 4xx `{"error", "code"}`; never a 5xx. Afterwards the service
 * still answers correctly.
 */
import t from 'tap';
import fc from 'fast-check';
import { buildTestApp } from '../helpers/app.js';
import { outputsByName, readOipReply } from '../helpers/oip.js';
import { oipMutations as mutations, validOipRequest as validRequest, type OipRequest as Request } from '../helpers/oip-mutations.js';

const app = await buildTestApp(t);

t.test('random malformed binary requests: a 200 with finite outputs or a 4xx error object, never a 5xx', async (t) => {
  let ok = 0;
  let rejected = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(fc.oneof(...mutations), { minLength: 1, maxLength: 3 }), async (picked) => {
      let r: Request = validRequest();
      for (const m of picked) r = m(r);
      const json = Buffer.from(JSON.stringify(r.header));
      const res = await app.inject({
        method: 'POST',
        url: `/v2/models/${r.model}/infer`,
        headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': r.headerLength ?? String(json.length) },
        payload: Buffer.concat([json, r.data]),
      });
      if (res.statusCode === 200) {
        ok++;
        for (const o of Object.values(outputsByName(readOipReply(res)))) {
          if (!o.data.every(Number.isFinite)) return false;
          if (o.data.length !== o.shape.reduce((a, b) => a * b, 1)) return false;
        }
        return true;
      }
      rejected++;
      const body = res.json() as { error?: unknown; code?: unknown };
      return res.statusCode >= 400 && res.statusCode < 500 && typeof body.error === 'string' && typeof body.code === 'string';
    }),
    { numRuns: 600, seed: 7 },
  );
  t.ok(ok > 20, `some mutated requests are still valid (${ok})`);
  t.ok(rejected > 300, `most are rejected (${rejected})`);

  const again = validRequest();
  const json = Buffer.from(JSON.stringify(again.header));
  const res = await app.inject({
    method: 'POST',
    url: '/v2/models/focal_loss_multiclass/infer',
    headers: { 'inference-header-content-length': String(json.length) },
    payload: Buffer.concat([json, again.data]),
  });
  t.equal(res.statusCode, 200, 'the service still answers afterwards');
});
