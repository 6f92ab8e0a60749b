/**
 * Starts the real service (node dist/server.js, as `npm start` does) on a free port and
 * collects its JSON log lines.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { once } from 'node:events';
import { LogLines, type LogLine } from './log-lines.js';

export const SERVER_JS = fileURLToPath(new URL('../../dist/server.js', import.meta.url));

export async function freePort(): Promise<number> {
  const srv = createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const port = (srv.address() as { port: number }).port;
  srv.close();
  await once(srv, 'close');
  return port;
}

export interface RunningServer {
  child: ChildProcess;
  url: string;
  logs: LogLine[];
  stderr: () => string;
  /**
   * The log lines matching `filter` once there are at least `count` of them (a request's line is
   * written after its answer, so it can arrive after the client is done); rejects after
   * `timeoutMs` with what was seen.
   */
  logsMatching: (filter: (line: LogLine) => boolean, count: number, timeoutMs?: number) => Promise<LogLine[]>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts a server; `env.PORT` pins the port (a restarted replica keeps its address). */
export async function startServer(env: Record<string, string> = {}): Promise<RunningServer> {
  const port = env.PORT ? Number(env.PORT) : await freePort();
  const child = spawn(process.execPath, [SERVER_JS], {
    env: {
      PATH: process.env.PATH,
      PORT: String(port),
      HOST: '127.0.0.1',
      POOL_SIZE: '2',
      PRESSURE_MAX_EVENT_LOOP_DELAY_MS: '0',
      INLINE_MAX_ELEMENTS: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = new LogLines();
  let err = '';
  let buf = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  child.stderr!.on('data', (d) => (err += d));
  const listening = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      buf += d;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        try {
          const entry = JSON.parse(line);
          log.add(entry);
          if (/listening/i.test(String(entry.msg))) resolve();
        } catch {
          // not a JSON log line
        }
      }
    });
    void exited.then(({ code }) => reject(new Error(`server exited with ${code} before listening: ${err}`)));
  });
  await listening;
  return {
    child,
    url: `http://127.0.0.1:${port}`,
    logs: log.lines,
    stderr: () => err,
    logsMatching: (filter, count, timeoutMs) => log.matching(filter, count, timeoutMs),
    exited,
  };
}
