/**
 * The kernels on the main thread (where coverage sees them) against every reference case:
 * decode -> kernel -> encode, without HTTP or the pool.
 */
import t from 'tap';
import { focalLoss } from '../../src/kernels/focal.js';
import { decodeLossRequest } from '../../src/tensors/decode-loss-request.js';
import { encodeLossResponse } from '../../src/tensors/encode-loss-response.js';
import type { LossRequest } from '../../src/schemas/loss-request.js';
import { compareToExpected, loadCases } from '../helpers/reference-cases.js';

for (const file of ['cases-regular.json', 'cases-extreme.json'] as const) {
  t.test(file, async (t) => {
    for (const c of loadCases(file)) {
      const decoded = decodeLossRequest(c.request as LossRequest, { maxElements: 1e7, maxClasses: 1e5 });
      const body = encodeLossResponse(decoded, focalLoss(decoded.batch));
      t.same(compareToExpected(body, c.expected), [], c.name);
    }
  });
}
