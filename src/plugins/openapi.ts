/**
 * The OpenAPI 3.1 document and the docs page. @fastify/swagger builds the document from the
 * routes' own schemas (shared ones by `$id`, see schemas/shared.ts); the worked examples recorded
 * from real responses (openapi/examples.json) are added to their operations.
 * Registered at the root before any route, so every route is in the document; the pages that
 * serve it are routes/docs.ts. Nothing in the document depends on the environment: the API keys
 * are declared per operation (schemas/security.ts) whether or not API_KEYS is set.
 */
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import swagger from '@fastify/swagger';
import type { OpenAPIV3_1 } from 'openapi-types';
import { PROBLEM_MEDIA_TYPE } from '../schemas/shared.js';
import { PACKAGE } from '../package-root.js';
import { loadRecordedExamples, type RecordedExample } from '../schemas/recorded-example.js';
import { SECURITY_SCHEMES } from '../schemas/security.js';

export const OPENAPI_VERSION = '3.1.0';
export const DOCS_PREFIX = '/docs';

const INFO = {
  title: 'Focal loss service',
  description:
    'Exact focal loss (binary, multilabel, multiclass), its gradient with respect to the logits and per-class ' +
    'statistics for a batch, computed in float64 on a pool of worker threads. Every error is RFC 9457 ' +
    '`application/problem+json`, except under `/v2` (the Open Inference Protocol, whose errors are `{"error": "..."}`). ' +
    'Operations: `/healthz` (liveness), `/readyz` (readiness), `/metrics` (Prometheus).',
};

/**
 * The service answers at the origin that serves the document (a relative URL, so the document
 * stays the same on every host): what the docs page's "Try it out" calls, and where clients
 * generated from the document resolve paths (they take the base URL as a setting).
 */
const SERVERS = [{ url: '/', description: 'The origin serving this document.' }];

const TAGS = [
  { name: 'loss', description: 'Focal loss, gradient and per-class statistics.' },
  { name: 'operations', description: 'Health, readiness and metrics for whoever runs the service.' },
  {
    name: 'open-inference-protocol',
    description:
      'The same computation as three models (focal_loss_binary, focal_loss_multilabel, focal_loss_multiclass) over the ' +
      'Open Inference Protocol v2 REST API (KServe, Triton), with the binary tensor data extension.',
  },
];

type Operation = OpenAPIV3_1.OperationObject;
type Media = OpenAPIV3_1.MediaTypeObject;

/** Adds each recorded example to its operation: the request body and the response of its status. */
export function addExamples(document: OpenAPIV3_1.Document, examples: readonly RecordedExample[]): OpenAPIV3_1.Document {
  for (const ex of examples) {
    const operation = document.paths?.[ex.url]?.[ex.method.toLowerCase() as 'get' | 'post'] as Operation | undefined;
    if (operation === undefined) throw new Error(`example ${ex.name}: no operation ${ex.method} ${ex.url} in the document`);
    const summary = { summary: ex.summary, ...(ex.description === undefined ? {} : { description: ex.description }) };
    if (ex.status < 300) {
      const body = (operation.requestBody as OpenAPIV3_1.RequestBodyObject | undefined)?.content[ex.request.contentType];
      if (body !== undefined) addExample(body, ex.name, { ...summary, value: ex.request.body });
    }
    const response = operation.responses?.[String(ex.status)] as OpenAPIV3_1.ResponseObject | undefined;
    const mediaType = ex.status < 300 ? 'application/json' : PROBLEM_MEDIA_TYPE;
    const media = response?.content?.[mediaType];
    if (media === undefined) throw new Error(`example ${ex.name}: ${ex.method} ${ex.url} documents no ${ex.status} ${mediaType} response`);
    addExample(media, ex.name, { ...summary, value: ex.response });
  }
  return document;
}

function addExample(media: Media, name: string, example: OpenAPIV3_1.ExampleObject): void {
  media.examples = { ...(media.examples ?? {}), [name]: example };
}

export default fp(
  async function openapi(app: FastifyInstance) {
    await app.register(swagger, {
      openapi: {
        openapi: OPENAPI_VERSION,
        info: { ...INFO, version: PACKAGE.version, license: { name: PACKAGE.license, identifier: PACKAGE.license } },
        servers: SERVERS,
        tags: TAGS,
        components: { securitySchemes: SECURITY_SCHEMES },
      },
      // Shared schemas keep their $id as component name (the default would number them).
      refResolver: {
        buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`),
      },
      // Called once per app, when the document is first asked for: `npm run openapi` records new
      // examples and then builds the document from them in the same process.
      transformObject: (documentObject) =>
        'openapiObject' in documentObject
          ? addExamples(documentObject.openapiObject as OpenAPIV3_1.Document, loadRecordedExamples())
          : documentObject.swaggerObject,
    });
  },
  { name: 'openapi', dependencies: ['shared-schemas'] },
);
