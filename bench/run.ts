/**
 * `npm run bench`: kernel throughput against PyTorch, and the service end to end with
 * autocannon, measured side by side in one run. Prints one table and writes
 * docs/benchmarks.md (date, CPU, Node version, the table, and each target with its ratio).
 *
 * Environment:
 *   TORCH_FOCAL   path of torch_focal.py (default bench/torch_focal.py, relative to
 *                 the repository); its rows are skipped, with a message, when it or torch is missing
 *   TORCH_PYTHON  the Python that has torch (default /usr/bin/python3 when present, else python3)
 *   BENCH_QUICK=1 fewer runs and shorter load phases (a smoke test of the benchmark itself)
 *   BENCH_ONLY    kernels | service: run one half (the targets of the other are then not measured)
 */
import { spawn, spawnSync } from 'node:child_process';
import http from 'node:http';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { encodedBody, jsonBody, makeBatch, oipBinaryBody, type Mode } from './data.js';
import { ROOT, TORCH_PYTHON, torchArgs, torchUnavailable } from './torch.js';
import { startHealthProbe } from '../scripts/health-probe-process.js';

const QUICK = process.env.BENCH_QUICK === '1';
const KERNEL_RUNS = QUICK ? 3 : 5;
const LOAD_SECONDS = QUICK ? 3 : 10;

interface Row {
  section: string;
  name: string;
  values: Record<string, string>;
}
const rows: Row[] = [];
const notes: string[] = [];
const targets: { target: string; measured: string; met: boolean | null }[] = [];

function row(section: string, name: string, values: Record<string, string | number>): void {
  const v: Record<string, string> = {};
  for (const [k, x] of Object.entries(values)) v[k] = typeof x === 'number' ? fmt(x) : x;
  rows.push({ section, name, values: v });
  console.log(
    `${section} | ${name} | ${Object.entries(v)
      .map(([k, x]) => `${k} ${x}`)
      .join(', ')}`,
  );
}

function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  return a >= 100 ? x.toFixed(0) : a >= 10 ? x.toFixed(1) : a >= 1 ? x.toFixed(2) : x.toFixed(3);
}

function target(text: string, ratio: number | null, threshold: number, higherIsBetter = true, unit = 'x'): void {
  const met = ratio === null ? null : higherIsBetter ? ratio >= threshold : ratio <= threshold;
  targets.push({ target: text, measured: ratio === null ? 'not measured' : `${fmt(ratio)}${unit}`, met });
}

// ---------------------------------------------------------------- kernels vs PyTorch

const KERNEL_CASES: [Mode, number, number][] = [
  ['binary', 8_000_000, 1],
  ['multilabel', 100_000, 80],
  ['multiclass', 100_000, 80],
  ['multiclass', 10_000, 1000],
];

interface KernelResult {
  impl?: string;
  median_ms: number;
  melem_per_s: number;
}

function runJson(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): KernelResult | string {
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 20, env });
  if (r.status !== 0) return (r.stderr || r.error?.message || `exit ${r.status}`).trim().split('\n').slice(-1)[0];
  return JSON.parse(r.stdout.trim().split('\n').slice(-1)[0]) as KernelResult;
}

/** Torch's time for each kernel case, for the end-to-end comparison (posting a batch vs computing it locally). */
const torchMs = new Map<string, number>();

