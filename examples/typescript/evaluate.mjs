// The TypeScript client (focal-loss-client) from plain Node.js: a 200,000 x 10 multiclass batch
// evaluated in chunks (8 requests, 4 in flight) and merged exactly, next to the same batch in one
// request. Run: FOCAL_LOSS_URL=http://localhost:3000 node evaluate.mjs (after `npm install` of the package).
import { FocalLossClient, encodeTensor } from 'focal-loss-client';

const client = new FocalLossClient({ url: process.env.FOCAL_LOSS_URL ?? 'http://localhost:3000', apiKey: process.env.FOCAL_LOSS_API_KEY });

// A deterministic batch: logits from sines, the true class mostly the arg-max.
const n = 200_000;
const c = 10;
const logits = Float32Array.from({ length: n * c }, (_, i) => 3 * Math.sin(i * 0.7) + (i % c === ((i / c) | 0) % c ? 2 : 0));
const targets = Int32Array.from({ length: n }, (_, i) => i % c);

const result = await client.evaluate({ data: logits, shape: [n, c] }, targets, { mode: 'multiclass', gamma: 2 });
const one = await client.loss({
  mode: 'multiclass',
  gamma: 2,
  logits: encodeTensor(logits, [n, c]),
  targets: encodeTensor(targets),
  outputs: ['loss'],
});

const { stats } = result;
console.log(`requests:    ${result.requests}`);
console.log(`loss:        ${result.loss}`);
console.log(`one request: ${one.loss}`);
console.log(`accuracy:    ${stats.accuracy}`);
console.log(`macro f1:    ${stats.averages.macro.f1}`);
console.log(`ece:         ${stats.calibration.ece}`);
console.log(`gradient:    ${result.gradient.length} values, [0] = ${result.gradient[0]}`);
