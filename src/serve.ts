/**
 * Running the service as a process: read the configuration, build the app, listen, and shut
 * down gracefully on SIGTERM/SIGINT (readiness 503, stop accepting, let in-flight requests
 * finish within SHUTDOWN_GRACE_MS, close the pool, exit 0; a second signal exits at once with
 * 128 + its number). The only module that touches process signals; its callers are the process
 * entry (server.ts, `npm start`) and `focal-loss serve`.
 */
import { constants as osConstants } from 'node:os';
import { buildApp } from './app.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { loggerOptions } from './logger.js';

/** Starts the service; resolves once it listens (the process then lives until a signal). */
export async function serve(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    process.stderr.write(`${err instanceof ConfigError ? err.message : String(err)}\n`);
    process.exit(78); // EX_CONFIG
  }

  const app = await buildApp(config, { logger: loggerOptions(config.LOG_LEVEL) });

  let shuttingDown = false;
  async function shutdown(signal: NodeJS.Signals): Promise<void> {
    if (shuttingDown) {
      // A second signal means "now": skip the drain, exit with the signal's conventional code.
      app.log.warn({ signal }, 'second signal: exiting at once without draining');
      process.exit(128 + (osConstants.signals[signal] ?? 15));
    }
    shuttingDown = true;
    app.log.info({ signal }, 'shutting down: draining in-flight requests');
    const timer = setTimeout(() => {
      app.log.error({ graceMs: config.SHUTDOWN_GRACE_MS }, 'shutdown grace period exceeded; exiting');
      process.exit(1);
    }, config.SHUTDOWN_GRACE_MS);
    timer.unref();
    try {
      await app.close();
      app.log.info('shut down cleanly');
      process.exit(0);
    } catch (err) {
      app.log.error({ err }, 'error while shutting down');
      process.exit(1);
    }
  }
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  try {
    await app.listen({ port: config.PORT, host: config.HOST });
  } catch (err) {
    app.log.fatal({ err }, 'could not start listening');
    process.exit(1);
  }
}
