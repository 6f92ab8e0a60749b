/**
 * The committed OpenAPI document passes Redocly's linter with its recommended rules, as
 * `redocly lint openapi/openapi.json` run from the repository root judges it (same library,
 * @redocly/openapi-core, same default ruleset, same .redocly.lint-ignore.yaml); the few findings
 * that file skips are the ones it explains; every operation has a stable camelCase operationId.
 */
import t from 'tap';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BaseResolver, createConfig, lintFromString, loadIgnoreConfig, type NormalizedProblem } from '@redocly/openapi-core';
import { parse as parseYaml } from 'yaml';
import { DOCUMENT_PATH } from '../../scripts/openapi-document.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DOCUMENT_FILE = fileURLToPath(DOCUMENT_PATH);
const committed = readFileSync(DOCUMENT_PATH, 'utf8');
const doc = JSON.parse(committed);

/** Lints a document text as if it were openapi/openapi.json, with the recommended rules and the project's ignore file. */
async function lint(text: string): Promise<NormalizedProblem[]> {
  // The config path's directory is where the ignore file is looked up, as the CLI does in its working
  // directory. A file name, not ROOT itself: the library takes a path whose last part has a dot (a
  // checkout in /tmp/tmp.AbC123) for a file and would look in its parent.
  const ignore = await loadIgnoreConfig(path.join(ROOT, 'redocly.yaml'), new BaseResolver());
  const config = await createConfig({ extends: ['recommended'] }, { ignore });
  return lintFromString({ source: text, absoluteRef: DOCUMENT_FILE, config });
}

const describe = (problems: NormalizedProblem[]) => problems.map((p) => `${p.severity} ${p.ruleId} at ${p.location[0]?.pointer}: ${p.message}`);

t.test('openapi/openapi.json has no error and no warning under the recommended rules', async (t) => {
  const problems = await lint(committed);
  t.same(describe(problems.filter((p) => !p.ignored)), [], 'nothing to report');
});

t.test('the lint finds what the recommended rules forbid (it can fail)', async (t) => {
  const broken = structuredClone(doc);
  delete broken.servers;
  delete broken.info.license;
  delete broken.paths['/loss'].post.operationId;
  delete broken.paths['/loss'].post.security;
  const rules = (await lint(JSON.stringify(broken))).filter((p) => !p.ignored).map((p) => p.ruleId);
  t.same([...new Set(rules)].sort(), ['info-license', 'no-empty-servers', 'operation-operationId', 'security-defined']);
});

t.test('the ignore file skips only operation-4xx-response, on operations that document no 4xx and need no key', async (t) => {
  const ignoreFile = parseYaml(readFileSync(new URL('.redocly.lint-ignore.yaml', `file://${ROOT}`), 'utf8'));
  t.same(Object.keys(ignoreFile), ['openapi/openapi.json'], 'only the generated document');
  t.same(Object.keys(ignoreFile['openapi/openapi.json']), ['operation-4xx-response'], 'only the 4xx rule');
  const pointers: string[] = ignoreFile['openapi/openapi.json']['operation-4xx-response'];
  const ignored = (await lint(committed)).filter((p) => p.ignored);
  t.same(ignored.map((p) => p.location[0]?.pointer).sort(), [...pointers].sort(), 'each entry still matches a finding (none is stale)');
  for (const pointer of pointers) {
    const [, path, method] = /^#\/paths\/(.+)\/(get|post)\/responses$/.exec(pointer) ?? [];
    const operation = doc.paths[path.replaceAll('~1', '/').replaceAll('~0', '~')][method];
    t.same(operation.security, [], `${pointer}: open to every caller`);
    t.notOk(operation.parameters ?? operation.requestBody, `${pointer}: takes no parameter and no body`);
    t.same(Object.keys(operation.responses).filter((s) => s.startsWith('4')), [], `${pointer}: no 4xx documented`);
  }
});

t.test('every operation has a unique camelCase operationId', async (t) => {
  const ids = Object.values(doc.paths as Record<string, Record<string, { operationId?: string }>>).flatMap((item) =>
    Object.values(item).map((op) => op.operationId),
  );
  t.ok(ids.length > 0, `${ids.length} operations`);
  for (const id of ids) t.match(id, /^[a-z][a-zA-Z0-9]*$/, `${id}`);
  t.equal(new Set(ids).size, ids.length, 'no two alike');
});

t.test('the document names its license (the package.json license, SPDX) and a relative server', async (t) => {
  const license = JSON.parse(readFileSync(new URL('package.json', `file://${ROOT}`), 'utf8')).license;
  t.same(doc.info.license, { name: license, identifier: license });
  t.same(
    doc.servers.map((s: { url: string }) => s.url),
    ['/'],
  );
});