function benchKernels(): Map<string, number> {
  const kernelMs = new Map<string, number>();
  const missing = torchUnavailable();
  if (missing) {
    console.log(missing);
    notes.push(missing);
  }
  const tsx = path.join(ROOT, 'node_modules/.bin/tsx');
  // As the service runs (npm start, the image): huge pages for large buffers.
  const env = { ...process.env, GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1' };
  const kernel = (impl: string, mode: Mode, n: number, c: number, gamma: number) =>
    runJson(tsx, ['bench/kernel-case.ts', mode, String(n), String(c), String(gamma), String(KERNEL_RUNS), impl], env);
  for (const [mode, n, c] of KERNEL_CASES) {
    for (const gamma of [2, 1.5]) {
      const name = `${mode} ${c === 1 ? `N=${n / 1e6}M` : `${n / 1000}k x ${c}`} gamma ${gamma}`;
      const ts = kernel('ts', mode, n, c, gamma);
      if (typeof ts === 'string') throw new Error(`kernel case ${name} failed: ${ts}`);
      const wasm = kernel('wasm', mode, n, c, gamma);
      if (typeof wasm === 'string') throw new Error(`kernel case ${name} (wasm) failed: ${wasm}`);
      kernelMs.set(`${mode} ${n} ${c} ${gamma}`, wasm.median_ms);
      const values: Record<string, string | number> = {
        'ts ms': ts.median_ms,
        [`${wasm.impl} ms`]: wasm.median_ms,
        'wasm Melem/s': wasm.melem_per_s,
      };
      let ratio: number | null = null;
      if (!missing) {
        // PyTorch as a user runs it (its allocator's defaults), and with the same huge-page setting as ours.
        const args = torchArgs(mode, n, c, gamma, KERNEL_RUNS);
        const torch = runJson(TORCH_PYTHON, args);
        const torchHuge = runJson(TORCH_PYTHON, args, env);
        if (typeof torch === 'string' || typeof torchHuge === 'string') {
          values['torch'] = `failed: ${typeof torch === 'string' ? torch : torchHuge}`;
        } else {
          ratio = torch.median_ms / wasm.median_ms;
          torchMs.set(`${mode} ${n} ${c} ${gamma}`, torch.median_ms);
          Object.assign(values, {
            'torch ms': torch.median_ms,
            'torch huge-page ms': torchHuge.median_ms,
            'ts / torch': `${fmt(torch.median_ms / ts.median_ms)}x`,
            'wasm / torch': `${fmt(ratio)}x`,
            'wasm / torch huge-page': `${fmt(torchHuge.median_ms / wasm.median_ms)}x`,
          });
        }
      }
      row('kernel (1 thread, float32 in)', name, values);
      if (gamma === 2 && (c === 1 || (c === 80 && mode === 'multilabel'))) target(`kernel >= 2x PyTorch (1 thread): ${name}`, ratio, 2);
      if (gamma === 2 && c === 80 && mode === 'multiclass') target(`kernel >= 1.5x PyTorch (1 thread): ${name}`, ratio, 1.5);
    }
  }
  return kernelMs;
}

// ---------------------------------------------------------------- the service

interface Server {
  pid: number;
  url: string;
  probe(): { maxDelayMs: number; p99DelayMs: number; busyMs: number };
  resetPeak(): void;
  rssMb(): { rss: number; peak: number };
  stop(): Promise<void>;
}

async function startServer(script: string[], env: Record<string, string>): Promise<Server> {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const probeFile = path.join(tmpdir(), `focal-bench-probe-${process.pid}-${port}.jsonl`);
  rmSync(probeFile, { force: true });
  const child = spawn(process.execPath, ['--import', path.join(ROOT, 'bench/event-loop-probe.mjs'), ...script], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, PORT: String(port), HOST: '127.0.0.1', BENCH_PROBE_FILE: probeFile, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d;
      if (/listening/i.test(buf)) resolve();
      if (buf.length > 1e5) buf = buf.slice(-1e4);
    });
    child.on('exit', (code) => reject(new Error(`${script.join(' ')} exited with ${code} before listening`)));
  });
  child.stdout!.resume();
  const pid = child.pid!;
  let lines = 0;
  return {
    pid,
    url: `http://127.0.0.1:${port}/loss`,
    probe() {
      process.kill(pid, 'SIGUSR2');
      for (let i = 0; i < 500; i++) {
        const text = existsSync(probeFile) ? readFileSync(probeFile, 'utf8') : '';
        const all = text.endsWith('\n') ? text.trim().split('\n') : []; // complete lines only
        if (all.length > lines) {
          lines = all.length;
          return JSON.parse(all[all.length - 1]);
        }
        spawnSync('sleep', ['0.01']);
      }
      throw new Error('the event-loop probe did not answer');
    },
    resetPeak() {
      writeFileSync(`/proc/${pid}/clear_refs`, '5'); // resets VmHWM to the current RSS
    },
    rssMb() {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)![1]);
      return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
    },
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(probeFile, { force: true });
    },
  };
}

