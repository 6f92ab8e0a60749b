/**
 * The worked examples recorded from real responses of the service: data in openapi/examples.json,
 * written by `npm run openapi` (scripts/openapi.ts calls the app) and checked by test/openapi to
 * still be what the service answers. The OpenAPI document shows each one under its operation,
 * request and response.
 */
import { readPackageJsonFile } from '../package-root.js';

/** Where the examples live, from the package root (the container image copies this file too). */
export const RECORDED_EXAMPLES_FILE = 'openapi/examples.json';

export interface RecordedExample {
  /** Key in the OpenAPI `examples` maps, e.g. "binary". */
  name: string;
  summary: string;
  description?: string;
  method: 'GET' | 'POST';
  url: string;
  request: {
    contentType: string;
    /** A JSON value, or the raw text for a body that is not JSON. */
    body: unknown;
  };
  status: number;
  /** The response body as the service sent it (parsed JSON). */
  response: unknown;
}

/** The committed examples, read when called (the OpenAPI plugin asks once, when it builds the document). */
export function loadRecordedExamples(): RecordedExample[] {
  return readPackageJsonFile(RECORDED_EXAMPLES_FILE) as RecordedExample[];
}
