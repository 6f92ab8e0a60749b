/**
 * Worker threads run below the main thread's CPU priority (WORKER_NICE): checked on the real
 * pool by reading every thread's nice value from /proc, and the rule that a thread's priority is
 * only ever lowered. Linux only: elsewhere a thread has no nice value of its own.
 */
import t from 'tap';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { FocalPool } from '../../src/pool/focal-pool.js';
import { sigmoidBatch } from '../helpers/batches.js';
import { currentThreadId, lowerThreadPriority } from '../../src/pool/thread-priority.js';

const linux = existsSync('/proc/thread-self');

/** Every thread of this process, with its nice value (field 19 of /proc/<pid>/task/<tid>/stat). */
function threadNices(): Map<number, number> {
  const out = new Map<number, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      // The command name is in parentheses and may hold spaces: count fields after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(tid), Number(fields[16]));
    } catch {
      // A thread that ended between the listing and the read.
    }
  }
  return out;
}

/** The nice values of threads that appeared while the pool started and computed. */
async function poolThreadNices(workerNice: number | undefined): Promise<number[]> {
  const before = new Set(threadNices().keys());
  const pool = new FocalPool({ size: 2, maxQueue: 10, ...(workerNice === undefined ? {} : { workerNice }) });
  try {
    // Two tasks at once: both workers have loaded the worker module (which sets the priority).
    await Promise.all([pool.run(sigmoidBatch({})), pool.run(sigmoidBatch({}))]);
    return [...threadNices()].filter(([tid]) => !before.has(tid)).map(([, nice]) => nice);
  } finally {
    await pool.close();
  }
}

t.test('the workers run at WORKER_NICE, the main thread at its own priority', { skip: !linux && 'Linux only' }, async (t) => {
  const main = os.getPriority(process.pid);
  const expected = Math.max(7, main);
  const nices = await poolThreadNices(7);
  t.equal(nices.filter((n) => n === expected).length, 2, `two new threads (the workers) at nice ${expected}: ${nices.join(', ')}`);
  t.equal(os.getPriority(process.pid), main, 'the main thread keeps its priority');
  t.ok(
    [...threadNices()].some(([tid, nice]) => tid === process.pid && nice === main),
    'the main thread, read from /proc, is unchanged too',
  );
});

t.test("workerNice 0 leaves the workers at the main thread's priority", { skip: !linux && 'Linux only' }, async (t) => {
  const main = os.getPriority(process.pid);
  const nices = await poolThreadNices(0);
  t.ok(nices.length >= 2, 'the workers started');
  t.ok(
    nices.every((n) => n === main),
    `every new thread at the main thread's nice ${main}: ${nices.join(', ')}`,
  );
});

// Last: it raises the nice value of this test process's main thread, which cannot be undone
// without privileges (each test file runs in a process of its own).
t.test("a thread's priority is only ever lowered: a higher inherited nice is kept", { skip: !linux && 'Linux only' }, async (t) => {
  t.equal(currentThreadId(), process.pid, "the main thread's id is the process id");
  t.equal(lowerThreadPriority(0), os.getPriority(process.pid), '0 changes nothing and reports the nice value');
  const raised = lowerThreadPriority(Math.max(12, os.getPriority(process.pid)));
  t.equal(raised, Math.max(12, os.getPriority(process.pid)), 'raised to 12 (the main thread is the calling thread here)');
  t.equal(lowerThreadPriority(5), raised, 'asking for 5 afterwards keeps it');
  // New threads inherit their creator's nice; asking for 5 must not lower it to 5 (which would need privileges anyway).
  const nices = await poolThreadNices(5);
  t.ok(nices.length >= 2, 'the workers started');
  t.ok(
    nices.every((n) => n === raised),
    `every new thread keeps the inherited nice ${raised!}: ${nices.join(', ')}`,
  );
});