interface Load {
  reqPerSec: number;
  p50: number;
  p99: number;
  requests: number;
  seconds: number;
  errors: number;
  /** 503 answers: load shedding (under-pressure) or a full queue, not failures. */
  shed: number;
  maxDelayMs: number;
  busyMsPerRequest: number;
  idleRssMb: number;
  peakRssMb: number;
}

interface LoadOptions {
  connections: number;
  duration?: number;
  amount?: number;
  timeout?: number;
  /** Another route than POST /loss, with its own headers (the OIP binary request). */
  path?: string;
  headers?: Record<string, string>;
  /**
   * `sequential`: one request at a time (`amount` of them) from Node's own HTTP client, which
   * only counts the answer's bytes. For the large one-at-a-time rows: autocannon appends every
   * chunk of an answer to a string (`req.body += data`), so a 32 MB binary /v2 answer became a
   * UTF-16 string of replacement characters in the load generator, on the same two cores: /v2
   * measured 750-1000 ms under autocannon and 300-420 ms from this client, against the same server.
   */
  client?: 'autocannon' | 'sequential';
}

/** `amount` requests one after another on one keep-alive connection; latencies in ms, and non-2xx answers. */
async function sequential(url: string, body: string | Buffer, headers: Record<string, string>, amount: number, timeoutS: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const payload = typeof body === 'string' ? Buffer.from(body) : body;
  const latencies: number[] = [];
  let failed = 0;
  try {
    for (let i = 0; i < amount; i++) {
      const started = performance.now();
      const status = await new Promise<number>((resolve, reject) => {
        const req = http.request(
          url,
          { method: 'POST', agent, headers: { ...headers, 'content-length': payload.length }, timeout: timeoutS * 1000 },
          (res) => {
            res.on('data', () => {});
            res.on('end', () => resolve(res.statusCode ?? 0));
            res.on('error', reject);
          },
        );
        req.on('timeout', () => req.destroy(new Error('timeout')));
        req.on('error', reject);
        req.end(payload);
      }).catch(() => 0);
      latencies.push(performance.now() - started);
      if (status < 200 || status > 299) failed++;
    }
  } finally {
    agent.destroy();
  }
  return { latencies, failed };
}

/**
 * Polls GET /healthz every 20 ms until stopped, from a process of its own (scripts/health-probe.mjs:
 * this process's event loop is busy sending the load); returns the latencies (ms).
 */
