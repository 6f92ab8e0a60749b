/**
 * The service's JSON log lines as they arrive, from a server process's stdout
 * (server-process.ts) or an in-process app's logger stream (captureLogs), and a wait for the
 * lines matching a filter: a request's line is written once its answer is, so it can arrive
 * after the client is done.
 */
import { Writable } from 'node:stream';

export type LogLine = Record<string, unknown>;

export class LogLines {
  readonly lines: LogLine[] = [];
  private readonly waiters = new Set<() => void>();

  add(line: LogLine): void {
    this.lines.push(line);
    for (const check of this.waiters) check();
  }

  /** The lines matching `filter` once there are at least `count`; rejects after `timeoutMs` with what was seen. */
  matching(filter: (line: LogLine) => boolean, count: number, timeoutMs = 10_000): Promise<LogLine[]> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.lines.filter(filter);
        if (found.length < count) return;
        this.waiters.delete(check);
        clearTimeout(timer);
        resolve(found);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`${this.lines.filter(filter).length} matching log lines after ${timeoutMs} ms, expected ${count}`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }
}

/** A `logger` option for buildTestApp that collects the app's log lines. */
export function captureLogs(level = 'info'): { log: LogLines; logger: { level: string; stream: Writable } } {
  const log = new LogLines();
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line.trim() !== '') log.add(JSON.parse(line));
      done();
    },
  });
  return { log, logger: { level, stream } };
}
