/**
 * Who may call an operation, as the OpenAPI document declares it: the one security scheme (a key
 * from API_KEYS sent as "Authorization: Bearer <key>", checked by plugins/api-key-auth.ts) and,
 * for each kind of route, whether it sits behind it. Which routes really are behind the keys is
 * decided by the scope app.ts registers them in; test/openapi/openapi-security.test.ts checks
 * every operation's declaration against the real app.
 */

export const API_KEY_SCHEME = 'apiKey';

/** components.securitySchemes of the document. */
export const SECURITY_SCHEMES = {
  [API_KEY_SCHEME]: {
    type: 'http' as const,
    scheme: 'bearer',
    description:
      'One of the keys in `API_KEYS`, sent as `Authorization: Bearer <key>`. Checked only when `API_KEYS` is set; ' +
      'a missing or wrong key is a 401 (`unauthorized`, with `WWW-Authenticate: Bearer`).',
  },
};

type Security = Array<Record<string, string[]>>;

/** Compute routes (POST /loss, the /v2 infer routes): behind the keys whenever API_KEYS is set. */
export const API_KEY_REQUIRED: Security = [{ [API_KEY_SCHEME]: [] }];

/**
 * Operations routes (/metrics, the /v2 statistics): behind the keys only when AUTH_PROTECT_OPS is
 * set as well, so a key is optional (`{}` is the alternative without one).
 */
export const API_KEY_OPTIONAL: Security = [{ [API_KEY_SCHEME]: [] }, {}];

/** Probes and metadata: never behind the keys, so orchestrators and protocol clients reach them. */
export const NO_API_KEY: Security = [];
