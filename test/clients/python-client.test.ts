/**
 * The Python client (clients/python) as a user gets it: installed with pip into a fresh venv
 * (Debian's python3 with its numpy, requests and pytest, which scripts/ensure-python.sh installs;
 * offline: no PyPI), then its pytest suite run against the real service from dist/ (API keys on,
 * and a MAX_ELEMENTS small enough that large batches must be chunked). Where the Python packages
 * are missing the test is skipped with the reason, except under CI=true, where that is a failure.
 */
import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { once } from 'node:events';
import { startServer } from '../helpers/server-process.js';

const PYTHON = process.env.FOCAL_PYTHON ?? '/usr/bin/python3';
const PACKAGE_DIR = fileURLToPath(new URL('../../clients/python/', import.meta.url));
const API_KEY = 'python-client-test-key';
const MAX_ELEMENTS = 2_000_000;

function missingPython(): string | null {
  if (!existsSync(PYTHON)) return `${PYTHON} is missing`;
  const probe = spawnSync(PYTHON, ['-c', 'import numpy, requests, pytest, venv, ensurepip, setuptools'], { encoding: 'utf8' });
  return probe.status === 0
    ? null
    : `${PYTHON} lacks numpy, requests, pytest, venv or setuptools (scripts/ensure-python.sh installs the Debian packages as root): ${probe.stderr.trim().split('\n').pop()}`;
}

async function run(command: string, args: string[], options: { cwd: string; env?: Record<string, string> }) {
  const child = spawn(command, args, { cwd: options.cwd, env: { PATH: process.env.PATH, PYTHONDONTWRITEBYTECODE: '1', ...options.env } });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const [code] = await once(child, 'exit');
  return { code: code as number | null, output };
}

const missing = missingPython();
const skip = missing !== null && process.env.CI !== 'true' ? missing : false;

t.test('pip install ./clients/python in a venv, then its tests against the real service', { skip }, async (t) => {
  if (missing !== null) {
    t.fail(`CI=true and the Python client cannot be tested: ${missing}`);
    return;
  }
  const work = mkdtempSync(path.join(tmpdir(), 'focal-python-'));
  t.teardown(() => rmSync(work, { recursive: true, force: true }));
  // A copy, so the build's byproducts (build/, *.egg-info) stay out of the repository.
  const source = path.join(work, 'focal-loss-client');
  cpSync(PACKAGE_DIR, source, { recursive: true, filter: (p) => !/(__pycache__|\.egg-info|\/build)$/.test(p) });
  const venv = path.join(work, 'venv');
  const made = await run(PYTHON, ['-m', 'venv', '--system-site-packages', venv], { cwd: work });
  t.equal(made.code, 0, 'python3 -m venv', { output: made.output });
  const python = path.join(venv, 'bin', 'python');
  // As a Debian user without PyPI: numpy and requests come from Debian (--system-site-packages).
  const installed = await run(python, ['-m', 'pip', 'install', '--no-deps', '--no-build-isolation', '--no-index', source], { cwd: work });
  t.equal(installed.code, 0, 'pip install (offline, Debian numpy and requests)', { output: installed.output.slice(-2000) });
  const where = await run(
    python,
    [
      '-c',
      'import focal_loss_client as m, os; print(m.__file__); print(os.path.exists(os.path.join(os.path.dirname(m.__file__), "py.typed")))',
    ],
    { cwd: work },
  );
  const [file, typed] = where.output.trim().split('\n');
  t.ok(file.startsWith(venv), `imported from the venv: ${file}`);
  t.equal(typed, 'True', 'py.typed is installed (typed package)');

  const server = await startServer({ API_KEYS: API_KEY, MAX_ELEMENTS: String(MAX_ELEMENTS) });
  t.teardown(() => {
    server.child.kill('SIGTERM');
    return server.exited;
  });
  const tests = await run(python, ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', path.join(source, 'tests')], {
    cwd: work,
    env: { FOCAL_LOSS_URL: server.url, FOCAL_LOSS_API_KEY: API_KEY, FOCAL_LOSS_MAX_ELEMENTS: String(MAX_ELEMENTS) },
  });
  t.equal(tests.code, 0, 'pytest', { output: tests.output.slice(-4000) });
  const passed = Number(/(\d+) passed/.exec(tests.output)?.[1] ?? 0);
  t.ok(passed >= 13, `${passed} Python tests passed`);
  t.notMatch(tests.output, /failed|error/i, 'nothing failed');
});
