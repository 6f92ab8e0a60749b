/**
 * The inputs of an inference request -> typed arrays with their shapes, checking what belongs to
 * the protocol: input names known to the model and not repeated, datatypes accepted for each
 * input, element counts within MAX_ELEMENTS before anything is allocated, and the data itself:
 * JSON (flat or nested, exactly product(shape) numbers of the datatype) or binary tensor data
 * (binary_data_size = product(shape) x item size, the sizes adding up to exactly the bytes after
 * the JSON header). What the values mean (N/C agreement, ranges, class ids) is checked once,
 * for every endpoint, in tensors/.
 */
import { ProblemError } from '../errors/problem-error.js';
import type { RequestInput } from '../schemas/oip.js';
import {
  decodeBinary,
  isIntegerDatatype,
  isSupportedDatatype,
  ITEM_SIZE,
  jsonToTyped,
  jsonValueProblem,
  OIP_DATATYPES,
  type SupportedDatatype,
} from './datatypes.js';
import type { TensorValues } from '../tensors/field-tensor.js';
import { INPUT_NAMES, type InputName, type OipModel } from './models.js';

export interface DecodedTensor {
  name: InputName;
  datatype: SupportedDatatype;
  shape: number[];
  values: TensorValues;
}

export type DecodedInputs = Partial<Record<InputName, DecodedTensor>>;

export function decodeInputs(model: OipModel, inputs: RequestInput[], binary: Buffer | null, maxElements: number): DecodedInputs {
  const out: DecodedInputs = {};
  let offset = 0;
  inputs.forEach((input, index) => {
    const spec = model.inputs.find((s) => s.name === input.name);
    if (spec === undefined) {
      throw invalid(`unknown input "${input.name.slice(0, 100)}" for model ${model.name}; its inputs are ${INPUT_NAMES.join(', ')}`);
    }
    const name = spec.name;
    if (out[name] !== undefined) throw invalid(`input "${name}" is given more than once`);
    const datatype = input.datatype;
    if (!isSupportedDatatype(datatype) || !spec.datatypes.includes(datatype)) {
      const what = (OIP_DATATYPES as readonly string[]).includes(datatype) ? `datatype ${datatype}` : `unknown datatype "${datatype.slice(0, 20)}"`;
      throw invalid(`input "${name}" has ${what}; ${model.name} accepts ${spec.datatypes.join(', ')} for it`);
    }
    const count = elementCount(name, input.shape, maxElements);
    const binarySize = input.parameters?.binary_data_size;
    if (binarySize !== undefined && input.data !== undefined) {
      throw invalid(`input "${name}" has both data and parameters.binary_data_size; send its values one way`);
    }
    if (binarySize === undefined && input.data === undefined) {
      throw invalid(`input "${name}" has no values: give data, or parameters.binary_data_size and binary data after the JSON header`);
    }
    let values: TensorValues;
    if (binarySize !== undefined) {
      if (binary === null) {
        throw invalid(
          `input "${name}" has parameters.binary_data_size, but the request has no binary data: send the ` +
            'Inference-Header-Content-Length header with the length of the JSON header',
        );
      }
      const needed = count * ITEM_SIZE[datatype];
      if (binarySize !== needed) {
        throw invalid(
          `input "${name}" has binary_data_size ${binarySize}, but shape [${input.shape.join(', ')}] of ${datatype} is ` +
            `${count} x ${ITEM_SIZE[datatype]} = ${needed} bytes`,
        );
      }
      if (offset + binarySize > binary.length) {
        throw invalid(
          `the binary data after the JSON header is ${binary.length} bytes, but the binary_data_size values up to input ` +
            `"${name}" add up to ${offset + binarySize}`,
        );
      }
      values = decodeBinary(datatype, binary.subarray(offset, offset + binarySize), (i, reason) => {
        throw invalid(`input "${name}" value ${i} ${reason}`);
      });
      offset += binarySize;
    } else {
      values = decodeJsonData(name, index, datatype, input.data as unknown[], count, input.shape);
    }
    out[name] = { name, datatype, shape: input.shape, values };
  });
  if (binary !== null && offset !== binary.length) {
    throw invalid(
      `the binary data after the JSON header is ${binary.length} bytes, but the inputs' binary_data_size values add up to ${offset}`,
    );
  }
  for (const spec of model.inputs) {
    if (!spec.optional && out[spec.name] === undefined) throw invalid(`input "${spec.name}" is required by model ${model.name}`);
  }
  return out;
}

/** product(shape), refused (413) as soon as it passes the element limit, before any allocation. */
function elementCount(name: string, shape: number[], maxElements: number): number {
  let count = 1;
  for (const d of shape) {
    count *= d;
    if (count > maxElements) {
      throw new ProblemError(
        'too-many-elements',
        `input "${name}" has shape [${shape.join(', ')}], more than the ${maxElements} elements this service accepts per ` +
          'tensor (MAX_ELEMENTS); split the batch into several requests',
      );
    }
  }
  return count;
}

/** JSON tensor data, flat or nested row-major: exactly `count` numbers of the datatype (true/false for BOOL). */
function decodeJsonData(name: InputName, index: number, datatype: SupportedDatatype, data: unknown[], count: number, shape: number[]): TensorValues {
  const flat = datatype === 'BOOL' ? flattenBooleans(data, `inputs/${index}/data`) : flatten(data, `inputs/${index}/data`);
  if (flat.length !== count) {
    throw invalid(`input "${name}" has ${flat.length} values in data, but shape [${shape.join(', ')}] needs ${count}`);
  }
  if (isIntegerDatatype(datatype)) {
    for (let i = 0; i < flat.length; i++) {
      const problem = jsonValueProblem(datatype, flat[i]);
      if (problem !== null) throw invalid(`input "${name}" value ${i} (${flat[i]}) ${problem}`);
    }
  }
  return jsonToTyped(datatype, flat);
}

/** Nested arrays of numbers -> one flat array; anything else is named by its JSON path. */
function flatten(data: unknown[], path: string): number[] {
  // The common case, a flat array of numbers, is used as it is.
  let flat = true;
  for (let i = 0; i < data.length; i++) {
    if (typeof data[i] !== 'number') {
      flat = false;
      break;
    }
  }
  if (flat) return data as number[];
  const out: number[] = [];
  const walk = (value: unknown[], at: string) => {
    for (let i = 0; i < value.length; i++) {
      const v = value[i];
      if (typeof v === 'number') out.push(v);
      else if (Array.isArray(v)) walk(v, `${at}/${i}`);
      else throw invalid(`${at}/${i} must be a number or an array of numbers (got ${v === null ? 'null' : typeof v})`);
    }
  };
  walk(data, path);
  return out;
}

/** BOOL data: nested arrays of true/false -> 1/0 (numbers are not BOOL values, as in the protocol's JSON). */
function flattenBooleans(data: unknown[], path: string): number[] {
  const out: number[] = [];
  const walk = (value: unknown[], at: string) => {
    for (let i = 0; i < value.length; i++) {
      const v = value[i];
      if (typeof v === 'boolean') out.push(v ? 1 : 0);
      else if (Array.isArray(v)) walk(v, `${at}/${i}`);
      else throw invalid(`${at}/${i} must be true or false, or an array of them (datatype BOOL; got ${v === null ? 'null' : typeof v})`);
    }
  };
  walk(data, path);
  return out;
}

function invalid(detail: string): ProblemError {
  return new ProblemError('invalid-request', detail);
}
