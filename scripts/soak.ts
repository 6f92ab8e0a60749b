/**
 * npm run soak: minutes of mixed traffic against the real server (node dist/server.js) at a
 * concurrency above the pool's size: valid requests (answers checked against the kernels run
 * here), invalid ones, oversized ones and ones the client abandons. Reports requests, a status
 * histogram, 5xx count (must be 0), wrong answers (must be 0), server RSS at start/middle/end and
 * the largest event-loop delay seen, and writes docs/reliability.md.
 *
 *   SOAK_MINUTES=2 SOAK_CONCURRENCY=8 npm run soak
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { gzipSync } from 'node:zlib';
import { focalLoss } from '../src/kernels/focal.js';
import { decodeLossRequest } from '../src/tensors/decode-loss-request.js';
import { encodeLossResponse } from '../src/tensors/encode-loss-response.js';
import type { LossRequest } from '../src/schemas/loss-request.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MINUTES = Number(process.env.SOAK_MINUTES ?? 2);
const CONCURRENCY = Number(process.env.SOAK_CONCURRENCY ?? 8);
const POOL_SIZE = Number(process.env.SOAK_POOL_SIZE ?? 2);
const BODY_LIMIT = 1 << 20;

interface Case {
  name: string;
  request: Record<string, unknown>;
  expected: Record<string, unknown>;
}
const cases: Case[] = ['cases-regular.json', 'cases-extreme.json'].flatMap(
  (f) => (JSON.parse(readFileSync(`${ROOT}test/fixtures/reference/${f}`, 'utf8')) as { cases: Case[] }).cases,
);

function expectedFor(request: Record<string, unknown>) {
  const decoded = decodeLossRequest(request as LossRequest, { maxElements: 1e8, maxClasses: 1e6 });
  return encodeLossResponse(decoded, focalLoss(decoded.batch));
}

function close(a: unknown, e: unknown): boolean {
  if (typeof e === 'number') return typeof a === 'number' && Math.abs(a - e) <= 1e-9 + 1e-7 * Math.abs(e);
  if (Array.isArray(e)) return Array.isArray(a) && a.length === e.length && e.every((v, i) => close(a[i], v));
  if (e !== null && typeof e === 'object')
    return a !== null && typeof a === 'object' && Object.entries(e).every(([k, v]) => close((a as Record<string, unknown>)[k], v));
  return a === e;
}

function randomBatch(): Record<string, unknown> {
  const n = 200 + Math.floor(Math.random() * 3000);
  const c = 2 + Math.floor(Math.random() * 30);
  const logits = Array.from({ length: n }, () => Array.from({ length: c }, () => Math.round((Math.random() - 0.5) * 2000) / 100));
  return { mode: 'multiclass', logits, targets: Array.from({ length: n }, () => Math.floor(Math.random() * c)), gamma: 1.5 };
}

const INVALID = [
  '{"mode":"binary","logits":["0.5"],"targets":[1]}',
  '{"mode":"multiclass","logits":[[1,2],[3]],"targets":[0,1]}',
  '{"mode":"binary","logits":[1,2],"targets":[1]',
  '{"mode":"binary","logits":[1e999],"targets":[1]}',
  `{"mode":"binary","logits":${'['.repeat(100)}${']'.repeat(100)},"targets":[1]}`,
  '{"mode":"multiclass","logits":[[1,2]],"targets":[7]}',
];

/**
 * Hostile but legal requests from the red-team run (issue 13), with the answer each must get:
 * a 3 KB gzip body whose JSON answer would be ~6.5 MB (over RESPONSE_LIMIT = 4 x BODY_LIMIT:
 * 422 before any work), and a logit at the float64 edge (a finite loss, 200).
 */
const zeros = (bytes: number) => Buffer.alloc(bytes).toString('base64');
const HOSTILE_GZIP = gzipSync(
  JSON.stringify({
    mode: 'multilabel',
    logits: { dtype: 'float32', shape: [2048, 64], data: zeros(2048 * 64 * 4) },
    targets: { dtype: 'uint8', shape: [2048, 64], data: zeros(2048 * 64) },
    reduction: 'none',
    outputs: ['loss', 'gradient', 'losses'],
  }),
);
const EDGE_REQUEST = { mode: 'binary', logits: [1e308, -1.7e308, 0.5], targets: [0, 1, 1], gamma: 0.5, reduction: 'sum' };
const EDGE_EXPECTED = expectedFor(EDGE_REQUEST);

async function hostile(): Promise<void> {
  if (Math.random() < 0.5) {
    const res = await fetch(`${base}/loss`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: HOSTILE_GZIP,
    });
    count(`${res.status} (gzip, answer too large)`);
    const body = (await res.json()) as { code?: string };
    if (res.status !== 422 || body.code !== 'answer-too-large') noteWrong(res.status, body);
  } else {
    const res = await fetch(`${base}/loss`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(EDGE_REQUEST),
    });
    count(`${res.status} (logits at the float64 edge)`);
    const body = await res.json();
    if (res.status !== 200 || !close(body, { loss: EDGE_EXPECTED.loss, gradient: EDGE_EXPECTED.gradient })) noteWrong(res.status, body);
  }
}

