/**
 * Security: optional API keys (401 problem, constant-time check), per-client rate limit (429 +
 * Retry-After), security headers, CORS off unless configured, probes open.
 */
import t from 'tap';
import { buildTestApp } from '../helpers/app.js';

const body = JSON.stringify({ mode: 'binary', logits: [0.5, -1], targets: [1, 0] });
const headers = (extra: Record<string, string> = {}) => ({ 'content-type': 'application/json', ...extra });

t.test('with API_KEYS, compute needs a valid bearer key; probes stay open', async (t) => {
  const app = await buildTestApp(t, { API_KEYS: 'alpha-key-1, beta-key-2' });
  const none = await app.inject({ method: 'POST', url: '/loss', headers: headers(), payload: body });
  t.equal(none.statusCode, 401);
  t.equal(none.json().code, 'unauthorized');
  t.match(none.headers['content-type'], /application\/problem\+json/);
  t.match(none.headers['www-authenticate'], /^Bearer realm="focal-loss"/);

  const wrong = await app.inject({
    method: 'POST',
    url: '/loss',
    headers: headers({ authorization: 'Bearer alpha-key-X' }),
    payload: body,
  });
  t.equal(wrong.statusCode, 401);
  t.match(wrong.headers['www-authenticate'], /invalid_token/);
  t.notMatch(wrong.body, /alpha-key-1|beta-key-2/, 'keys never appear in answers');

  const basic = await app.inject({ method: 'POST', url: '/loss', headers: headers({ authorization: 'Basic YTpi' }), payload: body });
  t.equal(basic.statusCode, 401, 'another scheme is refused');

  for (const key of ['alpha-key-1', 'beta-key-2']) {
    const ok = await app.inject({ method: 'POST', url: '/loss', headers: headers({ authorization: `Bearer ${key}` }), payload: body });
    t.equal(ok.statusCode, 200, `key ${key.slice(0, 5)}... is accepted`);
  }
  t.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200, '/healthz needs no key');
  t.equal((await app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200, '/readyz needs no key');
});

t.test('the rate limit answers 429 with Retry-After, per API key', async (t) => {
  const app = await buildTestApp(t, { API_KEYS: 'k1,k2', RATE_LIMIT_MAX: '2', RATE_LIMIT_WINDOW_MS: '60000' });
  const send = (key: string) =>
    app.inject({ method: 'POST', url: '/loss', headers: headers({ authorization: `Bearer ${key}` }), payload: body });
  t.equal((await send('k1')).statusCode, 200);
  t.equal((await send('k1')).statusCode, 200);
  const limited = await send('k1');
  t.equal(limited.statusCode, 429);
  t.equal(limited.json().code, 'rate-limited');
  t.match(limited.headers['content-type'], /application\/problem\+json/);
  t.ok(Number(limited.headers['retry-after']) >= 1, `Retry-After: ${limited.headers['retry-after']}`);
  t.equal((await send('k2')).statusCode, 200, 'another key has its own budget');
  t.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200, 'probes are not rate limited');
});

t.test('security headers are set and CORS is off by default', async (t) => {
  const app = await buildTestApp(t);
  const res = await app.inject({ method: 'POST', url: '/loss', headers: headers({ origin: 'https://evil.example' }), payload: body });
  t.equal(res.statusCode, 200);
  t.equal(res.headers['x-content-type-options'], 'nosniff');
  t.ok(res.headers['content-security-policy'], 'a content security policy');
  t.ok(res.headers['strict-transport-security'], 'HSTS');
  t.equal(res.headers['access-control-allow-origin'], undefined, 'no CORS header');
});

t.test('CORS_ORIGINS turns CORS on for the listed origins', async (t) => {
  const app = await buildTestApp(t, { CORS_ORIGINS: 'https://notebook.example' });
  const ok = await app.inject({ method: 'POST', url: '/loss', headers: headers({ origin: 'https://notebook.example' }), payload: body });
  t.equal(ok.headers['access-control-allow-origin'], 'https://notebook.example');
  const other = await app.inject({ method: 'POST', url: '/loss', headers: headers({ origin: 'https://evil.example' }), payload: body });
  t.equal(other.headers['access-control-allow-origin'], undefined);
});
