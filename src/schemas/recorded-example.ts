/**
 * A worked example recorded from a real response of the service (scripts/openapi.ts makes them
 * by calling the app; test/openapi checks they are still what the service answers). The
 * OpenAPI document shows each one under its operation, request and response.
 */
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
