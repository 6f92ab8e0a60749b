/**
 * The API document: the committed openapi/openapi.json is exactly what the app generates
 * (run `npm run openapi` after changing a schema or route); the worked examples
 * (openapi/examples.json) are what the service really answers; component names are the schemas' `$id`s; every request field says its
 * convention; errors are documented as problem+json; nothing depends on the environment; and the
 * service serves the same document at /openapi.json and the docs page at /docs.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { Value } from '@sinclair/typebox/value';
import { buildTestApp } from '../helpers/app.js';
import { DOCUMENT_PATH, EXAMPLES_PATH, examplesJson, generateDocument, generateExamples } from '../../scripts/openapi-document.js';
import { LossRequestSchema } from '../../src/schemas/loss-request.js';
import { LossResponseSchema } from '../../src/schemas/loss-response.js';
import { EncodedTensorSchema } from '../../src/schemas/encoded-tensor.js';
import { ProblemSchema } from '../../src/schemas/problem.js';
import { PROBLEMS, type ProblemCode } from '../../src/errors/problem-error.js';
import { addExamples } from '../../src/plugins/openapi.js';
import { loadRecordedExamples, type RecordedExample } from '../../src/schemas/recorded-example.js';

const committed = readFileSync(DOCUMENT_PATH, 'utf8');
const doc = JSON.parse(committed);
const lossOp = doc.paths['/loss'].post;
const recordedExamples = loadRecordedExamples();

t.test('the committed openapi/openapi.json is what the app generates (else run `npm run openapi`)', async (t) => {
  const generated = await generateDocument();
  t.equal(generated, committed, 'openapi/openapi.json is up to date');
});

/** Where two JSON values differ: same structure and strings, numbers within 1e-12 relative. */
function differences(a: unknown, b: unknown, at = '#'): string[] {
  if (typeof a === 'number' && typeof b === 'number') {
    return Math.abs(a - b) <= 1e-12 * Math.max(Math.abs(a), Math.abs(b)) ? [] : [`${at}: ${a} != ${b}`];
  }
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].flatMap((k) => differences((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${at}/${k}`));
  }
  return a === b ? [] : [`${at}: ${JSON.stringify(a)} != ${JSON.stringify(b)}`];
}

t.test('the worked examples are the real answers of the service (else run `npm run openapi`)', async (t) => {
  // Numbers may differ in the last bits on another Node.js (its Math.exp/log/pow), nothing else.
  t.same(differences(await generateExamples(), recordedExamples), []);
  t.equal(readFileSync(EXAMPLES_PATH, 'utf8'), examplesJson(recordedExamples), 'openapi/examples.json is as the generator writes it');
  t.same(differences([{ x: 1, y: 'a' }], [{ x: 1 + 1e-9, y: 'b' }]), ['#/0/x: 1 != 1.000000001', '#/0/y: "a" != "b"'], 'the comparison can fail');
});

t.test('OpenAPI 3.1 with stable component names and no environment-dependent content', async (t) => {
  t.equal(doc.openapi, '3.1.0');
  t.same(Object.keys(doc.components.schemas).sort(), [
    'EncodedTensor',
    'Health',
    'LossRequest',
    'LossResponse',
    'OipError',
    'OipInferenceRequest',
    'OipInferenceResponse',
    'OipLive',
    'OipModelConfig',
    'OipModelMetadata',
    'OipModelReady',
    'OipReady',
    'OipServerMetadata',
    'OipStatistics',
    'Problem',
    'Readiness',
  ]);
  t.same(lossOp.requestBody.content['application/json'].schema, { $ref: '#/components/schemas/LossRequest' });
  t.same(lossOp.responses['200'].content['application/json'].schema, { $ref: '#/components/schemas/LossResponse' });
  t.same(doc.servers.map((s: { url: string }) => s.url), ['/'], 'a relative server: the docs page calls the origin it was loaded from');
  t.notMatch(committed, /localhost|127\.0\.0\.1|0\.0\.0\.0|"host"|:\d{4,5}\b/, 'no host or port');
  t.notMatch(committed, /def-\d/, 'no numbered (unstable) component names');
  t.equal(doc.info.version, JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version);
});

t.test('the routes validate with the very schema objects the document describes', async (t) => {
  const app = await buildTestApp(t);
  // Fastify keeps its own copy of an added schema (without TypeBox's symbol keys); the content is the same.
  const json = (v: unknown) => JSON.parse(JSON.stringify(v));
  t.same(json(app.getSchema('LossRequest')), json(LossRequestSchema));
  t.same(json(app.getSchema('LossResponse')), json(LossResponseSchema));
  t.same(json(app.getSchema('Problem')), json(ProblemSchema));
  const bad = await app.inject({ method: 'POST', url: '/loss', payload: { mode: 'binary', logits: [1], targets: [1], gama: 2 } });
  t.equal(bad.json().errors[0].pointer, '#/gama', 'the body is validated against LossRequest (unknown field refused)');
});

t.test('every request field is described, with the conventions spelled out', async (t) => {
  const props = doc.components.schemas.LossRequest.properties as Record<string, { description?: string }>;
  t.same(Object.keys(props).sort(), Object.keys(LossRequestSchema.properties).sort(), 'every field is in the document');
  for (const [name, schema] of Object.entries(props)) t.ok((schema.description ?? '').length > 20, `${name} is described`);
  t.match(props.alpha.description, /weights the positives/, 'alpha in binary/multilabel weights the positives');
  t.match(props.alpha.description, /one number weights every class equally/, 'alpha as one number in multiclass');
  t.match(props.reduction.description, /divided by `normalizer` when given, else by the count: N in binary mode, 'N\*C|N\*C in multilabel/);
  t.match(props.label_smoothing.description, /y' = y \(1 - eps\) \+ eps \/ 2/);
  t.match(props.label_smoothing.description, /y'_k = y_k \(1 - eps\) \+ eps \/ C/);
  t.match(props.outputs.description, /`gradient` is d\(`loss`\)\/d\(`logits`\)/);
  t.match(lossOp.summary, /focal loss/i);
  t.match(lossOp.description, /gradient\*\* is d\(`loss`\)\/d\(`logits`\)/);
  t.same(lossOp.tags, ['loss']);
});

t.test('error responses are documented with the problem+json shape', async (t) => {
  for (const status of ['400', '413', '415', '422', '429', '500', '503']) {
    const response = lossOp.responses[status];
    t.ok(response?.description?.length > 10, `${status} is described`);
    t.same(Object.keys(response.content), ['application/problem+json'], `${status} is problem+json`);
    t.same(response.content['application/problem+json'].schema, { $ref: '#/components/schemas/Problem' });
  }
  t.same(doc.paths['/readyz'].get.responses['503'].content['application/problem+json'].schema, { $ref: '#/components/schemas/Problem' });
});

t.test('worked examples: one success per mode, and real error answers, each matching its schema', async (t) => {
  const successes = recordedExamples.filter((e) => e.status === 200);
  const modes = new Set(successes.map((e) => (e.request.body as { mode: string }).mode));
  t.same([...modes].sort(), ['binary', 'multiclass', 'multilabel']);
  const inDoc = lossOp.requestBody.content['application/json'].examples;
  const answers = lossOp.responses['200'].content['application/json'].examples;
  for (const e of successes) {
    t.ok(Value.Check(LossResponseSchema, [EncodedTensorSchema], e.response), `${e.name}: the response matches LossResponse`);
    t.same(inDoc[e.name].value, e.request.body, `${e.name}: request in the document`);
    t.same(answers[e.name].value, e.response, `${e.name}: response in the document`);
  }
  const errors = recordedExamples.filter((e) => e.status !== 200);
  t.same(errors.map((e) => e.status).sort(), [400, 413, 415, 422, 503]);
  for (const e of errors) {
    const body = e.response as { code: ProblemCode; status: number };
    t.ok(Value.Check(ProblemSchema, body), `${e.name}: the response matches Problem`);
    t.equal(body.code, e.name, `${e.name}: its problem code`);
    t.equal(PROBLEMS[body.code].status, e.status);
    t.same(lossOp.responses[String(e.status)].content['application/problem+json'].examples[e.name].value, body);
  }
});

t.test('addExamples refuses an example its document has no place for', async (t) => {
  const example: RecordedExample = {
    name: 'x', summary: 'x', method: 'POST', url: '/loss', request: { contentType: 'application/json', body: {} }, status: 200, response: {},
  };
  const copy = () => JSON.parse(committed);
  t.throws(() => addExamples(copy(), [{ ...example, url: '/nope' }]), /no operation POST \/nope/);
  t.throws(() => addExamples(copy(), [{ ...example, status: 418 }]), /documents no 418/);
  const added = addExamples(copy(), [{ ...example, description: 'why' }]);
  t.same((added.paths as any)['/loss'].post.requestBody.content['application/json'].examples.x, { summary: 'x', description: 'why', value: {} });
});

t.test('GET /openapi.json and /docs/json serve the same document; /docs serves Swagger UI from local assets', async (t) => {
  const app = await buildTestApp(t);
  const res = await app.inject({ method: 'GET', url: '/openapi.json' });
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /^application\/json/);
  t.same(res.json(), doc);
  t.same((await app.inject({ method: 'GET', url: '/docs/json' })).json(), doc);
  const page = await app.inject({ method: 'GET', url: '/docs' });
  t.equal(page.statusCode, 200);
  t.match(page.headers['content-type'], /text\/html/);
  const assets = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
  t.ok(assets.length >= 4, 'the page loads scripts and styles');
  for (const asset of assets) {
    t.notMatch(asset, /^(https?:)?\/\//, `${asset} is local`);
    const got = await app.inject({ method: 'GET', url: asset });
    t.equal(got.statusCode, 200, `${asset} is served`);
  }
});

t.test('the Open Inference Protocol routes are documented, with its error object instead of problem+json', async (t) => {
  for (const versioned of ['', '/versions/{model_version}']) {
    const infer = doc.paths[`/v2/models/{model_name}${versioned}/infer`].post;
    t.same(infer.tags, ['open-inference-protocol']);
    t.match(infer.description, /Inference-Header-Content-Length/);
    t.same(Object.keys(infer.requestBody.content), ['application/json', 'application/octet-stream']);
    t.same(infer.requestBody.content['application/json'].schema, { $ref: '#/components/schemas/OipInferenceRequest' });
    t.same(infer.responses['200'].content['application/json'].schema, { $ref: '#/components/schemas/OipInferenceResponse' });
    for (const status of ['400', '413', '422', '503']) {
      t.same(infer.responses[status].content, { 'application/json': { schema: { $ref: '#/components/schemas/OipError' } } }, `${status}`);
    }
    t.ok(doc.paths[`/v2/models/{model_name}${versioned}`].get, 'model metadata');
    t.ok(doc.paths[`/v2/models/{model_name}${versioned}/ready`].get, 'model readiness');
  }
  for (const path of ['/v2', '/v2/health/live', '/v2/health/ready']) t.ok(doc.paths[path].get, path);
  const parameters = doc.components.schemas.OipInferenceRequest.properties.parameters.properties;
  for (const name of ['gamma', 'alpha', 'reduction', 'normalizer', 'ignore_index', 'label_smoothing', 'binary_data_output']) {
    t.ok((parameters[name]?.description ?? '').length > 20, `parameter ${name} is described`);
  }
});
