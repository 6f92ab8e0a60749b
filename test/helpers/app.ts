/**
 * Builds the real app (real plugins, real worker pool) for app.inject() tests, and closes it
 * when the test ends.
 */
import type { Test } from 'tap';
import { buildApp, type AppOptions } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';

export async function buildTestApp(t: Test, env: Record<string, string> = {}, options: AppOptions = {}) {
  // Load shedding is off unless a test turns it on: a busy CI machine delays the event loop
  // by itself, and a shed request would fail a test about something else.
  const config = loadConfig({ POOL_SIZE: '2', PRESSURE_MAX_EVENT_LOOP_DELAY_MS: '0', ...env });
  const app = await buildApp(config, options);
  t.teardown(() => app.close());
  return app;
}

/** POST /loss with a JSON body and return status, headers and parsed body. */
export async function postLoss(app: Awaited<ReturnType<typeof buildTestApp>>, body: unknown) {
  const res = await app.inject({
    method: 'POST',
    url: '/loss',
    headers: { 'content-type': 'application/json' },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.statusCode, headers: res.headers, body: res.json() as Record<string, any> };
}
