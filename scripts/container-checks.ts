/**
 * HTTP checks that scripts/container-test.sh runs against the real image in a running container.
 * Each prints one line saying what it saw and exits non-zero when the check fails.
 *
 *   tsx scripts/container-checks.ts reference URL             every reference case answers right
 *   tsx scripts/container-checks.ts workers URL N             /readyz reports N pool workers
 *   tsx scripts/container-checks.ts openapi URL               /openapi.json has the recorded examples
 *   tsx scripts/container-checks.ts stop-during-request CONTAINER URL
 *        `docker stop` while a large request is in flight: the request still gets its full,
 *        correct answer, the shutdown began while it was in flight, and the container exits 0
 */
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { allReferenceCases, postKnownAnswer, referenceRequest, tiledReferenceRequest } from '../test/helpers/known-answers.js';
import { loadRecordedExamples } from '../src/schemas/recorded-example.js';

function fail(message: string): never {
  console.error(`FAIL ${message}`);
  process.exit(1);
}

async function reference(url: string): Promise<void> {
  const cases = allReferenceCases();
  let bad = 0;
  for (const c of cases) {
    const r = await postKnownAnswer(url, referenceRequest(c));
    if (r.status !== 200 || r.mismatches.length > 0) {
      bad++;
      console.error(
        `  ${c.name}: status ${r.status} ${JSON.stringify(r.status === 200 ? r.mismatches.slice(0, 3) : r.body).slice(0, 300)}`,
      );
    }
  }
  if (bad > 0) fail(`reference: ${bad} of ${cases.length} cases wrong`);
  console.log(`reference: ${cases.length} cases answered, all within 1e-9 + 1e-7*|e|`);
}

async function workers(url: string, expected: number): Promise<void> {
  const res = await fetch(`${url}/readyz`);
  const body = (await res.json()) as { workers?: number };
  if (res.status !== 200 || body.workers !== expected)
    fail(`workers: /readyz said ${res.status} ${JSON.stringify(body)}, expected ${expected} workers`);
  console.log(`workers: /readyz reports ${body.workers} pool workers`);
}

/** The image has the files the service reads at run time: the document shows every recorded example. */
async function openapi(url: string): Promise<void> {
  const res = await fetch(`${url}/openapi.json`);
  const document = res.status === 200 ? ((await res.json()) as { paths: Record<string, Record<string, unknown>> }) : null;
  const shown = JSON.stringify(document?.paths['/loss']?.post ?? null);
  const missing = loadRecordedExamples().filter((e) => !shown.includes(`"${e.name}":{"summary"`));
  if (document === null || missing.length > 0)
    fail(`openapi: status ${res.status}, examples missing: ${missing.map((e) => e.name).join(', ')}`);
  console.log(`openapi: /openapi.json shows all ${loadRecordedExamples().length} recorded examples`);
}

async function stopDuringRequest(container: string, url: string): Promise<void> {
  const req = tiledReferenceRequest(1_000_000);
  const requestId = `stop-during-request-${Date.now()}`;
  const started = Date.now();
  const pending = postKnownAnswer(url, req, { 'x-request-id': requestId });
  // Let the body arrive and the work start, then stop the container as an orchestrator would.
  await sleep(250);
  // Asynchronously: the client must keep reading the answer while `docker stop` waits.
  const stopped = promisify(execFile)('docker', ['stop', '--time', '30', container]).catch((err: Error) =>
    fail(`docker stop: ${err.message}`),
  );
  const r = await pending;
  await stopped;
  const elapsed = Date.now() - started;
  if (r.status !== 200) fail(`the in-flight request got ${r.status}: ${JSON.stringify(r.body).slice(0, 300)}`);
  if (r.mismatches.length > 0) fail(`the in-flight request's answer is wrong: ${JSON.stringify(r.mismatches.slice(0, 3))}`);
  const exitCode = execFileSync('docker', ['inspect', '--format', '{{.State.ExitCode}}', container], { encoding: 'utf8' }).trim();
  if (exitCode !== '0') fail(`the container exited ${exitCode}`);
  // The server's own log shows the order: shutdown began, then this request completed.
  const logs = execFileSync('docker', ['logs', container], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
    .split('\n')
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as { msg?: string; reqId?: string }];
      } catch {
        return [];
      }
    });
  const shutdownAt = logs.findIndex((l) => l.msg?.startsWith('shutting down'));
  const completedAt = logs.findIndex((l) => l.reqId === requestId && l.msg === 'request completed');
  if (shutdownAt < 0 || completedAt < 0 || completedAt < shutdownAt) {
    fail(
      `the request was not in flight when the shutdown began (log positions: shutdown ${shutdownAt}, request ${completedAt}); make it larger`,
    );
  }
  if (!logs.some((l) => l.msg === 'shut down cleanly')) fail('no "shut down cleanly" in the log');
  console.log(`stop-during-request: ${req.name} answered correctly ${elapsed} ms after it was sent, across docker stop; exit code 0`);
}

const [command, ...args] = process.argv.slice(2);
switch (command) {
  case 'reference':
    await reference(args[0]);
    break;
  case 'workers':
    await workers(args[0], Number(args[1]));
    break;
  case 'openapi':
    await openapi(args[0]);
    break;
  case 'stop-during-request':
    await stopDuringRequest(args[0], args[1]);
    break;
  default:
    fail(`unknown command ${command ?? ''}; see the comment at the top of this file`);
}
