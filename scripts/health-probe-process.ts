/**
 * Starts scripts/health-probe.mjs as a process of its own, probing `url` every `intervalMs`; `stop()`
 * ends it and returns the latencies (ms). Shared by the benchmark and the soak, whose own event loops
 * are busy with the load they generate.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const PROBE = fileURLToPath(new URL('./health-probe.mjs', import.meta.url));

export function startHealthProbe(url: string, intervalMs: number): { stop(): Promise<number[]> } {
  const child = spawn(process.execPath, [PROBE, url, String(intervalMs)], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  return {
    async stop() {
      child.stdin.end();
      await once(child, 'exit');
      return JSON.parse(out) as number[];
    },
  };
}
