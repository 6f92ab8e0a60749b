/**
 * Builds the real app (real plugins, real worker pool) for app.inject() tests, and closes it
 * when the test ends.
 */
import type { Test } from 'tap';
import { buildApp, type AppOptions } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';

/**
 * Route tests send every batch to the worker pool (INLINE_MAX_ELEMENTS=0) so that they exercise
 * the transfer both ways; test/pool covers the inline path. Load shedding is off unless a test
 * turns it on: a busy CI machine delays the event loop by itself, and a shed request would fail a
 * test about something else. The deadline is SLOW_START's unless a test sets its own (the deadline's
 * tests do).
 */
export async function buildTestApp(t: Test, env: Record<string, string> = {}, options: AppOptions = {}) {
  const config = loadConfig({ POOL_SIZE: '2', INLINE_MAX_ELEMENTS: '0', PRESSURE_MAX_EVENT_LOOP_DELAY_MS: '0', ...SLOW_START, ...env });
  const app = await buildApp(config, options);
  t.teardown(() => app.close());
  return app;
}

/**
 * For tests about numbers, not time: the first request of a new app waits for the workers to start
 * (under tsx they compile the sources), which on a loaded 2-core machine has taken 20-30 s, the
 * default REQUEST_TIMEOUT_MS; a 504 there says nothing about what such a test checks.
 */
export const SLOW_START = { REQUEST_TIMEOUT_MS: '120000' } as const;

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