function pollHealth(server: Server): { stop(): Promise<number[]> } {
  return startHealthProbe(new URL('/healthz', server.url).href, 20);
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function load(server: Server, body: string | Buffer, opts: LoadOptions): Promise<Load> {
  server.probe(); // start a fresh measurement
  const idle = server.rssMb().rss;
  server.resetPeak();
  const started = performance.now();
  if (opts.client === 'sequential') {
    const url = new URL(opts.path ?? '/loss', server.url).href;
    const run = await sequential(url, body, opts.headers ?? { 'content-type': 'application/json' }, opts.amount ?? 1, opts.timeout ?? 120);
    const seconds = (performance.now() - started) / 1000;
    const probe = server.probe();
    return {
      reqPerSec: run.latencies.length / seconds,
      p50: percentile(run.latencies, 50),
      p99: percentile(run.latencies, 99),
      requests: run.latencies.length,
      seconds,
      errors: run.failed,
      shed: 0,
      maxDelayMs: probe.maxDelayMs,
      busyMsPerRequest: probe.busyMs / Math.max(1, run.latencies.length),
      idleRssMb: idle,
      peakRssMb: server.rssMb().peak,
    };
  }
  const result = await autocannon({
    url: opts.path === undefined ? server.url : new URL(opts.path, server.url).href,
    method: 'POST',
    headers: opts.headers ?? { 'content-type': 'application/json' },
    body,
    connections: opts.connections,
    ...(opts.amount !== undefined ? { amount: opts.amount } : { duration: opts.duration }),
    timeout: opts.timeout ?? 120,
  });
  const seconds = (performance.now() - started) / 1000;
  const probe = server.probe();
  const requests = result.requests.total;
  const shed = result.statusCodeStats?.['503']?.count ?? 0;
  const errors = result.errors + result.timeouts + result.non2xx - shed;
  return {
    reqPerSec: opts.amount !== undefined ? requests / seconds : result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests,
    seconds,
    errors,
    shed,
    maxDelayMs: probe.maxDelayMs,
    busyMsPerRequest: probe.busyMs / Math.max(1, requests),
    idleRssMb: idle,
    peakRssMb: server.rssMb().peak,
  };
}

function loadRow(name: string, l: Load, extra: Record<string, string | number> = {}): void {
  row('service end to end', name, {
    'req/s': l.reqPerSec,
    'p50 ms': l.p50,
    'p99 ms': l.p99,
    'peak RSS MB': l.peakRssMb,
    'idle RSS MB': l.idleRssMb,
    'max loop delay ms': l.maxDelayMs,
    'main-thread ms/req': l.busyMsPerRequest,
    requests: l.requests,
    'shed (503)': l.shed,
    errors: l.errors,
    ...extra,
  });
  if (l.errors > 0) notes.push(`${name}: ${l.errors} requests failed`);
  if (l.shed > 0)
    notes.push(`${name}: ${l.shed} requests were shed with 503 (event-loop delay over PRESSURE_MAX_EVENT_LOOP_DELAY_MS, or a full queue)`);
}

async function benchService(kernelMs: Map<string, number>): Promise<void> {
  // GLIBC_TUNABLES as `npm start` and the container image set it.
  const env = { POOL_SIZE: '2', BODY_LIMIT: String(512 * 1024 * 1024), LOG_LEVEL: 'info', GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1' };
  const service = await startServer(['dist/server.js'], env);
  const bare = await startServer(['bench/bare-server.mjs'], env);
  try {
    // Small JSON batches: the service against the least work the same round trip can do.
    const small = jsonBody(makeBatch('multiclass', 64, 10));
    await load(service, small, { connections: 32, duration: 2 }); // warm-up
    await load(bare, small, { connections: 32, duration: 2 });
    const s = await load(service, small, { connections: 32, duration: LOAD_SECONDS });
    const b = await load(bare, small, { connections: 32, duration: LOAD_SECONDS });
    loadRow('small JSON 64 x 10 multiclass, 32 connections: service', s);
    loadRow('small JSON 64 x 10 multiclass, 32 connections: bare Fastify route', b);
    target('small JSON: service req/s >= 70% of the bare route', s.reqPerSec / b.reqPerSec, 0.7);
    target('small JSON: service p99 <= 2x the bare route', s.p99 / Math.max(b.p99, 1), 2, false);

    const medium = jsonBody(makeBatch('multiclass', 4096, 80));
    loadRow('medium JSON 4096 x 80 multiclass, 8 connections', await load(service, medium, { connections: 8, duration: LOAD_SECONDS }));

    // Large: 8M float32 logits and uint8 labels, binary-encoded (float32 gradient back) and as JSON.
    const big = makeBatch('binary', 8_000_000, 1);
    const encoded = encodedBody(big, { encoding: 'base64', dtype: 'float32' });
    const payloadBytes = big.logits.byteLength + big.labels.byteLength;
    // One at a time: Node's HTTP client (LoadOptions.client says why not autocannon).
    const oneAtATime = { connections: 1, client: 'sequential' } as const;
    await load(service, encoded, { ...oneAtATime, amount: 1 }); // warm-up
    const one = await load(service, encoded, { ...oneAtATime, amount: QUICK ? 2 : 4 });
    loadRow('large binary-encoded 8M binary, one at a time', one, { 'body MB': encoded.length / 1e6 });
    const json = jsonBody(big);
    const j = await load(service, json, { ...oneAtATime, amount: 1, timeout: 600 });
    loadRow('large JSON 8M binary (the same request), one at a time', j, { 'body MB': json.length / 1e6 });
    const health = pollHealth(service);
    const four = await load(service, encoded, { connections: 4, amount: QUICK ? 4 : 8 });
    const healthMs = await health.stop();
    loadRow('large binary-encoded 8M binary, 4 concurrent (POOL_SIZE=2)', four, {
      'healthz p99 ms': percentile(healthMs, 99),
      'healthz max ms': Math.max(...healthMs),
    });
    // The same four on one worker: what the second worker adds.
    const single = await startServer(['dist/server.js'], { ...env, POOL_SIZE: '1' });
    let fourOnOne: Load;
    try {
      await load(single, encoded, { connections: 1, amount: 1 }); // warm-up
      fourOnOne = await load(single, encoded, { connections: 4, amount: QUICK ? 4 : 8 });
    } finally {
      await single.stop();
    }
    loadRow('large binary-encoded 8M binary, 4 concurrent (POOL_SIZE=1)', fourOnOne);
    // The same batch over the Open Inference Protocol with binary tensor data: no JSON.parse of
    // a large string and no base64 either way.
    const oip = oipBinaryBody(big);
    const oipLoad = { ...oneAtATime, path: '/v2/models/focal_loss_binary/infer', headers: oip.headers };
    await load(service, oip.body, { ...oipLoad, amount: 1 }); // warm-up
    const v2 = await load(service, oip.body, { ...oipLoad, amount: QUICK ? 2 : 4 });
    loadRow('large OIP binary tensor data 8M binary (/v2 infer), one at a time', v2, { 'body MB': oip.body.length / 1e6 });

    const kernel = kernelMs.get('binary 8000000 1 2');
    const torch = torchMs.get('binary 8000000 1 2');
    target(
      '8M binary, base64 POST /loss end to end vs PyTorch computing it locally (1 thread): speed ratio >= 1.0x',
      torch === undefined ? null : torch / one.p50,
      1,
    );
    target('  stretch: >= 2x', torch === undefined ? null : torch / one.p50, 2);
    target('the same batch as JSON arrays is >= 15x slower than as base64', j.p50 / one.p50, 15);
    target('main-thread time per 8M base64 request <= 20 ms', one.busyMsPerRequest, 20, false, ' ms');
    target('max event-loop delay while 4 such requests run <= 50 ms', four.maxDelayMs, 50, false, ' ms');
    target('/healthz p99 while 4 such requests run <= 50 ms', percentile(healthMs, 99), 50, false, ' ms');
    target('4 concurrent 8M requests: POOL_SIZE=2 vs POOL_SIZE=1 throughput >= 1.8x', four.reqPerSec / fourOnOne.reqPerSec, 1.8);
    const rssRatio = (one.peakRssMb - one.idleRssMb) / (payloadBytes / 1e6);
    target('peak RSS during one 8M base64 request <= idle + 3x the raw payload', rssRatio, 3, false, 'x payload');
    notes.push(
      `The same large batch over /v2 with binary tensor data: p50 ${fmt(v2.p50)} ms (${torch === undefined ? '-' : `${fmt(torch / v2.p50)}x PyTorch's local time`}, ` +
        `${fmt(one.p50 / v2.p50)}x faster than base64 in JSON), main thread ${fmt(v2.busyMsPerRequest)} ms per request, max event-loop delay ${fmt(v2.maxDelayMs)} ms.`,
    );
    notes.push(
      `Large request: raw payload ${fmt(payloadBytes / 1e6)} MB (8M float32 + 8M uint8), body ${fmt(encoded.length / 1e6)} MB binary-encoded, ` +
        `${fmt(json.length / 1e6)} MB as JSON; kernel alone (binary 8M gamma 2, from the kernel rows) ${kernel === undefined ? 'not measured' : `${fmt(kernel)} ms`}, ` +
        `PyTorch ${torch === undefined ? 'not measured' : `${fmt(torch)} ms`}.`,
    );
  } finally {
    await service.stop();
    await bare.stop();
  }
}

// ---------------------------------------------------------------- report

/** One table per section; its columns are every key its rows have (a row without one shows "-"). */
function table(): string {
  const out: string[] = [];
  const sections = [...new Set(rows.map((r) => r.section))];
  for (const section of sections) {
    const inSection = rows.filter((r) => r.section === section);
    const keys = [...new Set(inSection.flatMap((r) => Object.keys(r.values)))];
    out.push('', `### ${section}`, '', `| case | ${keys.join(' | ')} |`, `|---|${keys.map(() => '---:').join('|')}|`);
    for (const r of inSection) out.push(`| ${r.name} | ${keys.map((k) => r.values[k] ?? '-').join(' | ')} |`);
  }
  return out.join('\n');
}

function loadAverage(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return 'unknown';
  }
}

const startedAt = new Date();
const loadBefore = loadAverage();
const only = process.env.BENCH_ONLY;
const kernelMs = only === 'service' ? new Map<string, number>() : benchKernels();
if (only !== 'kernels') await benchService(kernelMs);
const loadAfter = loadAverage();

const cpu = cpus()[0]?.model ?? 'unknown';
const header = [
  '# Benchmarks',
  '',
  `Written by \`npm run bench\` (bench/run.ts) on ${startedAt.toISOString()}${QUICK ? ' (BENCH_QUICK: short runs)' : ''}.`,
  '',
  `- CPU: ${cpu}, ${cpus().length} logical CPUs; Node ${process.version}; load average before ${loadBefore}, after ${loadAfter}`,
  '- Kernel rows: median of the runs, one thread, float32 logits, loss + gradient + statistics, each in its own process with',
  '  GLIBC_TUNABLES=glibc.malloc.hugetlb=1 as the service runs (ts: the JS kernel; wasm: the WebAssembly SIMD kernel the',
  '  workers run; torch: `torch_focal.py`, forward + backward, float32, run as a user would (default allocator settings) and',
  '  with the same huge-page setting). Ratio = torch time / our time (above 1: faster than PyTorch).',
  '- Service rows: the real server (`node dist/server.js`, POOL_SIZE=2, LOG_LEVEL=info) under autocannon, except the large',
  "  one-at-a-time rows, sent by Node's HTTP client, which counts the answer's bytes without decoding them (autocannon builds",
  '  each answer as a string, which for a 32 MB binary /v2 answer cost its process more than the service spent); end to end',
  '  is from the request sent to the last byte of the answer received; max loop delay and main-thread ms/req from an',
  "  event-loop probe inside the server; peak RSS is the server's VmHWM during the row.",
].join('\n');
const targetLines = [
  '',
  '## Targets (issue 12)',
  '',
  '| target | measured | met |',
  '|---|---:|:---:|',
  ...targets.map((x) => `| ${x.target} | ${x.measured} | ${x.met === null ? 'n/a' : x.met ? 'yes' : 'no'} |`),
];
const doc = [header, table(), ...targetLines, '', ...(notes.length > 0 ? ['## Notes', '', ...notes.map((n) => `- ${n}`)] : []), ''].join(
  '\n',
);
mkdirSync(path.join(ROOT, 'docs'), { recursive: true });
writeFileSync(path.join(ROOT, 'docs/benchmarks.md'), doc);
console.log(table());
console.log(targetLines.join('\n'));
console.log('\nwritten: docs/benchmarks.md');
