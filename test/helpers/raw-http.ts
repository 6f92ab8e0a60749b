/**
 * Raw TCP conversations with the real server, for what fetch cannot do: a Content-Length that
 * lies, a chunked body past the limit, headers or a body trickled byte by byte.
 */
import { connect, type Socket } from 'node:net';

export interface RawExchange {
  /** Everything the server sent before closing (or before `waitMs` passed). */
  response: string;
  /** True when the server closed the connection. */
  closed: boolean;
  elapsedMs: number;
  /** When the first byte of the answer arrived, from the start; null when none did. */
  firstByteMs: number | null;
}

/**
 * Opens a connection, runs `talk` (which may write slowly) and collects the answer until the
 * server closes or `waitMs` pass.
 */
export function rawExchange(url: string, talk: (socket: Socket) => Promise<void> | void, waitMs = 5000): Promise<RawExchange> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = connect(Number(port), hostname);
    let response = '';
    let firstByteMs: number | null = null;
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ response, closed, elapsedMs: Date.now() - started, firstByteMs });
    };
    const timer = setTimeout(() => finish(false), waitMs);
    socket.on('data', (d) => {
      firstByteMs ??= Date.now() - started;
      response += d.toString('latin1');
    });
    socket.on('close', () => finish(true));
    socket.on('error', () => finish(true));
    socket.on('connect', () => {
      Promise.resolve(talk(socket)).catch(() => finish(true));
    });
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Writes `text` one chunk at a time, pausing between chunks, until the socket closes. */
export async function trickle(socket: Socket, text: string, everyMs: number, chunk = 1): Promise<void> {
  for (let i = 0; i < text.length && !socket.destroyed; i += chunk) {
    socket.write(text.slice(i, i + chunk));
    await sleep(everyMs);
  }
}

/** The status of the first answer in a raw response. */
export const statusOf = (response: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1]);

/** A header of a raw response (the first one so named). */
export const headerOf = (response: string, name: string) => new RegExp(`\\r\\n${name}: ([^\\r]*)\\r\\n`, 'i').exec(response)?.[1];

/** The JSON body of the first answer in a raw response. */
export const problemOf = (response: string) => JSON.parse(response.slice(response.indexOf('\r\n\r\n') + 4)) as Record<string, unknown>;
