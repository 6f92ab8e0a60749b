/**
 * Configuration: defaults, parsing, and a clear error naming the variable for a bad value.
 */
import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { availableParallelism } from 'node:os';
import { apiKeys, ConfigError, containerMemoryLimit, defaultMemoryBudget, loadConfig, usableCpus } from '../src/config.js';

t.test('defaults', async (t) => {
  const c = loadConfig({});
  t.equal(c.PORT, 3000);
  t.equal(c.HOST, '0.0.0.0');
  t.equal(c.LOG_LEVEL, 'info');
  t.equal(c.BODY_LIMIT, 64 * 1024 * 1024);
  t.equal(c.INLINE_MAX_ELEMENTS, 4096);
  t.equal(c.OFFLOAD_MIN_BYTES, 65536);
  t.equal(c.SPLIT_MIN_ELEMENTS, 1048576);
  t.equal(c.WORKER_NICE, 10);
  t.equal(c.POOL_SIZE, usableCpus());
  t.ok(c.POOL_SIZE >= 1);
});

t.test('values are parsed from strings', async (t) => {
  const c = loadConfig({ PORT: '8080', POOL_SIZE: '3', MAX_ELEMENTS: '1000', LOG_LEVEL: 'debug' });
  t.equal(c.PORT, 8080);
  t.equal(c.POOL_SIZE, 3);
  t.equal(c.MAX_ELEMENTS, 1000);
  t.equal(c.LOG_LEVEL, 'debug');
});

t.test('bad values are rejected with the variable named', async (t) => {
  for (const [k, v] of [
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['POOL_SIZE', '0'],
    ['POOL_SIZE', '1.5'],
    ['LOG_LEVEL', 'loud'],
    ['BODY_LIMIT', '-1'],
    ['INLINE_MAX_ELEMENTS', '-1'],
    ['OFFLOAD_MIN_BYTES', '-1'],
    ['SPLIT_MIN_ELEMENTS', '0.5'],
    ['WORKER_NICE', '20'],
    ['WORKER_NICE', '-1'],
  ]) {
    t.throws(() => loadConfig({ [k]: v }), { name: 'ConfigError', message: new RegExp(k) }, `${k}=${v}`);
  }
  t.ok(new ConfigError('x') instanceof Error);
});

t.test(
  'API_KEYS: keys that could never be sent as a bearer token stop the start-up, naming API_KEYS and the reason, never the key',
  async (t) => {
    const cases: [string, string, RegExp][] = [
      ['a space inside a key', 'good-key, secret key', /key 2 of 2 contains whitespace/],
      ['a tab inside a key', 'sec\tret', /key 1 of 1 contains whitespace/],
      ['a non-ASCII character', 'clé-secrète', /key 1 of 1 contains a non-ASCII or control character/],
      ['a control character', 'sec\u0001ret', /contains a non-ASCII or control character/],
      ['= before the end', 'abc=def', /has "=" before its end/],
      ['= first', '=abc', /has "=" before its end/],
      [
        'a character outside the token set',
        'k1,pass!word',
        /key 2 of 2 contains a character other than letters, digits and - \. _ ~ \+ \//,
      ],
    ];
    for (const [name, value, reason] of cases) {
      const err = (() => {
        try {
          loadConfig({ API_KEYS: value });
        } catch (e) {
          return e as Error;
        }
        return null;
      })();
      t.ok(err instanceof ConfigError, `${name}: refused`);
      t.match(err?.message, /^invalid configuration: API_KEYS /, `${name}: names API_KEYS`);
      t.match(err?.message, reason, `${name}: says why`);
      t.match(err?.message, /Authorization: Bearer <key>/, `${name}: says where the key must fit`);
      for (const key of value.split(',')) t.notOk(err?.message.includes(key.trim()), `${name}: the key itself is not printed`);
    }
  },
);

t.test('API_KEYS: every RFC 6750 b64token character is accepted, with = padding, commas and spaces around keys', async (t) => {
  const keys = ['AZaz09-._~+/', 'abc==', 'k'];
  t.same(apiKeys(loadConfig({ API_KEYS: ` ${keys.join(' , ')} ,` })), keys);
  t.doesNotThrow(() => loadConfig({ API_KEYS: '' }), 'empty: authentication off');
});

