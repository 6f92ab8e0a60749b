/**
 * Large answers are written a piece per event-loop turn (pipeline/paced-bytes.ts): the pieces
 * add up to the bytes, each comes in a later turn than the one before, and through the real
 * server a paced answer arrives whole, with its Content-Length (not chunked), also to a client
 * that stops reading for a while.
 */
import t from 'tap';
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { PACE_ABOVE_BYTES, pacedBytes } from '../../src/pipeline/paced-bytes.js';
import { focalLossFast } from '../../src/kernels/fast-focal.js';
import { sigmoidBatch } from '../helpers/batches.js';
import { startServer } from '../helpers/server-process.js';

t.test('the pieces add up to the bytes, one per event-loop turn', async (t) => {
  const bytes = randomBytes(2.5 * PACE_ABOVE_BYTES);
  const view = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const pieces: Buffer[] = [];
  // Counts turns of the event loop (an immediate that schedules the next one).
  let turn = 0;
  let ticking = true;
  const tick = () => {
    turn++;
    if (ticking) setImmediate(tick);
  };
  setImmediate(tick);
  const turns: number[] = [];
  for await (const piece of pacedBytes(view)) {
    turns.push(turn);
    pieces.push(piece as Buffer);
  }
  ticking = false;
  const everyPieceInALaterTurn = turns.every((x, i) => i === 0 || x > turns[i - 1]);
  t.same(
    pieces.map((p) => p.length),
    [PACE_ABOVE_BYTES, PACE_ABOVE_BYTES, PACE_ABOVE_BYTES / 2],
    '1 MiB pieces',
  );
  t.ok(Buffer.concat(pieces).equals(bytes), 'the same bytes, in order');
  t.ok(everyPieceInALaterTurn, `every piece came in a later turn than the one before (turns ${turns.join(', ')})`);
  t.ok(
    pieces.every((p) => p.buffer === bytes.buffer),
    'the pieces are views of the answer, not copies',
  );
});

// 300k float64 gradient values as base64: a 3.2 MB answer, paced in 1 MiB pieces.
const n = 300_000;
const logits = Float64Array.from({ length: n }, (_, i) => ((i % 41) - 20) / 4);
const targets = Uint8Array.from({ length: n }, (_, i) => (i % 7 === 0 ? 1 : 0));
const body = JSON.stringify({
  mode: 'binary',
  logits: { dtype: 'float64', shape: [n], data: Buffer.from(logits.buffer).toString('base64') },
  targets: { dtype: 'uint8', shape: [n], data: Buffer.from(targets.buffer).toString('base64') },
  alpha: null,
  encoding: 'base64',
  outputs: ['loss', 'gradient'],
});

/** POST /loss over a real socket; the response is not read for `pauseMs` after its headers. */
function post(url: string, pauseMs: number): Promise<{ status: number; headers: http.IncomingHttpHeaders; bytes: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}/loss`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.pause();
      setTimeout(() => res.resume(), pauseMs);
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, bytes: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

t.test('through the real server: whole, with Content-Length, to a fast and a stalled reader', async (t) => {
  const server = await startServer();
  t.teardown(() => void server.child.kill('SIGKILL'));
  const direct = focalLossFast(sigmoidBatch({ n, logits, targets: Float64Array.from(targets), labelSmoothing: 0 }));
  for (const pauseMs of [0, 500]) {
    const res = await post(server.url, pauseMs);
    t.equal(res.status, 200, `status (reader paused ${pauseMs} ms)`);
    t.ok(res.bytes.length > 3 * PACE_ABOVE_BYTES, `a paced answer (${res.bytes.length} bytes)`);
    t.equal(Number(res.headers['content-length']), res.bytes.length, 'Content-Length is the length received');
    t.equal(res.headers['transfer-encoding'], undefined, 'not chunked');
    const answer = JSON.parse(res.bytes.toString('utf8')) as { loss: number; gradient: { data: string } };
    const raw = Buffer.from(answer.gradient.data, 'base64');
    const gradient = new Float64Array(raw.buffer, raw.byteOffset, raw.byteLength / 8);
    t.equal(answer.loss, direct.loss, 'the loss of a direct kernel call');
    t.ok(
      gradient.length === n && gradient.every((g, i) => g === direct.gradient![i]),
      'every gradient value, bit for bit, as a direct kernel call computes it',
    );
  }
});
