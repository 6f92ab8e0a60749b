/**
 * A body is answered byte for byte alike whichever thread checked it: the same random valid and
 * invalid requests go to an app that parses, validates, decodes and encodes every body on the
 * main thread (OFFLOAD_MIN_BYTES above any body here) and to one that hands every body to a
 * worker as bytes (OFFLOAD_MIN_BYTES=0). Status, content type, the /v2 header length and the
 * body bytes must agree (the request id is fixed, so problem `instance`s agree too).
 */
import t from 'tap';
import fc from 'fast-check';
import { buildTestApp } from '../helpers/app.js';
import { loadCases } from '../helpers/reference-cases.js';
import { lossMutations } from '../helpers/loss-mutations.js';
import { oipMutations, validOipRequest, type OipRequest } from '../helpers/oip-mutations.js';

import type { InjectOptions } from 'fastify';

const mainThread = await buildTestApp(t, { OFFLOAD_MIN_BYTES: String(2 ** 40), MAX_ELEMENTS: '100000' });
const worker = await buildTestApp(t, { OFFLOAD_MIN_BYTES: '0', MAX_ELEMENTS: '100000' });
const cases = [...loadCases('cases-regular.json'), ...loadCases('cases-extreme.json')];

/** The request on both apps; the answers' differences, if any. */
async function bothWays(request: InjectOptions): Promise<string | null> {
  const withId = { ...request, headers: { ...request.headers, 'x-request-id': 'both-paths' } };
  const [a, b] = await Promise.all([mainThread.inject(withId), worker.inject(withId)]);
  for (const header of ['content-type', 'inference-header-content-length', 'retry-after']) {
    if (a.headers[header] !== b.headers[header]) return `${header}: ${a.headers[header]} vs ${b.headers[header]}`;
  }
  if (a.statusCode !== b.statusCode) return `status ${a.statusCode} vs ${b.statusCode}: ${a.body.slice(0, 300)} | ${b.body.slice(0, 300)}`;
  if (!a.rawPayload.equals(b.rawPayload)) return `bodies differ: ${a.body.slice(0, 300)} | ${b.body.slice(0, 300)}`;
  return null;
}

t.test('POST /loss: valid and mutated bodies get identical answers on both paths', async (t) => {
  const statuses = new Set<number>();
  await fc.assert(
    fc.asyncProperty(fc.nat({ max: cases.length - 1 }), fc.option(fc.oneof(...lossMutations), { freq: 3 }), async (ci, mutate) => {
      const { body, contentType } =
        mutate === null ? { body: JSON.stringify(cases[ci].request), contentType: undefined } : mutate(cases[ci].request);
      const headers =
        contentType === undefined ? { 'content-type': 'application/json' } : contentType === '' ? {} : { 'content-type': contentType };
      const difference = await bothWays({ method: 'POST', url: '/loss', headers, payload: body });
      if (difference !== null) throw new Error(`${difference}\nfor ${body.slice(0, 300)}`);
      statuses.add((await mainThread.inject({ method: 'POST', url: '/loss', headers, payload: body })).statusCode);
    }),
    { numRuns: 400, seed: 12 },
  );
  t.ok(statuses.has(200) && statuses.has(400), `both answers and refusals were compared (${[...statuses].sort()})`);
});

t.test('/v2 infer: valid and mutated binary requests get identical answers on both paths', async (t) => {
  const statuses = new Set<number>();
  await fc.assert(
    fc.asyncProperty(fc.array(fc.oneof(...oipMutations), { minLength: 0, maxLength: 2 }), async (picked) => {
      let r: OipRequest = validOipRequest();
      for (const m of picked) r = m(r);
      const json = Buffer.from(JSON.stringify(r.header));
      const request = {
        method: 'POST' as const,
        url: `/v2/models/${r.model}/infer`,
        headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': r.headerLength ?? String(json.length) },
        payload: Buffer.concat([json, r.data]),
      };
      const difference = await bothWays(request);
      if (difference !== null) throw new Error(`${difference}\nfor ${json.toString().slice(0, 300)}`);
      statuses.add((await mainThread.inject(request)).statusCode);
    }),
    { numRuns: 300, seed: 12 },
  );
  t.ok(statuses.has(200) && statuses.has(400), `both answers and refusals were compared (${[...statuses].sort()})`);
});

t.test('/v2 infer: JSON requests get identical answers on both paths', async (t) => {
  for (const c of cases.slice(0, 40)) {
    const r = c.request as Record<string, any>;
    const shapeOf = (v: unknown): number[] => (Array.isArray(v) ? [v.length, ...(Array.isArray(v[0]) ? [v[0].length] : [])] : []);
    if (!Array.isArray(r.logits) || !Array.isArray(r.targets)) continue;
    const body = {
      inputs: [
        { name: 'logits', datatype: 'FP64', shape: shapeOf(r.logits), data: r.logits },
        { name: 'targets', datatype: 'FP64', shape: shapeOf(r.targets), data: r.targets },
      ],
      parameters: { gamma: r.gamma ?? 2 },
    };
    const difference = await bothWays({
      method: 'POST',
      url: `/v2/models/focal_loss_${r.mode}/infer`,
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify(body),
    });
    t.equal(difference, null, c.name);
  }
});
