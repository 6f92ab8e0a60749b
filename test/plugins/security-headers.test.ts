/**
 * Security headers, computed once from Helmet: the same headers Helmet itself sets on a real
 * Node response with the same options, on every kind of answer the service gives (computed,
 * problem, not found, probe, docs page, binary /v2, paced large answer).
 */
import t from 'tap';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import helmet, { type HelmetOptions } from 'helmet';
import { helmetHeaders } from '../../src/plugins/security-headers.js';
import { buildTestApp } from '../helpers/app.js';
import { tensor } from '../helpers/encoded.js';

/** Enough elements for a float64 gradient answer over 1 MiB, which is written in paced pieces. */
const N_LARGE = 200_000;

const SERVICE_OPTIONS: HelmetOptions = { contentSecurityPolicy: { directives: { 'upgrade-insecure-requests': null } } };

/** What Helmet sets on a real ServerResponse (a real server answers one request through it). */
async function headersFromRealResponse(options: HelmetOptions): Promise<Record<string, string>> {
  const middleware = helmet(options);
  const server = http.createServer((req, res) => middleware(req, res, () => res.end()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    const out: Record<string, string> = {};
    // Only Helmet's own: what a bare Node response carries anyway is left out.
    for (const [name, value] of res.headers) if (!['date', 'connection', 'keep-alive', 'content-length'].includes(name)) out[name] = value;
    return out;
  } finally {
    server.close();
  }
}

t.test("helmetHeaders equals what Helmet sets on a real response, for the service's options and others", async (t) => {
  for (const options of [SERVICE_OPTIONS, {}, { frameguard: { action: 'deny' as const }, hsts: false }]) {
    const real = await headersFromRealResponse(options);
    t.ok(Object.keys(real).length >= 10, `Helmet set ${Object.keys(real).length} headers`);
    t.same(helmetHeaders(options), real, JSON.stringify(options));
  }
  t.notMatch(helmetHeaders(SERVICE_OPTIONS)['content-security-policy'], /upgrade-insecure-requests/, 'plain-HTTP deployments keep working');
});

t.test('every kind of answer carries exactly those headers', async (t) => {
  const app = await buildTestApp(t);
  const want = helmetHeaders(SERVICE_OPTIONS);
  const json = { 'content-type': 'application/json' };
  const answers = {
    'POST /loss 200': await app.inject({
      method: 'POST',
      url: '/loss',
      headers: json,
      payload: { mode: 'binary', logits: [0.5], targets: [1] },
    }),
    'POST /loss 400': await app.inject({ method: 'POST', url: '/loss', headers: json, payload: '{"mode":' }),
    'POST /loss, a target out of range': await app.inject({
      method: 'POST',
      url: '/loss',
      headers: json,
      payload: { mode: 'binary', logits: [0.5], targets: [2] },
    }),
    'GET /nope 404': await app.inject({ method: 'GET', url: '/nope' }),
    'GET /healthz': await app.inject({ method: 'GET', url: '/healthz' }),
    'GET /docs': await app.inject({ method: 'GET', url: '/docs' }),
    'POST /loss, a paced answer over 1 MiB': await app.inject({
      method: 'POST',
      url: '/loss',
      headers: json,
      payload: {
        mode: 'binary',
        logits: tensor(
          'float32',
          [N_LARGE],
          Array.from({ length: N_LARGE }, (_, i) => Math.sin(i)),
        ),
        targets: tensor(
          'uint8',
          [N_LARGE],
          Array.from({ length: N_LARGE }, (_, i) => i % 2),
        ),
        encoding: 'base64',
      },
    }),
  };
  for (const [name, res] of Object.entries(answers)) {
    const got = Object.fromEntries(Object.keys(want).map((k) => [k, res.headers[k]]));
    t.same(got, want, `${name} (status ${res.statusCode})`);
  }
  t.equal(answers['POST /loss, a paced answer over 1 MiB'].statusCode, 200);
  t.ok(answers['POST /loss, a paced answer over 1 MiB'].rawPayload.length > 1024 * 1024, 'the large answer is over 1 MiB');
});
