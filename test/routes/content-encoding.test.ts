/**
 * Compressed request bodies (Content-Encoding gzip or deflate, as tritonclient's
 * request_compression_algorithm sends them): decompressed before parsing on POST /loss and on
 * /v2 inference, capped at BODY_LIMIT after decompression; anything else is a clear 4xx.
 */
import t from 'tap';
import { deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { buildTestApp, postLoss } from '../helpers/app.js';
import { float64Bytes, readOipReply } from '../helpers/oip.js';

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
  const viaLoss = await app.inject({ method: 'POST', url: '/loss', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, payload: bomb });
  t.equal(viaLoss.statusCode, 413);
  t.match(viaLoss.json(), { code: 'payload-too-large', detail: /decompressed body is larger than BODY_LIMIT/ });
  const viaV2 = await app.inject({ method: 'POST', url: '/v2/models/focal_loss_binary/infer', headers: { 'content-encoding': 'gzip' }, payload: bomb });
  t.equal(viaV2.statusCode, 413);
  t.match(viaV2.json(), { code: 'payload-too-large', error: /decompressed body is larger than BODY_LIMIT/ });
});

t.test('an unknown coding is a 415 and corrupt compressed data a 400, in each endpoint\'s error form', async (t) => {
  const plain = Buffer.from(JSON.stringify(lossRequest));
  const cases: { encoding: string; payload: Buffer; status: number; code: string; message: RegExp }[] = [
    { encoding: 'br', payload: plain, status: 415, code: 'unsupported-media-type', message: /Content-Encoding "br" is not supported; send the body as gzip, deflate, identity/ },
    { encoding: 'gzip', payload: plain, status: 400, code: 'malformed-body', message: /not valid gzip data/ },
    { encoding: 'deflate', payload: Buffer.from('not deflate at all'), status: 400, code: 'malformed-body', message: /not valid deflate data/ },
    { encoding: 'gzip', payload: gzipSync(plain).subarray(0, 20), status: 400, code: 'malformed-body', message: /not valid gzip data/ },
  ];
  for (const c of cases) {
    const viaLoss = await app.inject({ method: 'POST', url: '/loss', headers: { 'content-type': 'application/json', 'content-encoding': c.encoding }, payload: c.payload });
    t.equal(viaLoss.statusCode, c.status, `/loss ${c.encoding}: ${c.status}`);
    t.equal(viaLoss.headers['content-type'], 'application/problem+json; charset=utf-8');
    t.match(viaLoss.json(), { code: c.code, detail: c.message });
    const viaV2 = await app.inject({ method: 'POST', url: '/v2/models/focal_loss_binary/infer', headers: { 'content-encoding': c.encoding }, payload: c.payload });
    t.equal(viaV2.statusCode, c.status, `/v2 ${c.encoding}: ${c.status}`);
    t.match(viaV2.json(), { code: c.code, error: c.message });
  }
});
