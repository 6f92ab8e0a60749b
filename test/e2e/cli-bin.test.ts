/**
 * The installed command (package.json "bin" -> dist/cli/bin.js) as a real process: `eval`
 * prints its result and exits 0, piped output has no progress bar, an error is one line on
 * stderr with exit code 1; `serve` starts the service as `npm start` does and stops on SIGTERM.
 */
import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Fixtures } from '../helpers/cli.js';
import { freePort } from '../helpers/server-process.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { bin: Record<string, string> };
const BIN = fileURLToPath(new URL(`../../${pkg.bin['focal-loss']}`, import.meta.url));

t.test('eval: the result on stdout, nothing else on stderr when piped, exit 0', async (t) => {
  const fx = await Fixtures.create(t);
  const args = [
    'eval',
    '--mode',
    'binary',
    '--json',
    '--logits',
    await fx.npy('z.npy', Float64Array.from([2.5, -1, 1000])),
    '--targets',
    await fx.npy('y.npy', Float64Array.from([1, 0, 1])),
    '--gamma',
    '0.5',
  ];
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH } });
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stderr, '');
  t.equal(JSON.parse(r.stdout).loss, 0.04242470988636499, 'the README example, read from .npy files');
  t.ok(readFileSync(BIN, 'utf8').startsWith('#!/usr/bin/env node\n'), 'runs as an executable');
});

t.test('an error: one line, exit 1', async (t) => {
  const r = spawnSync(
    process.execPath,
    [BIN, 'eval', '--mode', 'binary', '--logits', '/nonexistent/z.npy', '--targets', '/nonexistent/y.npy'],
    { encoding: 'utf8' },
  );
  t.equal(r.status, 1);
  t.equal(r.stdout, '');
  t.equal(r.stderr, 'focal-loss: /nonexistent/z.npy: no such file\n');
});

t.test('serve: the service, configured from the environment, until SIGTERM', async (t) => {
  const port = await freePort();
  const child = spawn(process.execPath, [BIN, 'serve'], {
    env: { PATH: process.env.PATH, PORT: String(port), HOST: '127.0.0.1', POOL_SIZE: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.teardown(() => void child.kill('SIGKILL'));
  let out = '';
  // A busy CI machine can take many seconds to start it: the test waits for the log line (tap's
  // timeout bounds the wait), or fails at once if the process exits first.
  const listening = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      if (/listening/i.test(out)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code} before listening: ${out}`)));
  });
  await listening;
  t.match(out, /listening/i, 'it logs that it listens');
  const res = await fetch(`http://127.0.0.1:${port}/healthz`);
  t.equal(res.status, 200);
  child.kill('SIGTERM');
  const [code] = await once(child, 'exit');
  t.equal(code, 0, 'exits 0 after draining');
});
