/**
 * `focal-loss eval --url` against the real service process: the result equals local compute;
 * API keys (flag or FOCAL_LOSS_API_KEY); 503 overloaded and 429 rate-limited chunks are retried
 * after Retry-After until they succeed; a refused connection is retried a bounded number of
 * times; a service error stops the run with one line naming the rows and the service's reason.
 */
import t from 'tap';
import { Fixtures, lcg, near, runCli } from '../helpers/cli.js';
import { freePort, startServer, type RunningServer } from '../helpers/server-process.js';
import { buildTestApp } from '../helpers/app.js';

// The default wire: binary-encoded chunks.
const WIRE: string[] = [];

async function server(env: Record<string, string> = {}): Promise<RunningServer> {
  const s = await startServer(env);
  t.teardown(() => void s.child.kill('SIGKILL'));
  return s;
}

const fx = await Fixtures.create(t);
const rand = lcg(99);
const n = 2000;
const c = 5;
const files = [
  '--mode',
  'multiclass',
  '--json',
  ...WIRE,
  '--logits',
  await fx.npy(
    'z.npy',
    Float64Array.from({ length: n * c }, () => (rand() - 0.5) * 8),
    [n, c],
  ),
  '--targets',
  await fx.npy(
    'y.npy',
    Int32Array.from({ length: n }, () => Math.floor(rand() * c)),
  ),
];
const app = await buildTestApp(t);
const local = await runCli(['eval', ...files, '--gradient-out', fx.path('g-local.npy')], { pool: app.focalPool });
const localOut = JSON.parse(local.stdout);

t.test('remote chunks with several in flight give the local result', async (t) => {
  const s = await server();
  const run = await runCli([
    'eval',
    ...files,
    '--url',
    s.url + '/',
    '--chunk-rows',
    '150',
    '--concurrency',
    '4',
    '--gradient-out',
    fx.path('g-remote.npy'),
  ]);
  t.equal(run.code, 0, run.stderr);
  const out = JSON.parse(run.stdout);
  t.ok(
    Math.abs(out.loss - localOut.loss) <= 1e-13 * Math.abs(localOut.loss),
    'the same loss (to a few ulp: chunk sums are merged in another order)',
  );
  // Per-class sums are added in another order (chunks of 150 rows against one chunk): a few ulp.
  near(t, out.stats, localOut.stats, 1e-13);
  t.same(out.meta, localOut.meta);
  const isChunk = (l: Record<string, unknown>) => l.msg === 'request completed' && String(l.reqId).startsWith('focal-loss-eval-');
  const requests = await s.logsMatching(isChunk, 14);
  t.equal(requests.length, 14, 'one request per chunk of 150 rows, each with its own request id');
  t.equal(new Set(requests.map((l) => l.reqId)).size, 14, 'ids all different');
  const table = await runCli(['eval', ...files.filter((a) => a !== '--json'), '--url', s.url]);
  t.match(table.stdout, new RegExp(`· ${s.url.replace(/[.]/g, '\\.')}, 4 requests in flight, binary wire\\n$`));
});

t.test('a sweep and a loss variant: remote chunks give the local result', async (t) => {
  const s = await server();
  for (const extra of [
    ['--sweep-gamma', '0,1,3', '--sweep-alpha', 'none,0.5'],
    ['--variant', 'poly1', '--epsilon', '0.5', '--gamma', '1,2,0.5,1,3'],
  ]) {
    const args = ['eval', ...files, ...extra, '--chunk-rows', '300'];
    const alone = await runCli(args, { pool: app.focalPool });
    t.equal(alone.code, 0, alone.stderr);
    const remote = await runCli([...args, '--url', s.url]);
    t.equal(remote.code, 0, remote.stderr);
    near(t, JSON.parse(remote.stdout), JSON.parse(alone.stdout), 1e-13, extra.join(' '));
  }
});

t.test('ignored rows, per-class alpha and smoothing: remote chunks on either wire give the local result', async (t) => {
  const s = await server();
  const ids = Int32Array.from({ length: n }, (_, i) => (i % 7 === 3 ? 255 : Math.floor(rand() * c)));
  const args = [
    ...files.slice(0, files.indexOf('--targets')),
    '--targets',
    await fx.npy('y-ignored.npy', ids),
    '--ignore-index',
    '255',
    '--alpha',
    '0.5,1,2,1,0.25',
    '--label-smoothing',
    '0.05',
    '--chunk-rows',
    '333',
  ];
  const alone = await runCli(['eval', ...args], { pool: app.focalPool });
  t.equal(alone.code, 0, alone.stderr);
  const expected = JSON.parse(alone.stdout);
  t.equal(expected.meta.count, n - ids.filter((v) => v === 255).length, 'ignored rows are not counted');
  t.equal(expected.meta.ignore_index, 255);
  for (const wire of ['binary', 'json']) {
    const remote = await runCli(['eval', ...args, '--wire', wire, '--url', s.url]);
    t.equal(remote.code, 0, remote.stderr);
    near(t, JSON.parse(remote.stdout), expected, 1e-13);
  }
});

