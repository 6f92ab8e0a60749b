/**
 * A client generated from the committed openapi/openapi.json works as it is: openapi-typescript
 * writes its types into a fresh directory, tsc type-checks test/fixtures/typed-client/calls.ts
 * (openapi-fetch calls of POST /loss, the /v2 infer route and /healthz, and calls the types must
 * refuse) against them, and the same file then calls the real server over a socket; every answer
 * it gets matches the document's schema for that operation, status and media type, which is what
 * the generated types were made from.
 */
import t, { type Test } from 'tap';
import { execFile } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { AddressInfo } from 'node:net';
import openapiTS, { astToString } from 'openapi-typescript';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { buildTestApp } from '../helpers/app.js';
import { DOCUMENT_PATH } from '../../scripts/openapi-document.js';
import { ConfigSchema } from '../../src/config.js';

const CALLS = new URL('../fixtures/typed-client/calls.ts', import.meta.url);
const TSC = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const KEY = 'typed-client-key';
const doc = JSON.parse(readFileSync(DOCUMENT_PATH, 'utf8'));

// The document's own schemas (JSON Schema 2020-12, as OpenAPI 3.1 says), each response checked
// against the one its operation documents. `format: byte` is base64, as OpenAPI defines it.
const ajv = new Ajv2020({ strict: false, allErrors: true });
ajv.addFormat('byte', /^[A-Za-z0-9+/]*={0,2}$/);
ajv.addSchema({ ...doc, $id: 'openapi.json' });

function documentedSchema(answer: { path: string; method: string; status: number; contentType: string | null }) {
  const mediaType = (answer.contentType ?? '').split(';')[0].trim();
  const at = ['paths', answer.path, answer.method, 'responses', String(answer.status), 'content', mediaType, 'schema'];
  const schema = at.reduce<any>((node, key) => node?.[key], doc);
  if (schema === undefined) throw new Error(`${answer.method} ${answer.path}: no ${answer.status} ${mediaType} in the document`);
  const pointer = at.map((key) => encodeURIComponent(key.replaceAll('~', '~0').replaceAll('/', '~1'))).join('/');
  return ajv.compile({ $ref: `openapi.json#/${pointer}` });
}

/** The generated types and the calls, side by side in a directory inside the project (so openapi-fetch resolves). */
async function generatedClient(t: Test): Promise<string> {
  const dir = t.testdir({});
  // defaultNonNullable off: a request field with a default (gamma, reduction, ...) stays optional to the caller.
  const ast = await openapiTS(DOCUMENT_PATH, { defaultNonNullable: false });
  // A .ts (type exports only), so tsc checks it even with skipLibCheck, which spares it the libraries' own .d.ts files.
  writeFileSync(path.join(dir, 'schema.ts'), astToString(ast));
  copyFileSync(CALLS, path.join(dir, 'calls.ts'));
  const compilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    types: ['node'],
  };
  writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['calls.ts', 'schema.ts'] }));
  return dir;
}

t.test('types generated from openapi/openapi.json type-check the calls and refuse wrong ones', async (t) => {
  const dir = await generatedClient(t);
  const tsc = await promisify(execFile)(process.execPath, [TSC, '-p', path.join(dir, 'tsconfig.json')]).then(
    () => ({ ok: true, output: '' }),
    (err: { stdout: string }) => ({ ok: false, output: err.stdout }),
  );
  t.ok(tsc.ok, `tsc --noEmit passes${tsc.output === '' ? '' : `:\n${tsc.output}`}`);

  t.test('the same calls against the real server get answers the document describes', async (t) => {
    // One worker, and batches this small computed on the main thread (the default): the test is about the API, not the pool.
    const app = await buildTestApp(t, { API_KEYS: KEY, POOL_SIZE: '1', INLINE_MAX_ELEMENTS: String(ConfigSchema.properties.INLINE_MAX_ELEMENTS.default) });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as AddressInfo;
    const calls = await import(pathToFileURL(path.join(dir, 'calls.ts')).href);
    const { answers, read } = await calls.callService(`http://127.0.0.1:${port}`, KEY);

    t.same(
      answers.map((a: { status: number }) => a.status),
      [200, 200, 400, 200, 400],
      'statuses: health, loss, invalid loss, infer, unknown model',
    );
    for (const answer of answers) {
      const validate = documentedSchema(answer);
      t.ok(validate(answer.body), `${answer.method} ${answer.path} ${answer.status}: matches the document`, { errors: validate.errors });
    }
    // The typed client sent what a plain request sends, and read fields of the types' kinds.
    const direct = await app.inject({ method: 'POST', url: '/loss', headers: { authorization: `Bearer ${KEY}` }, payload: calls.LOSS_BODY });
    t.same(answers[1].body, direct.json(), 'POST /loss through the typed client = the same body sent directly');
    t.equal(read.status, 'ok');
    t.equal(typeof read.lossValue, 'number');
    t.same(read.counts, [1, 0, 1], 'per-class support of targets [0, 2]');
    t.equal(read.pointer, '#/targets', 'the problem names the field');
    t.same(read.outputNames, ['loss', 'gradient']);
    t.equal(read.oipErrorCode, 'invalid-request');
  });
});

t.test('the schema check can fail: a body the document does not describe is refused', async (t) => {
  const validate = documentedSchema({ path: '/loss', method: 'post', status: 200, contentType: 'application/json' });
  t.notOk(validate({ loss: '0.5' }), 'loss as a string');
  t.notOk(validate({}), 'no loss');
});
