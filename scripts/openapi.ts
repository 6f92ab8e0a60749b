/**
 * npm run openapi: records the worked examples (real responses of the service) into
 * openapi/examples.json, then writes openapi/openapi.json, which shows them, and the TypeScript
 * client's types generated from that document. One process: the OpenAPI plugin reads the examples
 * file when it builds the document, after it was written.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { CLIENT_TYPES_PATH, generateClientTypes } from './client-types.js';
import { DOCUMENT_PATH, EXAMPLES_PATH, examplesJson, generateDocument, generateExamples } from './openapi-document.js';

mkdirSync(path.dirname(fileURLToPath(DOCUMENT_PATH)), { recursive: true });
writeFileSync(EXAMPLES_PATH, examplesJson(await generateExamples()));
process.stdout.write(`wrote ${fileURLToPath(EXAMPLES_PATH)}\n`);
writeFileSync(DOCUMENT_PATH, await generateDocument());
process.stdout.write(`wrote ${fileURLToPath(DOCUMENT_PATH)}\n`);
writeFileSync(CLIENT_TYPES_PATH, await generateClientTypes());
process.stdout.write(`wrote ${fileURLToPath(CLIENT_TYPES_PATH)}\n`);
