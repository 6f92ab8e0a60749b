/**
 * The service's request and response shapes, by name. All of them are taken from
 * openapi.generated.ts (generated from openapi/openapi.json, itself generated from the service's
 * TypeBox schemas), never written out a second time: a field the service changes changes here
 * with the next `npm run openapi`.
 */
import type { components } from './openapi.generated.js';

type Schemas = components['schemas'];

export type LossRequest = Schemas['LossRequest'];
export type LossResponse = Schemas['LossResponse'];
export type EncodedTensor = Schemas['EncodedTensor'];
export type Problem = Schemas['Problem'];
export type Readiness = Schemas['Readiness'];
export type Health = Schemas['Health'];

export type Mode = LossRequest['mode'];
export type Reduction = NonNullable<LossRequest['reduction']>;
export type Variant = NonNullable<LossRequest['variant']>;
export type Output = NonNullable<LossRequest['outputs']>[number];
export type TensorDtype = EncodedTensor['dtype'];

export type Meta = LossResponse['meta'];
export type Stats = NonNullable<LossResponse['stats']>;
export type ClassStats = Stats['classes'][number];
export type Averages = Stats['averages'];
export type Calibration = NonNullable<Stats['calibration']>;
export type SweepEntry = NonNullable<LossResponse['sweep']>[number];
