/**
 * Scale-out test: two replicas of the service (real `node dist/server.js` processes on loopback
 * ports) behind nginx running the load balancer configuration of deploy/nginx/focal-loss.conf
 * (only its upstream addresses and listen port changed for loopback), under a steady load of
 * POST /loss requests with known answers. Each replica in turn gets SIGTERM mid-load, must exit
 * 0, and is started again on its port: a rolling restart. Passes when no request failed, every
 * answer was right, and every replica process served requests.
 *
 *   npx tsx scripts/scale-out-test.ts          (needs nginx; NGINX=/path/to/nginx to choose one)
 * Run by scripts/container-test.sh; bounded in time (about 10 s of load) and loopback only.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  allReferenceCases,
  postKnownAnswer,
  referenceRequest,
  tiledReferenceRequest,
  type KnownAnswerRequest,
} from '../test/helpers/known-answers.js';
import { freePort, startServer, type RunningServer } from '../test/helpers/server-process.js';

const NGINX = process.env.NGINX ?? '/usr/sbin/nginx';
const LB_CONFIG = fileURLToPath(new URL('../deploy/nginx/focal-loss.conf', import.meta.url));
const SMALL_CLIENTS = 5; // loops sending the reference cases
const LARGE_CLIENTS = 1; // a loop sending 50k-element requests, so a drain has real work in flight
const WARM_MS = 2000; // load before the first SIGTERM, and after each restart

const failures: string[] = [];
function check(ok: boolean, message: string): void {
  if (!ok) failures.push(message);
}

/**
 * The load balancer configuration with the Compose service's upstream ("focal-loss:3000")
 * replaced by the given loopback replicas and the listen port by a loopback one. Everything
 * else (retries, keep-alive, timeouts, body size) is the file as committed.
 */
export function renderLbConfig(source: string, replicas: number[], listenPort: number): string {
  const upstream = /^(\s*)server\s+focal-loss:3000(\s[^;]*)?;/m;
  const listen = /^(\s*)listen\s+8080;/m;
  if (!upstream.test(source) || !listen.test(source)) {
    throw new Error(`${LB_CONFIG} no longer has "server focal-loss:3000 ...;" and "listen 8080;": update this test`);
  }
  return source
    .replace(upstream, (_m, indent: string, params = '') => replicas.map((p) => `${indent}server 127.0.0.1:${p}${params};`).join('\n'))
    .replace(listen, (_m, indent: string) => `${indent}listen 127.0.0.1:${listenPort};`);
}

interface Totals {
  sent: number;
  ok: number;
  failed: number;
  wrong: number;
}

