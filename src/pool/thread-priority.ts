/**
 * The workers' CPU priority. On a busy machine the main thread must win the CPU from the
 * workers: it accepts connections, answers /healthz and /readyz, decides admission and writes
 * answers, while a worker's kernel can wait a few milliseconds without anyone noticing. With
 * every thread at the same priority, two workers computing large batches on two cores left the
 * event loop waiting for a core: measured with four 8M requests in flight, /healthz p99 140-210 ms
 * and the longest event-loop delay 80-135 ms; with the workers at nice 10, 76-113 ms and 51-117 ms,
 * at the same throughput (docs/where-time-goes.md). When the main thread is idle the workers
 * still get every core: nice only decides who runs when both want to.
 *
 * Linux keeps a nice value per thread (a thread is a task with its own id), so a worker lowers
 * its own priority without touching the main thread. Elsewhere (no /proc/thread-self) nothing
 * changes. Raising nice needs no privilege; lowering it would, so an already higher nice (a
 * process started with `nice`) is kept.
 */
import { readlinkSync } from 'node:fs';
import os from 'node:os';

/** The kernel's id of the calling thread, or null where it cannot be known (not Linux). */
export function currentThreadId(): number | null {
  try {
    // "/proc/thread-self" links to "<pid>/task/<tid>".
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    return Number.isInteger(tid) && tid > 0 ? tid : null;
  } catch {
    return null;
  }
}

/**
 * Lowers the calling thread's priority to at least `nice` (0-19; 0 leaves it as it is). Returns
 * the thread's nice value afterwards, or null where a thread's priority cannot be set on its own.
 */
export function lowerThreadPriority(nice: number): number | null {
  const tid = currentThreadId();
  if (tid === null) return null;
  try {
    const current = os.getPriority(tid);
    if (nice > current) os.setPriority(tid, nice);
    return os.getPriority(tid);
  } catch {
    return null;
  }
}
