/**
 * A worker terminated while it loads its module must end that worker, not the process.
 *
 * piscina terminates the worker of an aborted task (a client that leaves) and starts another,
 * which loads the worker file the way piscina does: require() first. On Node 20, require() of an
 * ES module that is terminated while its graph is instantiated aborts the whole process (V8 fatal
 * "v8::Module::IsGraphAsync must be used on an instantiated module"); measured here with the ES
 * module worker file, this loop aborted the process after 18, 121 and 255 terminations, and the
 * service died within 70 s under 16 clients abandoning requests. The service's worker file is a
 * CommonJS module that import()s the worker (src/worker-entry.cts). The test loads the compiled
 * file the pool uses (dist/), as the service runs it.
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { WORKER_URL } from '../../dist/pool/focal-pool.js';

const ROUNDS = 400;

// Three loaders at a time; each started worker requires the file as piscina's worker does and is
// terminated after 0-300 ms, which covers its whole load (about 260 ms here).
const SCRIPT = `
const { Worker } = require('node:worker_threads');
const target = process.argv[1];
let left = ${ROUNDS};
async function loader() {
  while (left-- > 0) {
    const w = new Worker('Promise.resolve(require(' + JSON.stringify(target) + ')).then(() => {}, () => {});', { eval: true });
    w.on('error', () => {});
    await new Promise((r) => setTimeout(r, Math.random() * 300));
    await w.terminate();
  }
}
Promise.all([loader(), loader(), loader()]).then(() => console.log('survived'));
`;

t.test(`${ROUNDS} workers terminated while loading the pool's worker file: the process lives`, async (t) => {
  const target = fileURLToPath(WORKER_URL);
  t.match(target, /dist\/worker-entry\.cjs$/, 'the compiled worker file the pool loads');
  const child = spawn(process.execPath, ['-e', SCRIPT, target], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
  t.same({ code, signal }, { code: 0, signal: null }, `exits 0 (stderr: ${err.slice(0, 300)})`);
  t.equal(out.trim(), 'survived');
  t.notMatch(err, /FATAL ERROR/);
});
