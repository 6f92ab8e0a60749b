/**
 * The `focal-loss` command installed outside the repository, as the README says to: `npm pack`
 * of the built package, `npm install -g` of the tarball into a temporary prefix, then the
 * installed command run from an unrelated directory: `--version` names the package's version,
 * and `eval` computes the README example from .npy files with the installed package's own
 * worker threads and WebAssembly kernels (so the tarball holds everything dist/ needs).
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Fixtures } from '../helpers/cli.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };

async function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env) {
  const child = spawn(command, args, { cwd, env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const [code] = await once(child, 'exit');
  return { code: code as number | null, stdout, stderr };
}

t.test('npm pack, npm install -g of the tarball, focal-loss from anywhere', async (t) => {
  t.ok(existsSync(path.join(ROOT, 'dist/cli/bin.js')), 'dist/ is built (npm test builds before tap)');
  const fx = await Fixtures.create(t);
  const packDir = path.join(fx.dir, 'pack');
  const prefix = path.join(fx.dir, 'prefix');
  const elsewhere = path.join(fx.dir, 'elsewhere');
  for (const dir of [packDir, elsewhere]) mkdirSync(dir);

  // --ignore-scripts: dist/ is already built; `npm pack` alone would rebuild it first (prepare).
  const packed = await run('npm', ['pack', '--ignore-scripts', '--pack-destination', packDir], ROOT);
  t.equal(packed.code, 0, 'npm pack', { stderr: packed.stderr });
  const tarballs = readdirSync(packDir);
  t.same(tarballs, [`${pkg.name}-${pkg.version}.tgz`]);
  const listing = packed.stderr + packed.stdout;
  t.match(listing, /dist\/cli\/bin\.js/, 'the command is in the tarball');
  t.match(listing, /dist\/kernels\/focal-kernels\.wasm/, 'and the WebAssembly kernels');
  t.notMatch(listing, /\bsrc\/|\btest\//, 'sources and tests are not');

  const installed = await run(
    'npm',
    ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', path.join(packDir, tarballs[0])],
    elsewhere,
  );
  t.equal(installed.code, 0, 'npm install -g of the tarball', { stderr: installed.stderr });
  const bin = path.join(prefix, 'bin', 'focal-loss');
  t.ok(existsSync(bin), `${bin} is linked`);

  // From an unrelated directory, with only the prefix's bin (and node) on PATH.
  const env = { PATH: `${path.join(prefix, 'bin')}:${path.dirname(process.execPath)}`, HOME: fx.dir };
  const version = await run('focal-loss', ['--version'], elsewhere, env);
  t.equal(version.code, 0, version.stderr);
  t.equal(version.stdout, `focal-loss ${pkg.version} (${pkg.name})\n`, 'the installed version');

  const logits = await fx.npy('z.npy', Float64Array.from([2.5, -1, 1000]));
  const targets = await fx.npy('y.npy', Float64Array.from([1, 0, 1]));
  const evaluated = await run(
    'focal-loss',
    ['eval', '--mode', 'binary', '--json', '--logits', logits, '--targets', targets, '--gamma', '0.5'],
    elsewhere,
    env,
  );
  t.equal(evaluated.code, 0, evaluated.stderr);
  const fromRepo = await run(
    process.execPath,
    [path.join(ROOT, 'dist/cli/bin.js'), 'eval', '--mode', 'binary', '--json', '--logits', logits, '--targets', targets, '--gamma', '0.5'],
    elsewhere,
  );
  t.equal(fromRepo.code, 0);
  t.same(JSON.parse(evaluated.stdout), JSON.parse(fromRepo.stdout), "the installed command answers as the repository's does");
});