function noteWrong(status: number, body: unknown): void {
  wrong++;
  if (wrongExamples.length < 5) wrongExamples.push(`${status} ${JSON.stringify(body).slice(0, 200)}`);
}

async function freePort(): Promise<number> {
  const s = createServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as { port: number }).port;
  s.close();
  return port;
}

function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const server = spawn(process.execPath, [`${ROOT}dist/server.js`], {
  env: {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    POOL_SIZE: String(POOL_SIZE),
    POOL_MAX_QUEUE: '256',
    BODY_LIMIT: String(BODY_LIMIT),
    LOG_LEVEL: 'warn',
  },
  stdio: ['ignore', 'pipe', 'inherit'],
});
// The server's warnings and errors (LOG_LEVEL warn) are kept for the report, not thrown away.
const serverLog: string[] = [];
server.stdout!.setEncoding('utf8').on('data', (chunk: string) => serverLog.push(chunk));
for (let i = 0; i < 100; i++) {
  try {
    if ((await fetch(`${base}/readyz`)).ok) break;
  } catch {
    /* not up yet */
  }
  await new Promise((r) => setTimeout(r, 100));
}

const statuses = new Map<string, number>();
let requests = 0;
let wrong = 0;
const wrongExamples: string[] = [];
const count = (k: string) => statuses.set(k, (statuses.get(k) ?? 0) + 1);
const deadline = Date.now() + MINUTES * 60_000;
const rss: { t: number; bytes: number }[] = [];
const probeMs: number[] = [];
let maxLagSeconds = -1;
// V8 heap in use when /metrics is scraped (nodejs_heap_size_used_bytes): a leak of JS objects shows here even when RSS
// (which also holds freed memory the allocator keeps) looks flat, and vice versa.
const heapUsed: number[] = [];

async function one(): Promise<void> {
  const r = Math.random();
  requests++;
  try {
    if (r < 0.5 || r >= 0.65) {
      // Valid: a reference case or a random batch, checked against the kernels run here.
      const isCase = r < 0.5;
      const c = isCase ? cases[Math.floor(Math.random() * cases.length)] : null;
      const request = c ? c.request : randomBatch();
      const expected = c ? c.expected : expectedFor(request);
      if (r >= 0.9) {
        // Abandoned: the client gives up after a few milliseconds.
        const ctl = new AbortController();
        setTimeout(() => ctl.abort(), Math.random() * 30);
        try {
          const res = await fetch(`${base}/loss`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(request),
            signal: ctl.signal,
          });
          count(String(res.status));
          await res.arrayBuffer();
        } catch {
          count('client-aborted');
        }
        return;
      }
      const res = await fetch(`${base}/loss`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(request),
      });
      count(String(res.status));
      const body = await res.json();
      if (
        res.status !== 200 ||
        !close(body, c ? expected : { loss: (expected as { loss: number }).loss, gradient: (expected as { gradient: unknown }).gradient })
      ) {
        noteWrong(res.status, body);
      }
    } else if (r < 0.56) {
      const res = await fetch(`${base}/loss`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: INVALID[Math.floor(Math.random() * INVALID.length)],
      });
      count(String(res.status));
      await res.arrayBuffer();
    } else if (r < 0.6) {
      await hostile();
    } else {
      // Oversized: past BODY_LIMIT. The server answers 413 from Content-Length and may close
      // the connection while the client is still uploading, which fetch reports as an error.
      const n = 200_000;
      try {
        const res = await fetch(`${base}/loss`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ mode: 'binary', logits: new Array(n).fill(0.123456789), targets: new Array(n).fill(1) }),
        });
        count(String(res.status));
        await res.arrayBuffer();
      } catch {
        count('413-closed-during-upload');
      }
    }
  } catch (err) {
    count(`error:${(err as Error).name}`);
  }
}

async function loop(): Promise<void> {
  while (Date.now() < deadline) await one();
}

const monitor = setInterval(async () => {
  rss.push({ t: Date.now(), bytes: rssOf(server.pid!) });
  const t0 = performance.now();
  try {
    await (await fetch(`${base}/healthz`)).arrayBuffer();
  } catch {
    /* counted by the load loops */
  }
  probeMs.push(performance.now() - t0);
  try {
    const text = await (await fetch(`${base}/metrics`)).text();
    const m = /^nodejs_eventloop_lag_max_seconds (\S+)$/m.exec(text);
    if (m) maxLagSeconds = Math.max(maxLagSeconds, Number(m[1]));
    const heap = /^nodejs_heap_size_used_bytes (\S+)$/m.exec(text);
    if (heap) heapUsed.push(Number(heap[1]));
  } catch {
    /* no metrics endpoint */
  }
}, 1000);

