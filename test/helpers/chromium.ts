/**
 * Headless Chromium for browser tests: Debian's package (installed by scripts/ensure-chromium.sh,
 * which `npm test` runs), driven by playwright-core with a fresh profile. Where Chromium is
 * missing the test is skipped with the reason, except under CI=true, where that is a failure.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Test } from 'tap';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const TEST_OUTPUT = fileURLToPath(new URL('../../test-output/', import.meta.url));

// Quiet on a machine without internet access (no update checks, sync or QUIC probes); runs as root.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Why the browser test cannot run here, or null when it can. */
export function missingBrowser(): string | null {
  return existsSync(CHROMIUM) ? null : `${CHROMIUM} is missing (scripts/ensure-chromium.sh installs Debian's chromium as root)`;
}

/** A browser context with a fresh --user-data-dir, closed and removed when the test ends. */
export async function launchBrowser(t: Test, viewport = { width: 900, height: 1200 }): Promise<BrowserContext> {
  const profile = mkdtempSync(path.join(tmpdir(), 'focal-chromium-'));
  t.teardown(() => rmSync(profile, { recursive: true, force: true }));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
  });
  t.teardown(() => context.close());
  return context;
}

/**
 * A tap test that needs Chromium: run when the browser is there; otherwise skipped with the
 * reason, or failed under CI=true (a CI machine must have it).
 */
export function browserTest(t: Test, name: string, fn: (t: Test) => Promise<void>): void {
  const missing = missingBrowser();
  if (missing === null) void t.test(name, fn);
  else if (process.env.CI === 'true') t.fail(`the browser test cannot run: ${missing}`);
  else void t.test(name, { skip: `no browser: ${missing}` }, async () => {});
}