t.test('usableCpus honours a cgroup v2 CPU quota', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cpu-'));
  const file = path.join(dir, 'cpu.max');
  writeFileSync(file, '100000 100000\n');
  t.equal(usableCpus(file), 1, 'a quota of one CPU');
  writeFileSync(file, '150000 100000\n');
  t.equal(usableCpus(file), Math.min(2, availableParallelism()), '1.5 CPUs round up');
  writeFileSync(file, 'max 100000\n');
  t.equal(usableCpus(file), availableParallelism(), 'no quota');
  t.equal(usableCpus(path.join(dir, 'missing')), availableParallelism(), 'no cgroup file');
});

t.test('usableCpus honours a cgroup v1 CFS quota when there is no cgroup v2 file', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cfs-'));
  const noV2 = path.join(dir, 'no-cpu.max');
  writeFileSync(path.join(dir, 'cpu.cfs_period_us'), '100000\n');
  writeFileSync(path.join(dir, 'cpu.cfs_quota_us'), '100000\n');
  t.equal(usableCpus(noV2, dir), 1, 'a quota of one CPU');
  writeFileSync(path.join(dir, 'cpu.cfs_quota_us'), '150000\n');
  t.equal(usableCpus(noV2, dir), Math.min(2, availableParallelism()), '1.5 CPUs round up');
  writeFileSync(path.join(dir, 'cpu.cfs_quota_us'), '-1\n');
  t.equal(usableCpus(noV2, dir), availableParallelism(), 'quota -1 is no limit');
  t.equal(usableCpus(noV2, path.join(dir, 'missing')), availableParallelism(), 'no cgroup v1 files');
  const v2 = path.join(dir, 'cpu.max');
  writeFileSync(v2, 'max 100000\n');
  writeFileSync(path.join(dir, 'cpu.cfs_quota_us'), '100000\n');
  t.equal(usableCpus(v2, dir), 1, 'cgroup v2 "max" falls through to a v1 quota');
});

t.test('containerMemoryLimit reads cgroup v2 memory.max, else cgroup v1, and knows "no limit"', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mem-'));
  const v2 = path.join(dir, 'memory.max');
  const v1 = path.join(dir, 'memory.limit_in_bytes');
  const missing = path.join(dir, 'missing');
  writeFileSync(v2, '1610612736\n');
  t.equal(containerMemoryLimit(v2, v1), 1610612736, 'a v2 limit (1536 MiB)');
  writeFileSync(v2, 'max\n');
  t.equal(containerMemoryLimit(v2, v1), undefined, 'v2 without a limit');
  writeFileSync(v1, '2147483648\n');
  t.equal(containerMemoryLimit(missing, v1), 2147483648, 'a v1 limit (2 GiB)');
  writeFileSync(v1, '9223372036854771712\n');
  t.equal(containerMemoryLimit(missing, v1), undefined, 'v1 without a limit (about 2^63)');
  t.equal(containerMemoryLimit(missing, missing), undefined, 'no cgroup files');
});

t.test('the default memory budget is the container limit less the baseline and the buffers kept for reuse', async (t) => {
  const MiB = 1024 * 1024;
  t.equal(defaultMemoryBudget(undefined, 64 * MiB), 0, 'no limit: no budget');
  t.equal(defaultMemoryBudget(1536 * MiB, 64 * MiB), (1536 - 256 - 4 * 64) * MiB, 'compose: 1536 MiB');
  t.equal(defaultMemoryBudget(512 * MiB, 64 * MiB), 128 * MiB, 'a small container: at least a quarter of its limit');
  t.equal(loadConfig({ MEMORY_BUDGET_BYTES: '1000000' }).MEMORY_BUDGET_BYTES, 1000000, 'set explicitly');
  t.equal(loadConfig({ MEMORY_BUDGET_BYTES: '0' }).MEMORY_BUDGET_BYTES, 0, '0: no budget');
  t.equal(loadConfig({}).MEMORY_BUDGET_BYTES, defaultMemoryBudget(containerMemoryLimit(), 64 * MiB), 'default: from this machine');
  t.throws(() => loadConfig({ MEMORY_BUDGET_BYTES: '-1' }), { name: 'ConfigError', message: /MEMORY_BUDGET_BYTES/ });
});