const started = Date.now();
await Promise.all(Array.from({ length: CONCURRENCY }, loop));
clearInterval(monitor);
server.kill('SIGTERM');
const [exitCode] = (await once(server, 'exit')) as [number | null];

const fivexx = [...statuses].filter(([s]) => /^5/.test(s)).reduce((a, [, n]) => a + n, 0);
const mb = (b: number) => (b / 2 ** 20).toFixed(1);
const third = Math.floor(rss.length / 3);
const rssStart = rss[Math.min(2, rss.length - 1)]?.bytes ?? 0;
const rssMiddle = rss[Math.floor(rss.length / 2)]?.bytes ?? 0;
const rssEnd = rss[rss.length - 1]?.bytes ?? 0;
function heapThirds(): string {
  if (heapUsed.length < 3) return 'n/a';
  const size = Math.floor(heapUsed.length / 3);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return [0, 1, 2].map((k) => mb(median(heapUsed.slice(k * size, (k + 1) * size)))).join(' / ');
}
const rssMax = Math.max(...rss.map((r) => r.bytes));
function percentile(xs: number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}
const lastThirdMax = Math.max(...rss.slice(2 * third).map((r) => r.bytes));
const firstThirdMax = Math.max(...rss.slice(0, Math.max(third, 1)).map((r) => r.bytes));
const seconds = (Date.now() - started) / 1000;

const rows: [string, string][] = [
  ['date', new Date().toISOString()],
  ['cpu', `${cpus()[0]?.model ?? 'unknown'} x ${cpus().length}`],
  ['node', process.version],
  ['duration', `${seconds.toFixed(0)} s`],
  ['concurrency / POOL_SIZE', `${CONCURRENCY} / ${POOL_SIZE}`],
  ['requests', String(requests)],
  ['requests/s', (requests / seconds).toFixed(1)],
  ['status histogram', JSON.stringify(Object.fromEntries([...statuses].sort()))],
  ['5xx (must be 0)', String(fivexx)],
  ['wrong answers (must be 0)', String(wrong)],
  ['server RSS start / middle / end / max (MiB)', `${mb(rssStart)} / ${mb(rssMiddle)} / ${mb(rssEnd)} / ${mb(rssMax)}`],
  ['RSS max, first third vs last third (MiB)', `${mb(firstThirdMax)} vs ${mb(lastThirdMax)}`],
  ['V8 heap used, median of first third / middle third / last third (MiB)', heapThirds()],
  [
    'max event-loop delay (nodejs_eventloop_lag_max_seconds)',
    maxLagSeconds < 0 ? 'n/a (no /metrics)' : `${(maxLagSeconds * 1000).toFixed(1)} ms`,
  ],
  ['/healthz latency under load, p99 / max', `${percentile(probeMs, 0.99).toFixed(1)} / ${Math.max(0, ...probeMs).toFixed(1)} ms`],
  ['server exit code after SIGTERM', String(exitCode)],
];
const table = rows.map(([k, v]) => `| ${k} | ${v} |`).join('\n');
console.log(table);
if (wrongExamples.length) console.log('wrong answers, first few:\n' + wrongExamples.join('\n'));
const serverWarnings = serverLog
  .join('')
  .split('\n')
  .filter((line) => line.trim() !== '');
if (serverWarnings.length)
  console.log(`server warnings and errors (${serverWarnings.length}), first few:\n` + serverWarnings.slice(0, 20).join('\n'));

mkdirSync(`${ROOT}docs`, { recursive: true });
writeFileSync(
  `${ROOT}docs/reliability.md`,
  `# Reliability: soak run

\`npm run soak\` (scripts/soak.ts) runs the real server (\`node dist/server.js\`, POOL_SIZE=${POOL_SIZE},
BODY_LIMIT=1 MiB) under ${CONCURRENCY} concurrent clients for ${MINUTES} minute(s). Each client loops over a
mix: 50% reference cases (answers compared with the expected values), 25% random multiclass batches of
200-3200 rows x 2-31 classes (compared with the kernels run in the soak process), 10% such batches
abandoned by the client after 0-30 ms, 6% invalid bodies (400 expected), 4% hostile but legal requests (a
3 KB gzip body whose JSON answer would be ~6.5 MB: 422 answer-too-large expected; logits of 1e308 and
-1.7e308: the finite loss expected), 5% bodies over BODY_LIMIT (413 expected; the server may close the
connection during the upload, counted as 413-closed-during-upload).
Every second it samples the server's RSS, the latency of /healthz, and nodejs_eventloop_lag_max_seconds
from /metrics when the endpoint exists.

| measure | value |
|---|---|
${table}

The latest run is the one above; re-run with \`SOAK_MINUTES=10 npm run soak\` for a longer one.
`,
);
process.exit(fivexx === 0 && wrong === 0 && exitCode === 0 ? 0 : 1);
