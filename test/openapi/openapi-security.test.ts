/**
 * The document's security declarations are what the real app enforces: with API_KEYS set, every
 * operation declared behind the bearer scheme refuses a request without a key (401, with
 * WWW-Authenticate: Bearer), those declaring it optional only when AUTH_PROTECT_OPS is set too,
 * and those declaring none never; a valid key passes everywhere; every operation that can answer
 * 401 documents it.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { buildTestApp } from '../helpers/app.js';
import { DOCUMENT_PATH } from '../../scripts/openapi-document.js';
import { API_KEY_SCHEME } from '../../src/schemas/security.js';

const doc = JSON.parse(readFileSync(DOCUMENT_PATH, 'utf8'));
const KEY = 'test-key-1';

type Requirement = Record<string, string[]>;
interface Operation {
  method: string;
  path: string;
  url: string;
  security: Requirement[];
  responses: Record<string, unknown>;
}

const operations: Operation[] = Object.entries(doc.paths as Record<string, Record<string, Operation>>).flatMap(([path, item]) =>
  Object.entries(item).map(([method, op]) => ({
    ...op,
    method: method.toUpperCase(),
    path,
    url: path.replace('{model_name}', 'focal_loss_binary').replace('{model_version}', '1'),
  })),
);

/** "required": a key is needed whenever API_KEYS is set; "optional": one alternative needs none; "none": open. */
function declared(op: Operation): 'required' | 'optional' | 'none' {
  if (op.security === undefined) throw new Error(`${op.method} ${op.path} declares no security`);
  const withKey = op.security.some((r) => API_KEY_SCHEME in r);
  if (!withKey) return 'none';
  return op.security.some((r) => Object.keys(r).length === 0) ? 'optional' : 'required';
}

t.test('the bearer scheme is the one the service checks', async (t) => {
  t.same(Object.keys(doc.components.securitySchemes), [API_KEY_SCHEME]);
  t.match(doc.components.securitySchemes[API_KEY_SCHEME], { type: 'http', scheme: 'bearer' });
  t.notOk('security' in doc, 'no document-wide default: each operation says it');
  const kinds = operations.map((op) => `${op.method} ${op.path}: ${declared(op)}`);
  t.ok(kinds.includes('POST /loss: required'));
  t.ok(kinds.includes('POST /v2/models/{model_name}/infer: required'));
  t.ok(kinds.includes('GET /metrics: optional'));
  t.ok(kinds.includes('GET /healthz: none'));
});

for (const protectOps of [false, true]) {
  t.test(`API_KEYS set, AUTH_PROTECT_OPS=${protectOps}: each operation is as open as it says`, async (t) => {
    const app = await buildTestApp(t, { API_KEYS: KEY, AUTH_PROTECT_OPS: String(protectOps) });
    for (const op of operations) {
      const kind = declared(op);
      const needsKey = kind === 'required' || (kind === 'optional' && protectOps);
      const anonymous = await app.inject({ method: op.method, url: op.url });
      t.equal(anonymous.statusCode === 401, needsKey, `${op.method} ${op.path} (${kind}) without a key: ${anonymous.statusCode}`);
      if (needsKey) t.match(anonymous.headers['www-authenticate'], /^Bearer /, `${op.method} ${op.path}: a bearer challenge`);
      const withKey = await app.inject({ method: op.method, url: op.url, headers: { authorization: `Bearer ${KEY}` } });
      t.not(withKey.statusCode, 401, `${op.method} ${op.path} with the key: ${withKey.statusCode}`);
    }
  });
}

t.test('every operation behind the key documents its 401', async (t) => {
  for (const op of operations.filter((o) => declared(o) !== 'none')) {
    t.ok('401' in op.responses, `${op.method} ${op.path}`);
  }
});
