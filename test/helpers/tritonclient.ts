/**
 * What tritonclient.http (sync and aio) does for its non-inference calls, emulated on app.inject:
 * the relative URIs it builds (model names quoted, /versions/{v} only when a version is given),
 * a GET without a body or content type, and its answer handling (_get_error: any status but 200
 * raises with the body's "error"; otherwise json.loads of the body). Written from
 * tritonclient/http/_client.py, aio/__init__.py and _utils.py.
 */
import type { FastifyInstance } from 'fastify';

export class InferenceServerException extends Error {
  constructor(
    message: string,
    readonly status: string,
  ) {
    super(message);
  }
}

async function tritonGet(app: FastifyInstance, requestUri: string, headers: Record<string, string> = {}): Promise<any> {
  const res = await app.inject({ method: 'GET', url: `/${requestUri}`, headers });
  if (res.statusCode !== 200) {
    const error = res.body.length > 0 ? JSON.parse(res.body) : { error: 'client received an empty response from the server.' };
    throw new InferenceServerException(error.error, String(res.statusCode));
  }
  return JSON.parse(res.body);
}

const modelUri = (name: string, version: string, tail: string) =>
  version !== '' ? `v2/models/${encodeURIComponent(name)}/versions/${version}/${tail}` : `v2/models/${encodeURIComponent(name)}/${tail}`;

/** InferenceServerClient.get_inference_statistics(model_name="", model_version=""). */
export function getInferenceStatistics(app: FastifyInstance, modelName = '', modelVersion = '', headers?: Record<string, string>) {
  return tritonGet(app, modelName !== '' ? modelUri(modelName, modelVersion, 'stats') : 'v2/models/stats', headers);
}

/** InferenceServerClient.get_model_config(model_name, model_version=""). */
export function getModelConfig(app: FastifyInstance, modelName: string, modelVersion = '') {
  return tritonGet(app, modelUri(modelName, modelVersion, 'config'));
}

/** InferenceServerClient.get_server_metadata(). */
export function getServerMetadata(app: FastifyInstance) {
  return tritonGet(app, 'v2');
}
