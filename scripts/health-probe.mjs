// Run by the benchmark and the soak as a process of its own:
//   node scripts/health-probe.mjs URL [INTERVAL_MS]
// polls URL (GET /healthz) as a kubelet would (a new connection per probe) every INTERVAL_MS
// (default 20) until its stdin closes, then prints the latencies (ms) as one JSON array. In the
// load generator's own process the probe would share an event loop with the load (autocannon
// writing 48 MB bodies, the soak checking answers) and measure that loop's delays as the service's.
import http from 'node:http';

const url = new URL(process.argv[2]);
const interval = Number(process.argv[3] ?? 20);
const latencies = [];
let running = true;
process.stdin.on('end', () => (running = false)).resume();

function probe() {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const req = http.get(url, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(performance.now() - t0));
    });
    req.on('error', () => resolve(performance.now() - t0));
  });
}

while (running) {
  latencies.push(await probe());
  await new Promise((r) => setTimeout(r, interval));
}
process.stdout.write(JSON.stringify(latencies));
