/**
 * npm run openapi: regenerates the worked examples (real responses) and openapi/openapi.json.
 * Run in two steps, each in its own process, because the document embeds the examples module:
 *   tsx scripts/openapi.ts examples   -> src/schemas/loss-examples.generated.ts
 *   tsx scripts/openapi.ts document   -> openapi/openapi.json
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { DOCUMENT_PATH, EXAMPLES_PATH, examplesModule, generateDocument, generateExamples } from './openapi-document.js';

const step = process.argv[2];
if (step === 'examples') {
  writeFileSync(EXAMPLES_PATH, examplesModule(await generateExamples()));
  process.stdout.write(`wrote ${fileURLToPath(EXAMPLES_PATH)}\n`);
} else if (step === 'document') {
  mkdirSync(path.dirname(fileURLToPath(DOCUMENT_PATH)), { recursive: true });
  writeFileSync(DOCUMENT_PATH, await generateDocument());
  process.stdout.write(`wrote ${fileURLToPath(DOCUMENT_PATH)}\n`);
} else {
  process.stderr.write('usage: tsx scripts/openapi.ts examples|document\n');
  process.exit(2);
}
