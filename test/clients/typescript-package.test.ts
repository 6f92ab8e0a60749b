/**
 * The TypeScript client as a package of its own (clients/typescript, focal-loss-client), used the
 * way a user would: `npm pack`, `npm install --offline` of the tarball into a fresh directory outside
 * the repository (no registry, no dependencies, none of the service's), then plain `node` (no tsx)
 * imports it and evaluates a chunked batch on a live service; tsc type-checks a consumer against the
 * installed .d.ts (and refuses a wrong field); Chromium imports the same files from another origin
 * and evaluates too. Also: the package code has no node:* import, Buffer or process; its generated
 * types are what openapi/openapi.json gives today; the service, its CLI and the root package use
 * this one copy.
 */
import t from 'tap';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as client from 'focal-loss-client';
import { ResultMerger } from 'focal-loss-client/merge';
import { CLIENT_TYPES_PATH, generateClientTypes } from '../../scripts/client-types.js';
import { browserTest, launchBrowser } from '../helpers/chromium.js';
import { freePort, startServer } from '../helpers/server-process.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PACKAGE = path.join(ROOT, 'clients/typescript');
const TSC = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const run = promisify(execFile);

// The browser test's web app is served from this port: an origin the service allows (CORS).
const appPort = await freePort();
const service = await startServer({ CORS_ORIGINS: `http://127.0.0.1:${appPort}` });
t.teardown(() => void service.child.kill('SIGKILL'));

/** Every file of the package's sources. */
function sources(dir = path.join(PACKAGE, 'src')): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(path.join(dir, e.name)) : [path.join(dir, e.name)],
  );
}

