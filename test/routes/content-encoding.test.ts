/**
 * Compressed request bodies (Content-Encoding gzip or deflate, as tritonclient's
 * request_compression_algorithm sends them): decompressed before parsing on POST /loss and on
 * /v2 inference, capped at BODY_LIMIT after decompression; anything else is a clear 4xx.
 */
import t from 'tap';
import { connect } from 'node:net';
import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { decodeContentEncoding } from '../../src/body/content-encoding.js';
import { buildTestApp, postLoss } from '../helpers/app.js';
import { float64Bytes, readOipReply } from '../helpers/oip.js';
import { captureLogs } from '../helpers/log-lines.js';

const BODY_LIMIT = 64 * 1024;
const app = await buildTestApp(t, { BODY_LIMIT: String(BODY_LIMIT) });

const lossRequest = { mode: 'binary', logits: [0.5, -1.5, 3], targets: [1, 0, 1], gamma: 1.5 };
const reference = await postLoss(app, lossRequest);

const header = Buffer.from(
  JSON.stringify({
    inputs: [
      { name: 'logits', shape: [3], datatype: 'FP64', parameters: { binary_data_size: 24 } },
      { name: 'targets', shape: [3], datatype: 'UINT8', data: [1, 0, 1] },
    ],
    parameters: { gamma: 1.5 },
    outputs: [{ name: 'loss' }, { name: 'gradient' }],
  }),
);
const oipBody = Buffer.concat([header, float64Bytes(lossRequest.logits)]);

const ENCODINGS: [string, (b: Buffer) => Buffer][] = [
  ['gzip', gzipSync],
  ['x-gzip', gzipSync],
  ['deflate', deflateSync],
  ['deflate', deflateRawSync], // raw deflate, which some clients send as "deflate"
  ['gzip, identity', gzipSync],
];

t.test('POST /loss: a gzip or deflate JSON body gives the same answer as the plain one', async (t) => {
  t.equal(reference.status, 200);
  for (const [encoding, compress] of ENCODINGS) {
    const res = await app.inject({
      method: 'POST',
      url: '/loss',
      headers: { 'content-type': 'application/json', 'content-encoding': encoding },
      payload: compress(Buffer.from(JSON.stringify(lossRequest))),
    });
    t.equal(res.statusCode, 200, `${encoding} (${compress.name})`);
    t.same(res.json(), reference.body, `${encoding}: identical answer`);
  }
});

t.test('/v2 inference: a compressed binary-extension body (header and binary data) is decompressed before framing', async (t) => {
  for (const [encoding, compress] of ENCODINGS) {
    const res = readOipReply(
      await app.inject({
        method: 'POST',
        url: '/v2/models/focal_loss_binary/infer',
        // Inference-Header-Content-Length is the JSON header's length in the decompressed body.
        headers: { 'content-encoding': encoding, 'inference-header-content-length': String(header.length) },
        payload: compress(oipBody),
      }),
    );
    t.equal(res.status, 200, `${encoding} (${compress.name})`);
    const outputs = Object.fromEntries((res.body.outputs as { name: string; data: number[] }[]).map((o) => [o.name, o.data]));
    t.same(outputs.loss, [reference.body.loss]);
    t.same(outputs.gradient, reference.body.gradient);
  }
});

t.test('a compressed body that expands past BODY_LIMIT is a 413, whatever its compressed size', async (t) => {
  const bomb = gzipSync(Buffer.from(`{"mode":"binary","logits":[${'0,'.repeat(BODY_LIMIT)}0],"targets":[1]}`));
  t.ok(bomb.length < BODY_LIMIT / 10, `the compressed body is small (${bomb.length} bytes)`);
  const viaLoss = await app.inject({
    method: 'POST',
    url: '/loss',
    headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    payload: bomb,
  });
  t.equal(viaLoss.statusCode, 413);
  t.match(viaLoss.json(), { code: 'payload-too-large', detail: /decompressed body is larger than BODY_LIMIT/ });
  const viaV2 = await app.inject({
    method: 'POST',
    url: '/v2/models/focal_loss_binary/infer',
    headers: { 'content-encoding': 'gzip' },
    payload: bomb,
  });
  t.equal(viaV2.statusCode, 413);
  t.match(viaV2.json(), { code: 'payload-too-large', error: /decompressed body is larger than BODY_LIMIT/ });
});

