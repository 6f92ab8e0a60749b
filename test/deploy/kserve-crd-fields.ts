/**
 * The fields of KServe's ServingRuntime (serving.kserve.io/v1alpha1) and InferenceService
 * (serving.kserve.io/v1beta1) custom resources that deploy/kserve/ relies on, written down from
 * KServe's CRDs (charts/kserve-crd/templates/serving.kserve.io_{servingruntimes,inferenceservices}.yaml)
 * so the manifests are checked offline: typed where the manifests use a field, every other field
 * of the same object allowed by name only, and anything else (a misspelt field) rejected.
 * Containers are checked separately against the Kubernetes Container schema.
 */
import { Type, type TProperties } from '@sinclair/typebox';

/** An object with `typed` fields and, untyped, the other field names the CRD allows. */
function crdObject(typed: TProperties, otherFields: string[], required: string[] = []) {
  const properties: TProperties = {};
  for (const name of otherFields) properties[name] = Type.Optional(Type.Unknown());
  for (const [name, schema] of Object.entries(typed)) properties[name] = required.includes(name) ? schema : Type.Optional(schema);
  return Type.Object(properties, { additionalProperties: false });
}

const StringMap = Type.Record(Type.String(), Type.String());
const Int32 = Type.Integer({ minimum: -(2 ** 31), maximum: 2 ** 31 - 1 });

const ObjectMeta = Type.Object({
  name: Type.String({ pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', maxLength: 63 }),
  namespace: Type.Optional(Type.String()),
  labels: Type.Optional(StringMap),
  annotations: Type.Optional(StringMap),
});

export const ServingRuntimeSchema = Type.Object(
  {
    apiVersion: Type.Literal('serving.kserve.io/v1alpha1'),
    kind: Type.Literal('ServingRuntime'),
    metadata: ObjectMeta,
    spec: crdObject(
      {
        supportedModelFormats: Type.Array(
          Type.Object(
            {
              name: Type.String(),
              version: Type.Optional(Type.String()),
              autoSelect: Type.Optional(Type.Boolean()),
              priority: Type.Optional(Type.Integer({ minimum: 1 })),
            },
            { additionalProperties: false },
          ),
        ),
        protocolVersions: Type.Array(
          Type.Union([Type.Literal('v1'), Type.Literal('v2'), Type.Literal('grpc-v1'), Type.Literal('grpc-v2')]),
        ),
        multiModel: Type.Boolean(),
        annotations: StringMap,
        labels: StringMap,
        containers: Type.Array(Type.Record(Type.String(), Type.Unknown()), { minItems: 1 }),
      },
      [
        'affinity',
        'builtInAdapter',
        'disabled',
        'grpcDataEndpoint',
        'grpcEndpoint',
        'hostIPC',
        'httpDataEndpoint',
        'imagePullSecrets',
        'nodeSelector',
        'replicas',
        'resourceClaims',
        'schedulerName',
        'storageHelper',
        'tolerations',
        'volumes',
        'workerSpec',
      ],
      ['containers'],
    ),
  },
  { additionalProperties: false },
);

const ModelSpec = crdObject(
  {
    modelFormat: Type.Object({ name: Type.String(), version: Type.Optional(Type.String()) }, { additionalProperties: false }),
    runtime: Type.String(),
    runtimeVersion: Type.String(),
    protocolVersion: Type.Union([Type.Literal('v1'), Type.Literal('v2'), Type.Literal('grpc-v1'), Type.Literal('grpc-v2')]),
    storageUri: Type.String(),
  },
  [
    'args',
    'command',
    'confidential',
    'env',
    'envFrom',
    'image',
    'imagePullPolicy',
    'lifecycle',
    'livenessProbe',
    'name',
    'ports',
    'readinessProbe',
    'resizePolicy',
    'resources',
    'restartPolicy',
    'restartPolicyRules',
    'securityContext',
    'startupProbe',
    'stdin',
    'stdinOnce',
    'storage',
    'terminationMessagePath',
    'terminationMessagePolicy',
    'tty',
    'volumeDevices',
    'volumeMounts',
    'workingDir',
  ],
  ['modelFormat'],
);

const PredictorSpec = crdObject(
  {
    minReplicas: Int32,
    maxReplicas: Int32,
    scaleMetric: Type.Union([Type.Literal('cpu'), Type.Literal('memory'), Type.Literal('concurrency'), Type.Literal('rps')]),
    scaleTarget: Int32,
    containerConcurrency: Type.Integer({ minimum: 0 }),
    timeout: Type.Integer({ minimum: 0, description: 'Seconds.' }),
    model: ModelSpec,
  },
  [
    'activeDeadlineSeconds',
    'affinity',
    'annotations',
    'autoScaling',
    'automountServiceAccountToken',
    'batcher',
    'canaryTrafficPercent',
    'containers',
    'deploymentStrategy',
    'dnsConfig',
    'dnsPolicy',
    'enableServiceLinks',
    'hostAliases',
    'hostIPC',
    'hostNetwork',
    'hostPID',
    'hostUsers',
    'hostname',
    'hostnameOverride',
    'huggingface',
    'imagePullSecrets',
    'initContainers',
    'labels',
    'lightgbm',
    'logger',
    'name',
    'nodeName',
    'nodeSelector',
    'onnx',
    'os',
    'overhead',
    'paddle',
    'pmml',
    'preemptionPolicy',
    'priority',
    'priorityClassName',
    'pytorch',
    'readinessGates',
    'resourceClaims',
    'resources',
    'restartPolicy',
    'runtimeClassName',
    'scaleMetricType',
    'schedulerName',
    'schedulingGates',
    'securityContext',
    'serviceAccount',
    'serviceAccountName',
    'setHostnameAsFQDN',
    'shareProcessNamespace',
    'sklearn',
    'storageContainerName',
    'storageUris',
    'subdomain',
    'tensorflow',
    'terminationGracePeriodSeconds',
    'tolerations',
    'topologySpreadConstraints',
    'triton',
    'volumes',
    'workerSpec',
    'xgboost',
  ],
);

export const InferenceServiceSchema = Type.Object(
  {
    apiVersion: Type.Literal('serving.kserve.io/v1beta1'),
    kind: Type.Literal('InferenceService'),
    metadata: ObjectMeta,
    spec: crdObject({ predictor: PredictorSpec }, ['canary', 'explainer', 'transformer'], ['predictor']),
  },
  { additionalProperties: false },
);
