/**
 * Runs the focal-loss command in-process (cli/main.ts, so coverage sees it) with captured
 * stdout/stderr, and writes .npy / text fixtures into a fresh temporary directory.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Test } from 'tap';
import { main } from '../../src/cli/main.js';
import { npyHeader } from '../../src/files/npy.js';
import { FocalPool } from '../../src/pool/focal-pool.js';

/**
 * One worker pool for a test file's local evaluations: a worker under tap's TypeScript loader
 * takes seconds to start, so each evaluation starting its own would dominate the suite's time.
 */
export function sharedPool(t: Test, size = 2): FocalPool {
  const pool = new FocalPool({ size, maxQueue: 64 });
  t.teardown(() => pool.close());
  return pool;
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export async function runCli(
  args: string[],
  options: { env?: Record<string, string>; tty?: boolean; columns?: number; pool?: FocalPool } = {},
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s), isTTY: options.tty ?? false, columns: options.columns },
    env: options.env ?? {},
    pool: options.pool,
  });
  return { code, stdout, stderr };
}

type NpyArray = Float64Array | Float32Array | Int32Array | BigInt64Array | Uint8Array;

const DESCR = new Map<unknown, '<f8' | '<f4' | '<i4' | '<i8' | '|u1'>([
  [Float64Array, '<f8'],
  [Float32Array, '<f4'],
  [Int32Array, '<i4'],
  [BigInt64Array, '<i8'],
  [Uint8Array, '|u1'],
]);

export class Fixtures {
  private constructor(readonly dir: string) {}

  static async create(t: Test): Promise<Fixtures> {
    const dir = await mkdtemp(path.join(tmpdir(), 'focal-cli-'));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    return new Fixtures(dir);
  }

  path(name: string): string {
    return path.join(this.dir, name);
  }

  /** A C-order little-endian .npy file of `array` with `shape`. */
  async npy(name: string, array: NpyArray, shape: number[] = [array.length]): Promise<string> {
    const header = npyHeader(DESCR.get(array.constructor)!, shape);
    const p = this.path(name);
    await writeFile(p, Buffer.concat([header, Buffer.from(array.buffer, array.byteOffset, array.byteLength)]));
    return p;
  }

  async text(name: string, content: string): Promise<string> {
    const p = this.path(name);
    await writeFile(p, content);
    return p;
  }
}

/** A deterministic pseudo-random generator (LCG) in [0, 1). */
export function lcg(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

export type Json = Record<string, any>;

/** Every number in `actual` within `rel` of `expected` (same structure otherwise). */
export function near(t: Test, actual: unknown, expected: unknown, rel: number, where = ''): void {
  if (typeof expected === 'number') {
    const a = actual as number;
    const ok = a === expected || Math.abs(a - expected) <= rel * Math.max(Math.abs(expected), 1e-300);
    if (!ok) t.fail(`${where}: ${a} vs ${expected}`);
    return;
  }
  if (Array.isArray(expected) || (typeof expected === 'object' && expected !== null)) {
    t.same(Object.keys(actual as object), Object.keys(expected as object), `${where} keys`);
    for (const k of Object.keys(expected as object)) near(t, (actual as Json)[k], (expected as Json)[k], rel, `${where}/${k}`);
    return;
  }
  t.equal(actual, expected, where);
}
