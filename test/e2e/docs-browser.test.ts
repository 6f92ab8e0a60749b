/**
 * The docs page in a real browser: headless Chromium (Debian's package, driven by
 * playwright-core) opens /docs on the real server process, expands POST /loss, picks the
 * binary worked example, runs it with "Try it out" -> "Execute" and sees the service's 200
 * answer in the page. Nothing is loaded from anywhere but the service itself. A screenshot of
 * the answered request is saved to test-output/docs-try-it-out.png.
 *
 * Chromium is installed by scripts/ensure-chromium.sh (run by `npm test`). Where it cannot be,
 * the test is skipped with a warning, except under CI=true, where that is a failure.
 */
import t from 'tap';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { startServer } from '../helpers/server-process.js';
import { browserTest, launchBrowser, TEST_OUTPUT } from '../helpers/chromium.js';
import { loadRecordedExamples } from '../../src/schemas/recorded-example.js';

const OUTPUT_DIR = TEST_OUTPUT;
export const SCREENSHOT = path.join(OUTPUT_DIR, 'docs-try-it-out.png');

browserTest(t, 'Swagger UI runs the binary example against the running service', async (t) => {
  const server = await startServer();
  t.teardown(() => void server.child.kill('SIGKILL'));
  const context = await launchBrowser(t, { width: 1280, height: 1800 });
  const page = context.pages()[0] ?? (await context.newPage());
  const requested: string[] = [];
  page.on('request', (r) => requested.push(r.url()));

  await page.goto(`${server.url}/docs`);
  const operation = page.locator('#operations-loss-computeLoss');
  await operation.locator('.opblock-summary').click();
  await operation.getByRole('button', { name: 'Try it out' }).click();

  // Pick another example first, then the binary one: the editor follows the selection.
  const exampleSelect = operation.locator('.opblock-section-request-body select.examples-select-element');
  const editor = operation.locator('.opblock-section-request-body textarea');
  await exampleSelect.selectOption('multiclass');
  t.match(JSON.parse(await editor.inputValue()), { mode: 'multiclass' }, 'the multiclass example fills the editor');
  await exampleSelect.selectOption('binary');
  const binary = loadRecordedExamples().find((e) => e.name === 'binary')!;
  t.same(JSON.parse(await editor.inputValue()), binary.request.body, 'the binary example fills the editor');

  await operation.getByRole('button', { name: 'Execute' }).click();
  const live = operation.locator('.live-responses-table');
  await live.locator('.response .response-col_status').first().waitFor();
  t.equal((await live.locator('.response .response-col_status').first().innerText()).trim(), '200', 'the page shows status 200');
  const shown = JSON.parse(await live.locator('.response-col_description pre.microlight').first().innerText());

  // The page shows exactly what the service answers to that body.
  const direct = await fetch(`${server.url}/loss`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(binary.request.body),
  });
  t.equal(direct.status, 200);
  t.same(shown, await direct.json(), "the response in the page is the service's answer");
  t.match(await operation.locator('.request-url pre').innerText(), `${server.url}/loss`, 'sent to the running service');

  t.same(
    requested.filter((u) => !u.startsWith(`${server.url}/`)),
    [],
    'nothing is fetched from anywhere else (no CDN)',
  );
  const answered = server.logs.filter((l) => l.url === '/loss' && l.statusCode === 200);
  t.ok(answered.length >= 2, "the service logged the page's request and the direct one");

  mkdirSync(OUTPUT_DIR, { recursive: true });
  // Frame the picked example, the request sent and the answer.
  await operation.locator('.opblock-section-request-body').scrollIntoViewIfNeeded();
  await page.evaluate('document.querySelector("#operations-loss-computeLoss .opblock-section-request-body").scrollIntoView()');
  await page.screenshot({ path: SCREENSHOT });
  t.ok(existsSync(SCREENSHOT), `screenshot saved to ${path.relative(process.cwd(), SCREENSHOT)}`);
});