t.test("an unknown coding is a 415 and corrupt compressed data a 400, in each endpoint's error form", async (t) => {
  const plain = Buffer.from(JSON.stringify(lossRequest));
  const cases: { encoding: string; payload: Buffer; status: number; code: string; message: RegExp }[] = [
    {
      encoding: 'br',
      payload: plain,
      status: 415,
      code: 'unsupported-media-type',
      message: /Content-Encoding "br" is not supported; send the body as gzip, x-gzip, deflate, identity/,
    },
    { encoding: 'gzip', payload: plain, status: 400, code: 'malformed-body', message: /not valid gzip data/ },
    {
      encoding: 'deflate',
      payload: Buffer.from('not deflate at all'),
      status: 400,
      code: 'malformed-body',
      message: /not valid deflate data/,
    },
    { encoding: 'gzip', payload: gzipSync(plain).subarray(0, 20), status: 400, code: 'malformed-body', message: /not valid gzip data/ },
  ];
  for (const c of cases) {
    const viaLoss = await app.inject({
      method: 'POST',
      url: '/loss',
      headers: { 'content-type': 'application/json', 'content-encoding': c.encoding },
      payload: c.payload,
    });
    t.equal(viaLoss.statusCode, c.status, `/loss ${c.encoding}: ${c.status}`);
    t.equal(viaLoss.headers['content-type'], 'application/problem+json; charset=utf-8');
    t.match(viaLoss.json(), { code: c.code, detail: c.message });
    const viaV2 = await app.inject({
      method: 'POST',
      url: '/v2/models/focal_loss_binary/infer',
      headers: { 'content-encoding': c.encoding },
      payload: c.payload,
    });
    t.equal(viaV2.statusCode, c.status, `/v2 ${c.encoding}: ${c.status}`);
    t.match(viaV2.json(), { code: c.code, error: c.message });
  }
});

t.test('a compressed body sent to no route is neither decompressed nor parsed: a plain 404', async (t) => {
  const corrupt = Buffer.from('not gzip at all');
  const bomb = gzipSync(Buffer.alloc(BODY_LIMIT * 4, 0x20));
  for (const url of ['/nope', '/v2/nope', '/healthz']) {
    for (const payload of [corrupt, bomb]) {
      const res = await app.inject({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
        payload,
      });
      t.equal(res.statusCode, 404, `POST ${url} (${payload.length} bytes): 404, not a decompression error`);
      t.equal(res.json().code, 'not-found');
    }
  }
});

t.test('decompression is capped at what a Buffer can hold when BODY_LIMIT is larger', async (t) => {
  const body = Buffer.from(JSON.stringify(lossRequest));
  const decoded = await decodeContentEncoding(gzipSync(body), 'gzip', 2 ** 53);
  t.ok(decoded.equals(body), 'a BODY_LIMIT past buffer.constants.MAX_LENGTH still decompresses');
});

t.test('a client that leaves while its compressed body is decoded gets a 499 log line, not silence', async (t) => {
  const { log, logger } = captureLogs();
  const server = await buildTestApp(t, {}, { logger });
  // The server has read a request's whole body when its IncomingMessage ends.
  const bodyRead = new Map<string, () => void>();
  server.server.on('request', (req: IncomingMessage) => req.once('end', () => bodyRead.get(String(req.headers['x-request-id']))?.()));
  await server.listen({ port: 0, host: '127.0.0.1' });
  const { port } = server.server.address() as { port: number };
  // 48 MB of spaces in ~48 KB of gzip, its CRC spoiled: zlib inflates all of it (tens of
  // milliseconds at least) before it finds the error, while the client is already gone.
  const payload = gzipSync(Buffer.alloc(48 * 1024 * 1024, 0x20));
  payload[payload.length - 8] ^= 1;
  const ids = ['gone-1', 'gone-2', 'gone-3'];
  for (const id of ids) {
    const read = new Promise<void>((resolve) => bodyRead.set(id, resolve));
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write(
      `POST /loss HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n` +
        `X-Request-Id: ${id}\r\nContent-Length: ${payload.length}\r\n\r\n`,
    );
    await new Promise<void>((resolve) => socket.write(payload, () => resolve()));
    await read; // the server has the body and is inflating it
    socket.destroy();
  }
  for (const id of ids) {
    const [line] = await log.matching((l) => l.reqId === id && l.msg === 'request completed', 1, 15_000);
    t.match(line, { statusCode: 499, problem: 'cancelled', detail: /client closed the connection/ }, `${id}: ${JSON.stringify(line)}`);
  }
});
