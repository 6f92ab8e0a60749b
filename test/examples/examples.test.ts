/**
 * The client examples run against the real service: the curl scripts (JSON and binary-encoded
 * bodies) and, where python3 has numpy and requests, the Python client; each prints the
 * values the service's own tests expect.
 */
import t from 'tap';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { startServer } from '../helpers/server-process.js';

const run = promisify(execFile);
const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url));
const server = await startServer({ API_KEYS: 'example-key' });
t.teardown(() => void server.child.kill('SIGKILL'));
const env = { PATH: process.env.PATH, FOCAL_LOSS_URL: server.url, FOCAL_LOSS_API_KEY: 'example-key' };

// Checked before any test starts: a subtest cannot be added once the others have finished.
const python = await run('python3', ['-c', 'import numpy, requests']).then(
  () => true,
  () => false,
);

t.test('curl with JSON arrays', async (t) => {
  const { stdout } = await run('bash', [`${EXAMPLES}curl/json.sh`], { env });
  const body = JSON.parse(stdout);
  t.equal(body.loss, 0.04242470988636499);
  t.same(body.gradient, [-0.002577754806837606, 0.04971358044990465, 0]);
});

t.test('curl with binary-encoded tensors: the same loss, the gradient decoded from base64', async (t) => {
  const { stdout } = await run('bash', [`${EXAMPLES}curl/binary.sh`], { env });
  const response = JSON.parse(stdout.split('response:\n')[1].split('\n')[0]);
  t.equal(response.loss, 0.04242470988636499);
  t.match(response.gradient, { dtype: 'float64', shape: [3] });
  const decoded = stdout.split('gradient, decoded:\n')[1].trim().split(/\s+/).map(Number);
  t.same(decoded, [-0.002577754806837606, 0.04971358044990465, 0]);
});

t.test(
  'the Python client (requests + numpy, base64 tensors)',
  { skip: python ? false : 'python3 with numpy and requests is not installed' },
  async (t) => {
    const { stdout } = await run('python3', [`${EXAMPLES}python/focal_loss_client.py`], { env, timeout: 120_000 });
    const service = Number(/focal loss \(service\) ([\d.]+)/.exec(stdout)![1]);
    const numpy = Number(/focal loss \(numpy\) +([\d.]+)/.exec(stdout)![1]);
    t.ok(Math.abs(service - numpy) <= 1e-9 * numpy, `service ${service} = numpy ${numpy}`);
    t.match(stdout, /gradient: float64 \(100000, 5\); largest \|row sum\| \d\.\de-\d\d/);
    t.match(stdout, /^car +\d+ +[\d.]+%/m);
  },
);
