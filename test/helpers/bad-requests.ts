/**
 * The shared assertion for bad-input tables: each body gets a 400 application/problem+json
 * (RFC 9457 fields, code invalid-request) whose errors name the expected pointer and reason.
 */
import type { Test } from 'tap';
import { postLoss, type buildTestApp } from './app.js';

export interface BadCase {
  name: string;
  body: unknown;
  pointer: string;
  detail: RegExp;
}

export async function expectBadRequests(t: Test, app: Awaited<ReturnType<typeof buildTestApp>>, cases: BadCase[]): Promise<void> {
  for (const c of cases) {
    const res = await postLoss(app, c.body);
    t.equal(res.status, 400, `${c.name}: 400`);
    t.match(res.headers['content-type'], /^application\/problem\+json/, `${c.name}: problem+json`);
    t.match(
      res.body,
      { status: 400, code: 'invalid-request', type: /invalid-request$/, title: String, detail: String },
      `${c.name}: RFC 9457 fields`,
    );
    const named = (res.body.errors ?? []).find((e: { pointer: string }) => e.pointer === c.pointer);
    t.ok(named, `${c.name}: names ${c.pointer} (got ${JSON.stringify(res.body.errors)})`);
    t.match(named?.detail, c.detail, `${c.name}: says why`);
  }
}
