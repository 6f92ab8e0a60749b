/**
 * serializeLossResponse writes exactly the UTF-8 bytes of JSON.stringify's text, with encoded tensors' data
 * spliced in instead of copied.
 */
import t from 'tap';
import fc from 'fast-check';
import { serializeLossResponse } from '../../src/tensors/encode-loss-response.js';
import type { LossResponse } from '../../src/schemas/loss-response.js';

const tensor = fc.record({
  dtype: fc.constantFrom('float32', 'float64'),
  shape: fc.array(fc.nat(9), { minLength: 1, maxLength: 2 }),
  data: fc.base64String(),
});
const numbers = fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { maxLength: 5 });

t.test('the same text as JSON.stringify, whatever gradient and losses hold', async (t) => {
  fc.assert(
    fc.property(
      fc.option(fc.oneof(tensor, numbers), { nil: undefined }),
      fc.option(fc.oneof(tensor, numbers), { nil: undefined }),
      fc.array(fc.string({ unit: 'binary' }), { maxLength: 3 }),
      (gradient, losses, names) => {
        const body = {
          loss: 1.5,
          gradient,
          losses,
          stats: { count: 1, classes: names.map((name, k) => ({ class: k, name })) },
          meta: { n: 1 },
        };
        return serializeLossResponse(body as unknown as LossResponse).equals(Buffer.from(JSON.stringify(body)));
      },
    ),
    { numRuns: 2000 },
  );
  const tricky = {
    loss: 0,
    gradient: { dtype: 'float32', shape: [1], data: 'AAAAAA==' },
    stats: { classes: [{ name: '\u0000tensor 0' }] },
  };
  t.equal(
    serializeLossResponse(tricky as unknown as LossResponse).toString(),
    JSON.stringify(tricky),
    'a class name that looks like the placeholder',
  );
});
