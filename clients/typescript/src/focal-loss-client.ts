/**
 * A typed client for the focal-loss service: `fetch` only, so it runs in Node.js >= 20 and in
 * browsers. Its request and response types are generated from the service's API document (api.ts),
 * so a field the service does not accept does not compile. It retries what is worth retrying: 429
 * and 503 after the Retry-After the service sends, and refused or reset connections a bounded
 * number of times; any other error is a FocalLossError carrying the service's problem+json body.
 * `evaluate` computes a batch of any size in chunks and merges them exactly (evaluate.ts).
 */
import type { LossRequest, LossResponse, Problem, Readiness } from './api.js';
import { FocalLossError } from './errors.js';
import { evaluate, type EvaluateOptions, type Evaluation, type TensorInput } from './evaluate.js';

export interface FocalLossClientOptions {
  /** The service's base URL, e.g. "http://localhost:3000". */
  url: string;
  /** Sent as `Authorization: Bearer <apiKey>` when the service has API_KEYS set. */
  apiKey?: string;
  /** Per attempt, in ms (default 120000). */
  timeoutMs?: number;
  /** Retries after 429 or 503 (default 8). */
  maxRetries?: number;
  /** Retries after a refused, reset or dropped connection (default 3). */
  maxConnectionRetries?: number;
  /** Longest wait between attempts, whatever Retry-After says (default 30000 ms). */
  maxRetryDelayMs?: number;
  /** Called before each retry with the reason and the wait in ms (progress, logs). */
  onRetry?: (reason: string, delayMs: number) => void;
  /** Extra headers on every request. */
  headers?: Record<string, string>;
}

export interface RequestOptions {
  signal?: AbortSignal;
  /** x-request-id for this call (the service echoes it and logs it). */
  requestId?: string;
}

const RETRYABLE_STATUS = new Set([429, 503]);
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);
/**
 * Browsers say nothing more than this about a network error (Chromium, Firefox, Safari): no code,
 * on purpose. Node.js (undici) names the cause, and only the codes above are retried there.
 */
const BROWSER_NETWORK_ERRORS = /^(Failed to fetch|NetworkError when attempting to fetch resource\.|Load failed)$/;

/** Retry-After in ms: delta-seconds or an HTTP date (RFC 9110); null when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | null {
  if (header === null || header.trim() === '') return null;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

function isConnectionError(err: unknown): boolean {
  if (!(err instanceof TypeError)) return false;
  const cause = (err as { cause?: { code?: string } }).cause;
  if (cause !== undefined) return CONNECTION_CODES.has(String(cause.code));
  return BROWSER_NETWORK_ERRORS.test(err.message);
}

export class FocalLossClient {
  private readonly base: string;
  private readonly options: Required<Omit<FocalLossClientOptions, 'apiKey' | 'onRetry' | 'headers'>> & FocalLossClientOptions;

  constructor(options: FocalLossClientOptions) {
    this.base = options.url.replace(/\/+$/, '');
    this.options = { timeoutMs: 120_000, maxRetries: 8, maxConnectionRetries: 3, maxRetryDelayMs: 30_000, ...options };
  }

  /** POST /loss. */
  loss(request: LossRequest, options: RequestOptions = {}): Promise<LossResponse> {
    return this.call<LossResponse>('POST', '/loss', request, options);
  }

  /** GET /readyz: resolves when the service is ready for work, rejects (503) while it drains. */
  ready(options: RequestOptions = {}): Promise<Readiness> {
    return this.call('GET', '/readyz', undefined, options);
  }

  /**
   * A batch of any size: rows in chunks under the service's element limit (`chunkElements`),
   * several in flight, each computed with reduction `sum` (or `none`) and merged exactly into what
   * one POST /loss over the whole batch answers (evaluate.ts).
   */
  evaluate(logits: TensorInput, targets: TensorInput, options: EvaluateOptions): Promise<Evaluation> {
    return evaluate(this, logits, targets, options);
  }

  private async call<T>(method: string, route: string, body: unknown, options: RequestOptions): Promise<T> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = { accept: 'application/json', ...this.options.headers };
    if (payload !== undefined) headers['content-type'] = 'application/json';
    if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;
    if (options.requestId) headers['x-request-id'] = options.requestId;
    let retries = 0;
    let connectionRetries = 0;
    for (;;) {
      const timeout = AbortSignal.timeout(this.options.timeoutMs);
      const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
      let res: Response;
      try {
        res = await fetch(this.base + route, { method, headers, body: payload, signal });
      } catch (err) {
        if (options.signal?.aborted) throw options.signal.reason;
        if (timeout.aborted) {
          throw new FocalLossError(`${method} ${route}: no answer within ${this.options.timeoutMs} ms`, 0, 'client-timeout');
        }
        if (isConnectionError(err) && connectionRetries < this.options.maxConnectionRetries) {
          const delay = Math.min(this.options.maxRetryDelayMs, 200 * 2 ** connectionRetries);
          connectionRetries++;
          this.options.onRetry?.(String((err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message), delay);
          await sleep(delay, options.signal);
          continue;
        }
        const cause = (err as { cause?: { code?: string; message?: string } }).cause;
        throw new FocalLossError(
          `${method} ${this.base}${route}: ${cause?.code ?? cause?.message ?? (err as Error).message}`,
          0,
          'connection-failed',
        );
      }
      if (res.ok) return (await res.json()) as T;
      const text = await res.text();
      let problem: Problem | null = null;
      try {
        const parsed = JSON.parse(text) as Problem;
        if (typeof parsed === 'object' && parsed !== null && typeof parsed.detail === 'string') problem = parsed;
      } catch {
        // not a problem+json body (a proxy's HTML error page, say)
      }
      if (RETRYABLE_STATUS.has(res.status) && retries < this.options.maxRetries) {
        const advised = retryAfterMs(res.headers.get('retry-after'));
        // Without Retry-After: exponential backoff. With it: as told, plus up to 10% jitter so
        // several chunks waiting on the same 503 do not all come back at the same instant.
        const base = advised ?? 250 * 2 ** retries;
        const delay = Math.min(this.options.maxRetryDelayMs, base * (1 + Math.random() * 0.1));
        retries++;
        this.options.onRetry?.(String(res.status), delay);
        await sleep(delay, options.signal);
        continue;
      }
      const code = problem?.code ?? `http-${res.status}`;
      const detail = problem?.detail ?? (text.trim().slice(0, 200) || res.statusText);
      throw new FocalLossError(`${res.status} ${code}: ${detail}`, res.status, code, problem);
    }
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
