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
  OFFLOAD_MIN_BYTES: Type.Integer({
    minimum: 0,
    default: 65536,
    description:
      'Compute bodies of at least this many bytes (and every compressed body) are decompressed, parsed, validated, ' +
      'decoded and encoded in a worker, not on the event loop; smaller ones are faster on the main thread.',
  }),
  WORKER_NICE: Type.Integer({
    minimum: 0,
    maximum: 19,
    default: 10,
    description:
      "The worker threads' nice value (Linux): above the main thread's, so that on a busy machine the event loop " +
      "(health probes, admission, writing answers) gets a core before the kernels do. 0 runs them at the main thread's priority.",
  }),
  SPLIT_MIN_ELEMENTS: Type.Integer({
    minimum: 0,
    default: 1048576,
    description: 'Batches of at least this many elements are split by rows over the idle workers (0: never split).',
  }),
  BODY_LIMIT: Type.Integer({ minimum: 1024, default: 64 * 1024 * 1024, description: 'Largest request body in bytes (413 above).' }),
  RESPONSE_LIMIT: Type.Optional(
    Type.Integer({
      minimum: 1024,
      description:
        'Largest answer in bytes, estimated before computing (default 4 x BODY_LIMIT): a request whose outputs would be ' +
        'larger is refused with 422 answer-too-large, naming outputs and encoding.',
    }),
  ),
  MEMORY_BUDGET_BYTES: Type.Optional(
    Type.Integer({
      minimum: 0,
      description:
        'Memory the requests in flight may hold (bodies, decoded arrays, answers), each estimated before its body is read ' +
        'as 6 x its Content-Length (BODY_LIMIT when compressed or unsized); a request over the budget gets 503 + ' +
        'Retry-After before any work (one request is always admitted when none is in flight). Default: the container ' +
        'memory limit (cgroup) minus 256 MiB for the process and 4 x BODY_LIMIT for the buffers it keeps for reuse; ' +
        'no budget when no limit is found. 0: no budget.',
    }),
  ),
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
  MAX_CLASSES: Type.Integer({ minimum: 1, default: 100000, description: 'Largest C (classes or labels) per request (400 above).' }),
  MAX_JSON_DEPTH: Type.Integer({
    minimum: 2,
    maximum: 1000,
    default: 16,
    description: 'Deepest JSON nesting accepted, checked before parsing (400 above).',
  }),
  HEADERS_TIMEOUT_MS: Type.Integer({
    minimum: 100,
    default: 10000,
    description: 'Longest a client may take to send the request headers (slow clients are cut off).',
  }),
  PRESSURE_MAX_EVENT_LOOP_DELAY_MS: Type.Integer({
    minimum: 0,
    default: 1000,
    description: 'Shed compute requests with 503 while the event-loop delay exceeds this (0: off).',
  }),
  PRESSURE_MAX_HEAP_USED_BYTES: Type.Integer({
    minimum: 0,
    default: 0,
    description: 'Shed compute requests with 503 while the main thread heap exceeds this (0: off).',
  }),
  PRESSURE_MAX_RSS_BYTES: Type.Integer({
    minimum: 0,
    default: 0,
    description: 'Shed compute requests with 503 while the resident set size exceeds this (0: off).',
  }),
  WORKER_MAX_OLD_GENERATION_MB: Type.Integer({
    minimum: 0,
    default: 0,
    description: "Heap limit of each worker thread in MiB (0: Node's default); a worker past it fails only its request.",
  }),
  API_KEYS: Type.String({
    default: '',
    description:
      'Comma-separated API keys; when set, compute routes need "Authorization: Bearer <key>" (401 otherwise). Each key ' +
      'is an RFC 6750 token: letters, digits and - . _ ~ + /, then optional = padding (a key that could not be sent ' +
      'in that header stops the start-up).',
  }),
  AUTH_PROTECT_OPS: Type.Boolean({
    default: false,
    description: 'With API_KEYS set, also protect /metrics and the docs (health probes always stay open).',
  }),
  RATE_LIMIT_MAX: Type.Integer({
    minimum: 0,
    default: 0,
    description: 'Compute requests allowed per client (API key, else IP) per window; 429 above (0: off).',
  }),
  RATE_LIMIT_WINDOW_MS: Type.Integer({ minimum: 1, default: 60000, description: 'The rate-limit window.' }),
  CORS_ORIGINS: Type.String({
    default: '',
    description: 'Comma-separated origins allowed by CORS, or * for any (empty: CORS off).',
  }),
  TRUST_PROXY: Type.Boolean({
    default: false,
    description: 'Trust X-Forwarded-For from a load balancer (client IPs for logs and rate limits).',
  }),
});

export type Config = Static<typeof ConfigSchema> & { POOL_SIZE: number; RESPONSE_LIMIT: number; MEMORY_BUDGET_BYTES: number };

/** API_KEYS as a list (empty when authentication is off). */
export function apiKeys(config: Pick<Config, 'API_KEYS'>): string[] {
  return config.API_KEYS.split(',')
    .map((k) => k.trim())
    .filter((k) => k.length > 0);
}

/**
 * RFC 6750's b64token, the credential of "Authorization: Bearer <token>". A key outside it could
 * never authenticate: a space splits it in the header, a non-ASCII character reaches the server
 * as other bytes (header values are Latin-1), and clients refuse control characters.
 */
