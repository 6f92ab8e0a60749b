/**
 * Log format choice: JSON lines unless stdout is a terminal and pino-pretty is installed.
 */
import t from 'tap';
import { loggerOptions, processEnvironment } from '../src/logger.js';

t.test('JSON lines when stdout is not a terminal, even with pino-pretty installed', async (t) => {
  t.same(loggerOptions('info', { isTTY: false, canResolve: () => true }), { level: 'info' });
});

t.test('JSON lines on a terminal when pino-pretty is not installed (production installs omit it)', async (t) => {
  t.same(loggerOptions('debug', { isTTY: true, canResolve: () => false }), { level: 'debug' });
});

t.test('pretty lines on a terminal with pino-pretty installed', async (t) => {
  const asked: string[] = [];
  const options = loggerOptions('warn', { isTTY: true, canResolve: (name) => (asked.push(name), true) });
  t.same(asked, ['pino-pretty']);
  t.match(options, { level: 'warn', transport: { target: 'pino-pretty' } });
});

t.test('the real environment: pino-pretty resolves here (a dev dependency), an unknown package does not', async (t) => {
  t.equal(processEnvironment.canResolve('pino-pretty'), true);
  t.equal(processEnvironment.canResolve('no-such-package-focal-loss'), false);
  t.equal(processEnvironment.isTTY, process.stdout.isTTY === true);
});