function quantile(xs: number[], q: number): string {
  if (xs.length === 0) return '-';
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))].toFixed(0);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'focal-scale-out-'));
  chmodSync(dir, 0o755); // nginx's workers drop root and must reach their temp folders
  const replicaPorts = [await freePort(), await freePort()];
  const lbPort = await freePort();
  const lbConf = path.join(dir, 'focal-loss.conf');
  const mainConf = path.join(dir, 'nginx.conf');
  writeFileSync(lbConf, renderLbConfig(readFileSync(LB_CONFIG, 'utf8'), replicaPorts, lbPort));
  writeFileSync(
    mainConf,
    [
      'daemon off;',
      'worker_processes 1;',
      `pid ${dir}/nginx.pid;`,
      `error_log ${dir}/error.log warn;`,
      'events { worker_connections 1024; }',
      'http {',
      ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${dir}/${t}_temp;`),
      `  include ${lbConf};`,
      '}',
      '',
    ].join('\n'),
  );

  // The configuration logs requests to /dev/stdout: give nginx a file there (a pipe from Node is
  // a socket, which /dev/stdout cannot be opened on).
  const accessLogFile = path.join(dir, 'access.log');
  const stdout = openSync(accessLogFile, 'a');
  const test = spawnSync(NGINX, ['-t', '-e', `${dir}/error.log`, '-p', dir, '-c', mainConf], {
    encoding: 'utf8',
    stdio: ['ignore', stdout, 'pipe'],
  });
  if (test.status !== 0) throw new Error(`nginx -t failed on the rendered configuration:\n${test.stderr}`);

  const env = (port: number) => ({ PORT: String(port), POOL_SIZE: '1', SHUTDOWN_GRACE_MS: '10000' });
  const replicas: RunningServer[][] = [[await startServer(env(replicaPorts[0]))], [await startServer(env(replicaPorts[1]))]];

  const nginx = spawn(NGINX, ['-e', `${dir}/error.log`, '-p', dir, '-c', mainConf], { stdio: ['ignore', stdout, 'pipe'] });
  closeSync(stdout);
  let nginxErr = '';
  nginx.stderr!.on('data', (d) => (nginxErr += d));
  const lb = `http://127.0.0.1:${lbPort}`;
  try {
    for (let i = 0; ; i++) {
      const up = await fetch(`${lb}/lb-health`).then(
        (r) => r.ok,
        () => false,
      );
      if (up) break;
      if (i > 100 || nginx.exitCode !== null) throw new Error(`nginx did not start: ${nginxErr}`);
      await sleep(50);
    }

    const small = allReferenceCases().map(referenceRequest);
    const large = tiledReferenceRequest(50_000);
    const totals: Totals = { sent: 0, ok: 0, failed: 0, wrong: 0 };
    let stop = false;
    const smallMs: number[] = [];
    const largeMs: number[] = [];
    const answered: { start: number; end: number }[] = []; // correct answers, by wall-clock time
    const client = async (requests: KnownAnswerRequest[], offset: number) => {
      for (let i = offset; !stop; i++) {
        const req = requests[i % requests.length];
        totals.sent++;
        const t0 = performance.now();
        try {
          const r = await postKnownAnswer(lb, req);
          (requests.length > 1 ? smallMs : largeMs).push(performance.now() - t0);
          if (r.status !== 200) {
            totals.failed++;
            failures.push(`${req.name}: HTTP ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`);
          } else if (r.mismatches.length > 0) {
            totals.wrong++;
            failures.push(`${req.name}: wrong answer ${JSON.stringify(r.mismatches.slice(0, 2))}`);
          } else {
            totals.ok++;
            answered.push({ start: t0 + performance.timeOrigin, end: Date.now() });
          }
        } catch (err) {
          totals.failed++;
          failures.push(`${req.name}: ${String((err as Error).cause ?? err)}`);
        }
      }
    };
    const started = Date.now();
    const load = [
      ...Array.from({ length: SMALL_CLIENTS }, (_, k) => client(small, k * 31)),
      ...Array.from({ length: LARGE_CLIENTS }, () => client([large], 0)),
    ];

    await sleep(WARM_MS);
    // Rolling restart: one replica at a time gets SIGTERM, drains, exits, and is started again.
    const drains: string[] = [];
    const outages: { replica: number; signalled: number; back: number }[] = [];
    for (const [r, port] of replicaPorts.entries()) {
      const old = replicas[r].at(-1)!;
      const signalled = Date.now();
      old.child.kill('SIGTERM');
      const exit = await Promise.race([old.exited, sleep(20_000).then(() => ({ code: null, signal: 'timeout' }))]);
      check(exit.code === 0 && exit.signal === null, `replica ${r} exited with ${JSON.stringify(exit)} after SIGTERM, not 0`);
      drains.push(`replica ${r} drained and exited ${exit.code} in ${Date.now() - signalled} ms`);
      replicas[r].push(await startServer(env(port)));
      outages.push({ replica: r, signalled, back: Date.now() });
      await sleep(WARM_MS);
    }
    stop = true;
    await Promise.all(load);
    const seconds = (Date.now() - started) / 1000;

    // Who answered what, from each process's own log and from nginx's access log.
    const servedBy = replicas.map((generations) =>
      generations.map((s) => s.logs.filter((l) => l.url === '/loss' && l.statusCode === 200).length),
    );
    const refusedWhileDraining = replicas
      .flat()
      .reduce((n, s) => n + s.logs.filter((l) => l.url === '/loss' && l.statusCode === 503).length, 0);
    await sleep(100); // nginx writes a request's log line after its answer
    const lines = readFileSync(accessLogFile, 'utf8')
      .split('\n')
      .filter((l) => l.includes('"POST /loss'));
    const retried = lines.filter((l) => /upstream=\S+, /.test(l)).length;
    servedBy.forEach((generations, r) =>
      generations.forEach((n, g) => check(n > 0, `replica ${r} (${g === 0 ? 'before' : 'after'} its restart) served no request`)),
    );
    // The load really was steady across each restart: requests were in flight when the SIGTERM
    // came, and others were answered while that replica was draining or restarting.
    for (const { replica, signalled, back } of outages) {
      const inFlight = answered.filter((a) => a.start < signalled && a.end > signalled).length;
      const duringOutage = answered.filter((a) => a.start >= signalled && a.end <= back).length;
      drains.push(
        `replica ${replica}: ${inFlight} requests in flight at SIGTERM, ${duringOutage} answered while it was out (${back - signalled} ms)`,
      );
      check(inFlight > 0, `no request was in flight when replica ${replica} got SIGTERM`);
      check(duringOutage > 0, `no request was answered while replica ${replica} was out`);
    }
    check(lines.length === totals.sent, `nginx logged ${lines.length} POST /loss, the clients sent ${totals.sent}`);

    console.log(drains.join('\n'));
    console.log(
      `scale-out: sent ${totals.sent} requests in ${seconds.toFixed(1)} s through nginx to 2 replicas with a rolling restart: ` +
        `${totals.ok} correct, ${totals.failed} failed, ${totals.wrong} wrong answers; ` +
        `served per replica [before, after restart] ${JSON.stringify(servedBy)}; ` +
        `${refusedWhileDraining} answered 503 by a draining replica and ${retried} retried by nginx on the other`,
    );
    console.log(
      `latency (ms): reference cases p50 ${quantile(smallMs, 0.5)} p99 ${quantile(smallMs, 0.99)}; ${large.name} p50 ${quantile(largeMs, 0.5)} max ${quantile(largeMs, 1)}`,
    );
  } finally {
    nginx.kill('SIGQUIT');
    for (const s of replicas.flat()) if (s.child.exitCode === null) s.child.kill('SIGKILL');
    await Promise.race([new Promise((r) => nginx.once('exit', r)), sleep(5000)]);
    if (nginx.exitCode === null) nginx.kill('SIGKILL');
    if (process.env.KEEP_DIR) console.log(`kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

try {
  await main();
} catch (err) {
  failures.push(String((err as Error).stack ?? err));
}
if (failures.length > 0) {
  console.error(`FAIL scale-out: ${failures.length} problem(s)\n  ${failures.slice(0, 20).join('\n  ')}`);
  process.exit(1);
}
console.log('PASS scale-out: zero failed requests, every answer correct');