const BEARER_TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/** Why `key` cannot be sent as a bearer token, or null when it can. */
function bearerTokenProblem(key: string): string | null {
  if (BEARER_TOKEN.test(key)) return null;
  if (/\s/.test(key)) return 'contains whitespace';
  if (/[^\x20-\x7e]/.test(key)) return 'contains a non-ASCII or control character';
  if (/^=/.test(key) || /=[^=]/.test(key)) return 'has "=" before its end (only trailing = padding is allowed)';
  return 'contains a character other than letters, digits and - . _ ~ + /';
}

/** Refuses API_KEYS with a key that could never authenticate; the message never includes a key. */
function checkApiKeys(config: Pick<Config, 'API_KEYS'>): void {
  const keys = apiKeys(config);
  keys.forEach((key, i) => {
    const problem = bearerTokenProblem(key);
    if (problem !== null) {
      throw new ConfigError(
        `invalid configuration: API_KEYS key ${i + 1} of ${keys.length} ${problem}, so it could never be sent as ` +
          '"Authorization: Bearer <key>"; keys may use letters, digits and - . _ ~ + / followed by optional = padding ' +
          '(RFC 6750 b64token), separated by commas',
      );
    }
  });
}

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
  checkApiKeys(parsed as Pick<Config, 'API_KEYS'>);
  return {
    ...parsed,
    POOL_SIZE: parsed.POOL_SIZE ?? usableCpus(),
    RESPONSE_LIMIT: parsed.RESPONSE_LIMIT ?? 4 * (parsed.BODY_LIMIT as number),
    MEMORY_BUDGET_BYTES: parsed.MEMORY_BUDGET_BYTES ?? defaultMemoryBudget(containerMemoryLimit(), parsed.BODY_LIMIT as number),
  } as Config;
}

/** What the process holds besides requests: Node, the workers' heaps, the kernels' memory. */
const PROCESS_BASELINE_BYTES = 256 * 1024 * 1024;

/**
 * The memory budget for requests in flight, given the container's limit: the limit minus the
 * process's baseline and the buffers it keeps for reuse (2 x BODY_LIMIT for bodies, as much for
 * split batches), but at least a quarter of the limit. 0 (no budget) when there is no limit.
 */
export function defaultMemoryBudget(limitBytes: number | undefined, bodyLimit: number): number {
  if (limitBytes === undefined) return 0;
  return Math.max(Math.floor(limitBytes / 4), limitBytes - PROCESS_BASELINE_BYTES - 4 * bodyLimit);
}

/**
 * The container's memory limit in bytes: cgroup v2 memory.max ("max" = none), or on cgroup v1
 * hosts memory.limit_in_bytes (a number near 2^63 = none). Undefined when there is none.
 */
export function containerMemoryLimit(
  v2File = '/sys/fs/cgroup/memory.max',
  v1File = '/sys/fs/cgroup/memory/memory.limit_in_bytes',
): number | undefined {
  const text = (readOptional(v2File) ?? readOptional(v1File))?.trim();
  const bytes = Number(text);
  // Unlimited v1 cgroups report about 2^63; no machine has 2^50 bytes (1 PiB) of memory.
  return text !== undefined && text !== '' && Number.isSafeInteger(bytes) && bytes > 0 && bytes < 2 ** 50 ? bytes : undefined;
}

/**
 * CPUs this process may use: os.availableParallelism() capped by the container's CPU quota,
 * which Node 20 ignores, so a container limited to 2 CPUs does not start 64 workers. The quota
 * is read from cgroup v2 (cpu.max: "QUOTA PERIOD" or "max PERIOD") and, on hosts still on
 * cgroup v1, from cpu.cfs_quota_us / cpu.cfs_period_us (quota -1 = no limit).
 */
export function usableCpus(cpuMaxFile = '/sys/fs/cgroup/cpu.max', cfsDir = '/sys/fs/cgroup/cpu'): number {
  const cpus = availableParallelism();
  const limit = cgroupV2Limit(cpuMaxFile) ?? cgroupV1Limit(cfsDir);
  return limit === undefined ? cpus : Math.min(cpus, limit);
}

/** Whole CPUs a quota allows (rounded up: 1.5 CPUs keep 2 workers busy part-time), if any. */
function cpusFromQuota(quota: number, period: number): number | undefined {
  if (!(quota > 0 && period > 0)) return undefined;
  const limit = Math.ceil(quota / period);
  return Number.isFinite(limit) && limit >= 1 ? limit : undefined;
}

function cgroupV2Limit(cpuMaxFile: string): number | undefined {
  const text = readOptional(cpuMaxFile);
  if (text === undefined) return undefined;
  const [quota, period] = text.trim().split(/\s+/);
  return quota === 'max' ? undefined : cpusFromQuota(Number(quota), Number(period));
}

function cgroupV1Limit(cfsDir: string): number | undefined {
  const quota = readOptional(`${cfsDir}/cpu.cfs_quota_us`);
  const period = readOptional(`${cfsDir}/cpu.cfs_period_us`);
  if (quota === undefined || period === undefined) return undefined;
  return cpusFromQuota(Number(quota.trim()), Number(period.trim()));
}

function readOptional(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    // No such cgroup file: this controller is not visible here.
    return undefined;
  }
}

/**
 * How long closing the worker pool may wait for tasks still running (those whose clients have
 * gone; answered requests have finished theirs) before it terminates the workers. Budgets nest:
 * this < SHUTDOWN_GRACE_MS < the orchestrator's stop period, so a stuck task cannot turn a clean
 * shutdown into the grace timer's exit 1.
 */
export function poolCloseTimeoutMs(shutdownGraceMs: number): number {
  return Math.floor(shutdownGraceMs / 2);
}
