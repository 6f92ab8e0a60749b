/**
 * Builds the API document's two generated artefacts from the real app: the worked examples
 * (each request sent to the service, its real response recorded; openapi/examples.json) and
 * openapi/openapi.json (what @fastify/swagger generates, the examples included). Used by
 * scripts/openapi.ts to write them and by test/openapi to fail when the committed ones differ.
 */
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { RECORDED_EXAMPLES_FILE, type RecordedExample } from '../src/schemas/recorded-example.js';
import { EXAMPLE_SPECS, type ExampleSpec } from './openapi-examples.js';

export const DOCUMENT_PATH = new URL('../openapi/openapi.json', import.meta.url);
export const EXAMPLES_PATH = new URL(`../${RECORDED_EXAMPLES_FILE}`, import.meta.url);

// Fixed settings, not the environment's: the document and examples must not depend on the machine.
// Load shedding off: a busy machine would turn an example into a 503.
const BASE_ENV = { POOL_SIZE: '1', LOG_LEVEL: 'silent', PRESSURE_MAX_EVENT_LOOP_DELAY_MS: '0' };

/** Sends one example request to an app and records the answer it gets. */
async function record(app: FastifyInstance, spec: ExampleSpec): Promise<RecordedExample> {
  const contentType = spec.contentType ?? 'application/json';
  const res = await app.inject({
    method: 'POST',
    url: '/loss',
    headers: { 'content-type': contentType, 'x-request-id': `example-${spec.name}` },
    payload: typeof spec.body === 'string' ? spec.body : JSON.stringify(spec.body),
  });
  if (res.statusCode !== spec.status) {
    throw new Error(`example ${spec.name}: expected status ${spec.status}, the service answered ${res.statusCode}: ${res.body}`);
  }
  return {
    name: spec.name,
    summary: spec.summary,
    ...(spec.description === undefined ? {} : { description: spec.description }),
    method: 'POST',
    url: '/loss',
    request: { contentType, body: spec.body },
    status: res.statusCode,
    response: res.json(),
  };
}

/** Every example request sent to a real app (one app per distinct setting), with the response it got. */
export async function generateExamples(): Promise<RecordedExample[]> {
  const recorded = new Map<ExampleSpec, RecordedExample>();
  const setups = new Map<string, ExampleSpec[]>();
  for (const spec of EXAMPLE_SPECS) {
    const key = JSON.stringify([spec.env ?? {}, spec.draining ?? false]);
    setups.set(key, [...(setups.get(key) ?? []), spec]);
  }
  for (const specs of setups.values()) {
    const app = await buildApp(loadConfig({ ...BASE_ENV, ...specs[0].env }));
    try {
      await app.ready();
      if (specs[0].draining) await app.focalPool.close();
      for (const spec of specs) recorded.set(spec, await record(app, spec));
    } finally {
      await app.close();
    }
  }
  return EXAMPLE_SPECS.map((spec) => recorded.get(spec)!);
}

/** The text of openapi/examples.json for these examples. */
export function examplesJson(examples: RecordedExample[]): string {
  return `${JSON.stringify(examples, null, 2)}\n`;
}

/** The OpenAPI document exactly as committed in openapi/openapi.json, with the examples as in openapi/examples.json now. */
export async function generateDocument(): Promise<string> {
  const app = await buildApp(loadConfig(BASE_ENV));
  try {
    await app.ready();
    return `${JSON.stringify(app.swagger(), null, 2)}\n`;
  } finally {
    await app.close();
  }
}
