// Run by the benchmark as its own process: polls GET /healthz as a kubelet would (a new
// connection per probe) every 20 ms until its stdin closes, then prints the latencies (ms) as one
// JSON array. In the benchmark's own process the probe would share an event loop with
// autocannon writing four 48 MB bodies, and measure that loop's delays as the service's.
import http from 'node:http';

const url = new URL(process.argv[2]);
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
  await new Promise((r) => setTimeout(r, 20));
}
process.stdout.write(JSON.stringify(latencies));
