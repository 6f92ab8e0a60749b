/**
 * Environment -> typed, validated configuration. One schema holds every setting, its type,
 * its default and its description (the README table is written from the same facts).
 * A bad value stops the process at start-up with a message naming the variable.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Type, type Static } from '@sinclair/typebox';
import envSchema from 'env-schema';

export const ConfigSchema = Type.Object({
  PORT: Type.Integer({ minimum: 1, maximum: 65535, default: 3000, description: 'TCP port to listen on.' }),
  HOST: Type.String({ minLength: 1, default: '0.0.0.0', description: 'Address to bind (0.0.0.0 for containers).' }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
    { default: 'info', description: 'pino log level.' },
  ),
  POOL_SIZE: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: 256,
      description: 'Worker threads computing losses. Default: the CPUs this process may use (cgroup quota aware).',
    }),
  ),
  POOL_MAX_QUEUE: Type.Integer({
    minimum: 0,
    maximum: 100000,
    default: 64,
    description: 'Requests waiting for a worker before new ones get 503 + Retry-After.',
  }),
  INLINE_MAX_ELEMENTS: Type.Integer({
    minimum: 0,
    maximum: 1048576,
    default: 4096,
    description:
      'Batches of at most this many elements (N x C) are computed on the main thread instead of a worker: below it ' +
      'the worker round trip costs more than the kernel. 0 sends every batch to a worker.',
  }),
  BODY_LIMIT: Type.Integer({ minimum: 1024, default: 64 * 1024 * 1024, description: 'Largest request body in bytes (413 above).' }),
  MAX_ELEMENTS: Type.Integer({ minimum: 1, default: 16 * 1024 * 1024, description: 'Largest N x C per request (413 above).' }),
  REQUEST_TIMEOUT_MS: Type.Integer({
    minimum: 100,
    default: 30000,
    description: 'Longest a request may take from its first byte to its answer.',
  }),
  SHUTDOWN_GRACE_MS: Type.Integer({
    minimum: 0,
    default: 10000,
    description: 'On SIGTERM, how long in-flight requests may take to finish before the process exits.',
  }),
});

export type Config = Static<typeof ConfigSchema> & { POOL_SIZE: number };

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Reads and validates the configuration from an environment (process.env by default). */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const data: Record<string, string> = {};
  for (const key of Object.keys(ConfigSchema.properties)) {
    const value = env[key];
    if (value !== undefined) data[key] = value;
  }
  let parsed: Partial<Config>;
  try {
    parsed = envSchema<Partial<Config>>({
      schema: structuredClone(ConfigSchema) as unknown as object,
      data,
      env: false,
    });
  } catch (err) {
    throw new ConfigError(`invalid configuration: ${(err as Error).message}`);
  }
  return { ...parsed, POOL_SIZE: parsed.POOL_SIZE ?? usableCpus() } as Config;
}

/**
 * CPUs this process may use: os.availableParallelism() capped by a cgroup v2 CPU quota
 * (cpu.max), which Node 20 ignores, so a container limited to 2 CPUs does not start 64 workers.
 */
export function usableCpus(cpuMaxFile = '/sys/fs/cgroup/cpu.max'): number {
  const cpus = availableParallelism();
  try {
    const [quota, period] = readFileSync(cpuMaxFile, 'utf8').trim().split(/\s+/);
    if (quota !== 'max') {
      const limit = Math.ceil(Number(quota) / Number(period));
      if (Number.isFinite(limit) && limit >= 1) return Math.min(cpus, limit);
    }
  } catch {
    // No cgroup v2 CPU controller visible: use the CPU count.
  }
  return cpus;
}
