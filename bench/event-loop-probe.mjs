// Loaded into the service (and the bare Fastify server) by the benchmark with
// `node --import ./bench/event-loop-probe.mjs ...`; not part of the service. It measures the
// main thread: the longest event-loop delay, and how long the loop was busy (event-loop
// utilization), between two SIGUSR2 signals. At each SIGUSR2 it writes one JSON line to
// BENCH_PROBE_FILE and starts a new measurement.
import { appendFileSync } from 'node:fs';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';

const file = process.env.BENCH_PROBE_FILE;
const delay = monitorEventLoopDelay({ resolution: 5 });
delay.enable();
let elu = performance.eventLoopUtilization();

process.on('SIGUSR2', () => {
  const used = performance.eventLoopUtilization(elu);
  const line = {
    maxDelayMs: delay.max / 1e6,
    p99DelayMs: delay.percentile(99) / 1e6,
    busyMs: used.active,
    utilization: used.utilization,
  };
  if (file) appendFileSync(file, JSON.stringify(line) + '\n');
  delay.reset();
  elu = performance.eventLoopUtilization();
});
