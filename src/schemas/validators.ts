/**
 * Schema validation exactly as Fastify does it, on any thread. The Ajv options every request is
 * checked with live here once; Fastify gets them (app.ts), and workers compile the same route
 * schemas with the same compiler Fastify itself uses (@fastify/ajv-compiler), fed the same
 * shared schemas. A body is therefore accepted or refused, with the same errors rendered by the
 * same function (errors/ajv-errors.ts), whichever thread checked it.
 */
import { AjvCompiler } from '@fastify/ajv-compiler';
import type { TSchema } from '@sinclair/typebox';
import type { AjvErrorLike } from '../errors/ajv-errors.js';
import { RawBody } from '../body/raw-body.js';
import { SHARED_SCHEMAS } from './shared.js';

export const AJV_OPTIONS = {
  // A numeric service must not turn "0.5" into 0.5 or null into 0 (Fastify's default).
  coerceTypes: false,
  // Unknown fields are errors, not silently dropped.
  removeAdditional: false,
  // Defaults are applied once, in tensors/decode-loss-request.ts, and echoed in `meta`.
  useDefaults: false,
  // Stop at the first schema error: a million bad values must not build a million errors.
  allErrors: false,
  // Errors carry the offending value, so a reason can say "must be finite" for 1e999.
  verbose: true,
} as const;

export type Validator = ((data: unknown) => boolean) & { errors?: AjvErrorLike[] | null };
type RouteSchema = { schema: unknown; method?: string; url?: string; httpPart?: string };
type CompilerFactory = (
  externalSchemas: Record<string, unknown>,
  options: { customOptions: object; plugins: unknown[] },
) => (route: RouteSchema) => Validator;

const ajvCompiler = AjvCompiler as unknown as () => CompilerFactory;

/**
 * Fastify's validator builder, except that a body left as bytes for a worker (RawBody) passes:
 * the worker validates it against the same schema. Everything else is Fastify's default.
 */
export function buildValidatorAcceptingRawBodies(): CompilerFactory {
  const build = ajvCompiler();
  return (externalSchemas, options) => {
    const compile = build(externalSchemas, options);
    return (route) => {
      const validate = compile(route);
      if (route.httpPart !== 'body') return validate;
      const wrapped: Validator = (data) => {
        if (data instanceof RawBody) return true;
        const ok = validate(data);
        wrapped.errors = validate.errors;
        return ok;
      };
      return wrapped;
    };
  };
}

let compileInThisThread: ((route: RouteSchema) => Validator) | null = null;

/** A body validator for a route's body schema, compiled once per thread as Fastify compiles it. */
export function compileBodyValidator(schema: TSchema): Validator {
  if (compileInThisThread === null) {
    const byId: Record<string, unknown> = {};
    for (const s of SHARED_SCHEMAS) byId[s.$id as string] = s;
    compileInThisThread = ajvCompiler()(byId, { customOptions: { ...AJV_OPTIONS }, plugins: [] });
  }
  return compileInThisThread({ schema, httpPart: 'body' });
}
