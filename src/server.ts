/**
 * Process entry: read the configuration, build the app, listen, and shut down gracefully on
 * SIGTERM/SIGINT (stop accepting, let in-flight requests finish within SHUTDOWN_GRACE_MS,
 * close the pool, exit 0). The only file that touches process signals.
 */
import { buildApp } from './app.js';
import { ConfigError, loadConfig, type Config } from './config.js';

let config: Config;
try {
  config = loadConfig();
} catch (err) {
  process.stderr.write(`${err instanceof ConfigError ? err.message : String(err)}\n`);
  process.exit(78); // EX_CONFIG
}

const app = await buildApp(config, { logger: { level: config.LOG_LEVEL } });

let shuttingDown = false;
async function shutdown(signal: string): Promise<void> {
  if (shuttingDown) return;
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
