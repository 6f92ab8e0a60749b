/**
 * Files of the package read at run time (package.json, the OpenAPI document's recorded
 * examples), found from the package root. This module sits one level below the root both as
 * src/package-root.ts (tsx, tap) and as dist/package-root.js (compiled), so one relative path
 * serves both; the container image keeps the same layout under /app.
 */
import { readFileSync } from 'node:fs';

const PACKAGE_ROOT = new URL('../', import.meta.url);

/** A JSON file of the package, by its path from the package root ("openapi/examples.json"). */
export function readPackageJsonFile(relativePath: string): unknown {
  return JSON.parse(readFileSync(new URL(relativePath, PACKAGE_ROOT), 'utf8'));
}

/** The package's name, version and license (SPDX), as the server metadata and the OpenAPI document report them. */
export const PACKAGE = readPackageJsonFile('package.json') as { name: string; version: string; license: string };
