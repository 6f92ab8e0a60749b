/**
 * Reads GET /metrics (Prometheus text format) into samples, for tests that compare values
 * before and after requests.
 */
import type { FastifyInstance } from 'fastify';
import { pollUntil } from './poll.js';

export type Samples = Map<string, number>;

/** `name{a="x",b="y"}` -> value, labels in the order the exposition writes them. */
export function parseMetrics(text: string): Samples {
  const samples: Samples = new Map();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return samples;
}

export async function scrape(app: FastifyInstance): Promise<Samples> {
  const res = await app.inject({ method: 'GET', url: '/metrics' });
  if (res.statusCode !== 200) throw new Error(`/metrics answered ${res.statusCode}`);
  return parseMetrics(res.body);
}

/** A sample's value, 0 when the series does not exist yet (counters start absent). */
export function value(samples: Samples, series: string): number {
  return samples.get(series) ?? 0;
}

/** Polls /metrics until `ready` holds (e.g. the pool is busy), or fails after `ms`. */
export function waitForMetrics(app: FastifyInstance, ready: (s: Samples) => boolean, ms = 20000): Promise<Samples> {
  return pollUntil(() => scrape(app), ready, { timeoutMs: ms, everyMs: 5, what: 'the metrics state' });
}
