/**
 * The process logger's options: pino JSON lines, except on an interactive terminal where
 * pino-pretty is installed (a development dependency, absent from production installs), where
 * lines are pretty-printed. Logs going to a pipe or a file are always JSON.
 */
import { createRequire } from 'node:module';
import type { LoggerOptions } from 'pino';

export interface LoggerEnvironment {
  /** Whether stdout is a terminal (process.stdout.isTTY). */
  isTTY: boolean;
  /** Whether a package can be loaded from here. */
  canResolve: (name: string) => boolean;
}

const require = createRequire(import.meta.url);

export const processEnvironment: LoggerEnvironment = {
  isTTY: process.stdout.isTTY === true,
  canResolve: (name) => {
    try {
      require.resolve(name);
      return true;
    } catch {
      return false;
    }
  },
};

export function loggerOptions(level: string, env: LoggerEnvironment = processEnvironment): LoggerOptions {
  if (env.isTTY && env.canResolve('pino-pretty')) {
    return { level, transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } } };
  }
  return { level };
}