t.test('the package code is portable: no node:* import, no Buffer, no process, no dependencies', async (t) => {
  const files = sources();
  t.ok(files.length > 10, `${files.length} files`);
  for (const file of files) {
    // The code without its comments (which may well name what the code avoids).
    const text = readFileSync(file, 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/^\s*\/\/.*$/gm, '');
    const rel = path.relative(PACKAGE, file);
    t.notOk(/from ['"]node:|import\(['"]node:|require\(/.test(text), `${rel}: no node:* module`);
    t.notOk(/\bBuffer\b|\bprocess\.|@sinclair\/typebox/.test(text), `${rel}: no Buffer, process or TypeBox`);
    for (const [, specifier] of text.matchAll(/from '([^']+)'/g)) t.match(specifier, /^\.\.?\//, `${rel} imports only its own files`);
  }
  const pkg = JSON.parse(readFileSync(path.join(PACKAGE, 'package.json'), 'utf8'));
  t.same([pkg.type, pkg.dependencies, pkg.engines.node], ['module', undefined, '>=20.3']);
  // Its own build compiles with the DOM library and no Node.js types: a Node.js-only API does not compile.
  const tsconfig = JSON.parse(readFileSync(path.join(PACKAGE, 'tsconfig.json'), 'utf8').replace(/^\s*\/\/.*$/gm, ''));
  t.same([tsconfig.compilerOptions.lib, tsconfig.compilerOptions.types], [['ES2022', 'DOM'], []]);
});

t.test('its request and response types are generated from openapi/openapi.json (else run `npm run openapi`)', async (t) => {
  t.equal(readFileSync(CLIENT_TYPES_PATH, 'utf8'), await generateClientTypes(), 'openapi.generated.ts is up to date');
  const doc = JSON.parse(readFileSync(path.join(ROOT, 'openapi/openapi.json'), 'utf8'));
  t.equal(
    client.DEFAULT_REDUCTION,
    doc.components.schemas.LossRequest.properties.reduction.default,
    "evaluate's default reduction is the schema's",
  );
  const dtypes = doc.components.schemas.EncodedTensor.properties.dtype.anyOf.flatMap((branch: { enum: string[] }) => branch.enum);
  t.same(client.TENSOR_DTYPES, dtypes, 'the dtypes the schema names');
});

t.test('one copy: the service package and its CLI use the client package', async (t) => {
  const root = (await import('focal-loss-service')) as typeof client;
  t.equal(root.FocalLossClient, client.FocalLossClient, 'the root package\'s "." re-exports the same class');
  t.equal(root.evaluate, client.evaluate);
  const rootPkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  t.same(rootPkg.workspaces, ['clients/typescript']);
  t.ok(rootPkg.bundleDependencies.includes('focal-loss-client'), 'bundled into the service package (its CLI installs without a registry)');
  const cli = readFileSync(path.join(ROOT, 'src/cli/evaluate.ts'), 'utf8');
  t.match(cli, /from 'focal-loss-client\/merge'/, "the CLI's merge is the package's");
  t.type(new ResultMerger('binary', 1), ResultMerger);
});

const packDir = mkdtempSync(path.join(tmpdir(), 'focal-client-pack-'));
// Outside the repository: nothing of it is found by walking up node_modules from here.
const consumer = mkdtempSync(path.join(tmpdir(), 'focal-client-consumer-'));
t.teardown(() => {
  rmSync(packDir, { recursive: true, force: true });
  rmSync(consumer, { recursive: true, force: true });
});

t.test('npm pack, npm install --offline into a fresh directory, plain node evaluates on the live service', async (t) => {
  const packed = await run('npm', ['pack', '--json', '--pack-destination', packDir], { cwd: PACKAGE });
  const [info] = JSON.parse(packed.stdout) as { filename: string; files: { path: string }[] }[];
  const files = info.files.map((f) => f.path).sort();
  t.ok(files.includes('dist/index.js') && files.includes('dist/index.d.ts') && files.includes('dist/merge/index.js'), 'the build');
  t.same(
    files.filter((f) => !f.startsWith('dist/')),
    ['package.json'],
    'and nothing else: no sources, no tests',
  );
  writeFileSync(path.join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  await run('npm', ['install', '--offline', '--no-audit', '--no-fund', path.join(packDir, info.filename)], { cwd: consumer });
  t.same(
    readdirSync(path.join(consumer, 'node_modules')).filter((d) => !d.startsWith('.')),
    ['focal-loss-client'],
    'no dependencies',
  );

  writeFileSync(
    path.join(consumer, 'evaluate.mjs'),
    `import { FocalLossClient } from 'focal-loss-client';
const client = new FocalLossClient({ url: process.argv[2] });
const n = 1000;
const logits = Float32Array.from({ length: n * 3 }, (_, i) => Math.sin(i));
const targets = Int32Array.from({ length: n }, (_, i) => i % 3);
const chunked = await client.evaluate({ data: logits, shape: [n, 3] }, targets, { mode: 'multiclass', chunkElements: 600 });
const one = await client.loss({ mode: 'multiclass', logits: Array.from({ length: n }, (_, i) => Array.from(logits.subarray(3 * i, 3 * i + 3))), targets: Array.from(targets) });
console.log(JSON.stringify({ requests: chunked.requests, loss: chunked.loss, one: one.loss, accuracy: chunked.stats.accuracy, oneAccuracy: one.stats.accuracy }));
`,
  );
  // Plain node: no tsx, no loader, the fresh directory as the working directory.
  const out = await run(process.execPath, ['evaluate.mjs', service.url], { cwd: consumer, env: { PATH: process.env.PATH } });
  const result = JSON.parse(out.stdout);
  t.equal(result.requests, 5, '1000 rows of 3 in chunks of 200 rows');
  t.ok(Math.abs(result.loss - result.one) <= 1e-12 * result.one, `merged ${result.loss} vs one request ${result.one}`);
  t.equal(result.accuracy, result.oneAccuracy);

  t.test("the README's example (examples/typescript) runs from the installed package and prints what output.txt shows", async (t) => {
    copyFileSync(path.join(ROOT, 'examples/typescript/evaluate.mjs'), path.join(consumer, 'example.mjs'));
    const printed = await run(process.execPath, ['example.mjs'], {
      cwd: consumer,
      env: { PATH: process.env.PATH, FOCAL_LOSS_URL: service.url },
    });
    const values = (text: string) =>
      Object.fromEntries(
        text
          .trim()
          .split('\n')
          .map((line) => line.split(/:\s+/, 2)),
      );
    const got = values(printed.stdout);
    const recorded = values(readFileSync(path.join(ROOT, 'examples/typescript/output.txt'), 'utf8'));
    t.same(Object.keys(got), Object.keys(recorded));
    t.equal(got['requests'], '8', '200,000 x 10 in chunks of 262,144 elements');
    const close = (a: string, b: string) => Math.abs(Number(a) - Number(b)) <= 1e-12 * Math.abs(Number(b));
    for (const key of ['loss', 'one request', 'accuracy', 'macro f1', 'ece']) {
      t.ok(close(got[key], recorded[key]), `${key}: ${got[key]}, recorded ${recorded[key]}`);
    }
    t.ok(close(got['loss'], got['one request']), 'chunked and merged = one request, within 1e-12');
  });

  t.test('a TypeScript consumer type-checks against the installed .d.ts, and a wrong field does not', async (t) => {
    writeFileSync(
      path.join(consumer, 'consumer.ts'),
      `import { FocalLossClient, FocalLossError, type Evaluation, type LossRequest } from 'focal-loss-client';
import { ResultMerger } from 'focal-loss-client/merge';
const client = new FocalLossClient({ url: 'http://localhost:3000', apiKey: 'k' });
const request: LossRequest = { mode: 'binary', logits: [0.5], targets: [1], gamma: 2, outputs: ['loss', 'stats'] };
export async function go(): Promise<number> {
  const res = await client.loss(request);
  const ev: Evaluation = await client.evaluate(Float32Array.of(1, 2), Uint8Array.of(0, 1), { mode: 'binary', reduction: 'sum', concurrency: 2 });
  const f1: number | undefined = ev.stats?.classes[0].f1;
  // @ts-expect-error -- the service has no reduction "max"
  await client.loss({ ...request, reduction: 'max' });
  // @ts-expect-error -- stats carry no "auc"
  void res.stats?.auc;
  return res.meta.count + (f1 ?? 0) + new ResultMerger('binary', 1).c + (new FocalLossError('x', 0, 'y').status);
}
`,
    );
    // The browser's library and no Node.js types: what the .d.ts need is what a web app has.
    const compilerOptions = {
      strict: true,
      noEmit: true,
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      lib: ['ES2022', 'DOM'],
      types: [],
    };
    writeFileSync(path.join(consumer, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['consumer.ts'] }));
    const tsc = await run(process.execPath, [TSC, '-p', 'tsconfig.json'], { cwd: consumer }).then(
      () => '',
      (err: { stdout: string }) => err.stdout,
    );
    t.equal(tsc, '', 'tsc --noEmit passes (each @ts-expect-error is needed, so the wrong fields are refused)');
  });
});

browserTest(t, 'Chromium imports the package from another origin and evaluates on the service (CORS)', async (t) => {
  const context = await launchBrowser(t);
  const page = context.pages()[0] ?? (await context.newPage());
  // A web app on another origin (a port of its own) serving the package's built files as they are. A real
  // server on the loopback, like the service: Chromium refuses a page it cannot place on the loopback the
  // call to it (local network access).
  const app = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/') return void res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>client</title>');
    if (!/^\/dist\/[\w/.-]+\.js$/.test(url.pathname) || url.pathname.includes('..')) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'text/javascript' }).end(readFileSync(path.join(PACKAGE, url.pathname)));
  });
  app.listen(appPort, '127.0.0.1');
  await once(app, 'listening');
  t.teardown(() => app.close());
  await page.goto(`http://127.0.0.1:${appPort}/`);
  const result = await page.evaluate(`(async () => {
    const { FocalLossClient } = await import('/dist/index.js');
    const client = new FocalLossClient({ url: ${JSON.stringify(service.url)} });
    const ev = await client.evaluate(Float64Array.of(2.5, -1, 1000, 0.5), Float64Array.of(1, 0, 1, 0), { mode: 'binary', gamma: 0.5, chunkElements: 1 });
    const one = await client.loss({ mode: 'binary', logits: [2.5, -1, 1000, 0.5], targets: [1, 0, 1, 0], gamma: 0.5 });
    return { requests: ev.requests, loss: ev.loss, one: one.loss, gradient: Array.from(ev.gradient), oneGradient: one.gradient, node: typeof process };
  })()`);
  const r = result as { requests: number; loss: number; one: number; gradient: number[]; oneGradient: number[]; node: string };
  t.equal(r.node, 'undefined', 'a browser, not Node.js');
  t.equal(r.requests, 4, 'one request per row');
  t.ok(Math.abs(r.loss - r.one) <= 1e-12 * r.one, `merged ${r.loss} vs one request ${r.one}`);
  r.gradient.forEach((g, i) => t.ok(Math.abs(g - r.oneGradient[i]) <= 1e-12 * Math.abs(r.oneGradient[i]), `gradient ${i}`));
});
