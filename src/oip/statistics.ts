/**
 * Triton's statistics extension answer (GET /v2/models/stats) read from the per-model inference
 * metrics of plugins/metrics.ts, so /metrics and /v2/models/stats can never disagree. Durations
 * are kept in seconds (Prometheus' unit) and shown in nanoseconds (Triton's).
 */
import type { InferenceMetrics } from '../plugins/metrics.js';
import type { OipModelStatistics } from '../schemas/oip-model-info.js';
import { MODEL_VERSION, type OipModel } from './models.js';

interface Sample {
  metricName?: string;
  labels: Partial<Record<string, string | number>>;
  value: number;
}

const nanoseconds = (seconds: number) => Math.round(seconds * 1e9);

/** The value of the sample named `metricName` (or the metric's own) whose labels include `labels`; 0 when absent. */
function valueOf(samples: Sample[], labels: Record<string, string>, metricName?: string): number {
  const found = samples.find(
    (s) => (metricName === undefined || s.metricName === metricName) && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  return found?.value ?? 0;
}

export async function modelStatistics(metrics: InferenceMetrics, models: Iterable<OipModel>): Promise<OipModelStatistics[]> {
  const [duration, compute, last] = await Promise.all([metrics.duration.get(), metrics.computeSeconds.get(), metrics.lastInference.get()]);
  const durationName = duration.name;
  const stats: OipModelStatistics[] = [];
  for (const { name } of models) {
    const timed = (outcome: string) => ({
      count: valueOf(duration.values, { model: name, outcome }, `${durationName}_count`),
      ns: nanoseconds(valueOf(duration.values, { model: name, outcome }, `${durationName}_sum`)),
    });
    const success = timed('success');
    const notApart = { count: success.count, ns: 0 };
    stats.push({
      name,
      version: MODEL_VERSION,
      last_inference: Math.round(valueOf(last.values, { model: name }) * 1000),
      inference_count: success.count,
      execution_count: success.count,
      inference_stats: {
        success,
        fail: timed('fail'),
        queue: notApart,
        compute_input: notApart,
        compute_infer: { count: success.count, ns: nanoseconds(valueOf(compute.values, { model: name })) },
        compute_output: notApart,
        cache_hit: { count: 0, ns: 0 },
        cache_miss: { count: 0, ns: 0 },
      },
      batch_stats: [],
    });
  }
  return stats;
}
