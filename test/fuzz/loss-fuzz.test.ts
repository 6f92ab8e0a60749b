/**
 * Fuzzing POST /loss through the real HTTP layer: thousands of malformed and adversarial
 * requests (wrong types, NaN/Infinity smuggled as strings, overflowing literals or encoded tensor
 * bytes, garbage base64, huge and tiny numbers, deep nesting, truncated bodies, wrong content types, mismatched shapes, oversized
 * alpha lists, random bytes). Every answer is a 200 with a schema-valid, finite body or a 4xx
 * problem+json; never a 5xx. Afterwards the service still answers correctly.
 */
import t from 'tap';
import fc from 'fast-check';
import { Value } from '@sinclair/typebox/value';
import { LossResponseSchema } from '../../src/schemas/loss-response.js';
import { EncodedTensorSchema } from '../../src/schemas/encoded-tensor.js';
import { buildTestApp } from '../helpers/app.js';
import { compareToExpected, loadCases } from '../helpers/reference-cases.js';
import { lossMutations as mutations } from '../helpers/loss-mutations.js';

const cases = [...loadCases('cases-regular.json'), ...loadCases('cases-extreme.json')];
function allFinite(v: unknown): boolean {
  if (typeof v === 'number') return Number.isFinite(v);
  if (Array.isArray(v)) return v.every(allFinite);
  if (v !== null && typeof v === 'object') return Object.values(v).every(allFinite);
  return true;
}

t.test('thousands of adversarial requests: never a 5xx, always a clear answer', async (t) => {
  const app = await buildTestApp(t, { MAX_ELEMENTS: '100000' });
  const statuses = new Map<number, number>();
  await fc.assert(
    fc.asyncProperty(fc.nat({ max: cases.length - 1 }), fc.oneof(...mutations), async (ci, mutate) => {
      const { body, contentType } = mutate(cases[ci].request);
      const res = await app.inject({
        method: 'POST',
        url: '/loss',
        headers:
          contentType === undefined ? { 'content-type': 'application/json' } : contentType === '' ? {} : { 'content-type': contentType },
        payload: body,
      });
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
      if (res.statusCode >= 500) throw new Error(`${res.statusCode} for ${body.slice(0, 300)}: ${res.body}`);
      if (res.statusCode === 200) {
        const json = res.json();
        if (!Value.Check(LossResponseSchema, [EncodedTensorSchema], json) || !allFinite(json))
          throw new Error(`bad 200 body for ${body.slice(0, 300)}`);
        return;
      }
      if (!/^application\/problem\+json/.test(String(res.headers['content-type']))) throw new Error(`not problem+json: ${res.statusCode}`);
      const problem = res.json();
      if (problem.status !== res.statusCode || typeof problem.code !== 'string' || typeof problem.detail !== 'string') {
        throw new Error(`bad problem body: ${res.body}`);
      }
    }),
    { numRuns: 3000 },
  );
  t.comment(`status histogram: ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);
  t.notOk(
    [...statuses.keys()].some((s) => s >= 500),
    'no 5xx',
  );
  t.ok((statuses.get(400) ?? 0) > 1000, 'most mutations are rejected with a 400');

  for (const c of cases.slice(0, 20)) {
    const res = await app.inject({
      method: 'POST',
      url: '/loss',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify(c.request),
    });
    t.same(compareToExpected(res.json(), c.expected), [], `afterwards, ${c.name} is still right`);
  }
});