t.test('a normalizer with remote chunks: the chunks are summed by the service and the merged sum divided once', async (t) => {
  const s = await server();
  const withNormalizer = [...files, '--normalizer', '7', '--chunk-rows', '700'];
  const remote = await runCli(['eval', ...withNormalizer, '--url', s.url]);
  t.equal(remote.code, 0, remote.stderr);
  const alone = await runCli(['eval', ...withNormalizer], { pool: app.focalPool });
  const expected = JSON.parse(alone.stdout);
  t.equal(expected.meta.denominator, 7);
  near(t, JSON.parse(remote.stdout), expected, 1e-13);
});

t.test('API keys: refused without one (one line, exit 1); accepted from --api-key or FOCAL_LOSS_API_KEY', async (t) => {
  const s = await server({ API_KEYS: 'k-one,k-two' });
  const refused = await runCli(['eval', ...files, '--url', s.url]);
  t.equal(refused.code, 1);
  t.match(refused.stderr, /^focal-loss: service error on rows 0\.\.\d+: 401 unauthorized: .+\n$/);
  t.equal((await runCli(['eval', ...files, '--url', s.url, '--api-key', 'k-one'])).code, 0);
  const fromEnv = await runCli(['eval', ...files, '--url', s.url], { env: { FOCAL_LOSS_API_KEY: 'k-two' } });
  t.equal(fromEnv.code, 0);
  near(t, JSON.parse(fromEnv.stdout).stats, localOut.stats, 1e-13);
});

t.test('503 overloaded chunks are retried after Retry-After until every chunk is computed', async (t) => {
  // One worker and no queue: of 8 chunks sent at once, all but one are refused at first.
  const s = await server({ POOL_SIZE: '1', POOL_MAX_QUEUE: '0' });
  // The JSON wire: each chunk takes the server longer to parse, so 8 arrive while one computes.
  const run = await runCli([
    'eval',
    ...files.filter((a) => a !== '--json'),
    '--wire',
    'json',
    '--url',
    s.url,
    '--chunk-rows',
    '250',
    '--concurrency',
    '8',
  ]);
  t.equal(run.code, 0, run.stderr);
  const refused = s.logs.filter((l) => l.statusCode === 503).length;
  t.ok(refused > 0, `the service refused ${refused} requests`);
  t.match(run.stdout, new RegExp(`· ${refused} retr(y|ies)\\n$`), 'the summary counts the retries');
  t.match(run.stdout, /^focal loss /);
  const json = await runCli(['eval', ...files, '--url', s.url, '--chunk-rows', '250', '--concurrency', '8']);
  near(t, JSON.parse(json.stdout).stats, localOut.stats, 1e-13, 'and the result is the same');
});

t.test('429 rate-limited chunks wait for the window named by Retry-After', async (t) => {
  // One request per window and two in flight: the second of every pair is refused, however slow
  // the machine (with three per window, a loaded machine could pace them under the limit).
  const s = await server({ RATE_LIMIT_MAX: '1', RATE_LIMIT_WINDOW_MS: '1000' });
  const started = Date.now();
  const run = await runCli(['eval', ...files, '--url', s.url, '--chunk-rows', '400', '--concurrency', '2']);
  t.equal(run.code, 0, run.stderr);
  const limited = await s.logsMatching((l) => l.statusCode === 429, 1);
  t.ok(limited.length >= 1, 'some chunks were rate limited');
  t.ok(Date.now() - started >= 4000, '5 requests at 1 per second take at least four more windows');
  near(t, JSON.parse(run.stdout).stats, localOut.stats, 1e-13);
});

t.test('a refused connection is retried 3 times, then one line', async (t) => {
  const port = await freePort();
  const started = Date.now();
  const run = await runCli(['eval', ...files, '--url', `http://127.0.0.1:${port}`]);
  t.equal(run.code, 1);
  t.match(
    run.stderr,
    new RegExp(`^focal-loss: service error on rows 0\\.\\.\\d+: POST http://127\\.0\\.0\\.1:${port}/loss: ECONNREFUSED\\n$`),
  );
  t.ok(Date.now() - started >= 1400, 'after backing off 200 + 400 + 800 ms');
});

t.test('a service error stops the run with the rows and the reason', async (t) => {
  const s = await server({ MAX_ELEMENTS: '1000' });
  const run = await runCli(['eval', ...files, '--url', s.url, '--chunk-rows', '300']);
  t.equal(run.code, 1);
  t.match(
    run.stderr,
    /^focal-loss: service error on rows \d+\.\.\d+: 413 too-many-elements: logits has 300 x 5 = 1500 elements; this service accepts at most 1000 per request .*\n$/,
  );
  t.equal(run.stdout, '');
});

t.test('a service too old to report the p_t histogram is named, not merged wrongly', async (t) => {
  const { createServer } = await import('node:http');
  const old = createServer((req, res) => {
    req.resume();
    req.on('end', () =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          loss: 1,
          stats: {
            count: 1,
            classes: [{ class: 0, support: 1, loss_sum: 1, tp: 1, fp: 0, fn: 0, precision: 1, recall: 1, suggested_alpha: 1 }],
          },
          meta: { count: 1 },
        }),
      ),
    );
  });
  old.listen(0, '127.0.0.1');
  await new Promise((r) => old.once('listening', r));
  t.teardown(() => old.close());
  const url = `http://127.0.0.1:${(old.address() as { port: number }).port}`;
  const run = await runCli(['eval', ...files, '--url', url]);
  t.equal(run.code, 1);
  t.equal(run.stderr, `focal-loss: the service at ${url} answered without stats.classes[].pt_histogram: it is older than this command\n`);
});
