/**
 * Reads GET /metrics (Prometheus text format) into samples, for tests that compare values
 * before and after requests.
 */
import type { FastifyInstance } from 'fastify';

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
export async function waitForMetrics(app: FastifyInstance, ready: (s: Samples) => boolean, ms = 20000): Promise<Samples> {
  const deadline = Date.now() + ms;
  for (;;) {
    const s = await scrape(app);
    if (ready(s)) return s;
    if (Date.now() > deadline) throw new Error('metrics never reached the expected state');
    await new Promise((r) => setTimeout(r, 5));
  }
}
