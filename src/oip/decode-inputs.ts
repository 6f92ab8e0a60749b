/**
 * The inputs of an inference request -> typed arrays with their shapes, checking what belongs to
 * the protocol: input names known to the model and not repeated, datatypes accepted for each
 * input, element counts within MAX_ELEMENTS before anything is allocated, and the data itself:
 * JSON (flat, exactly product(shape) values of the datatype, or nested exactly as the shape) or binary tensor data
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
import { elementIndex } from '../tensors/field-errors.js';
import type { DecodedTensor, TensorValues } from '../tensors/field-tensor.js';
import type { InputName, OipModel } from './models.js';

/** One input's tensor, decoded, with the name and datatype the client gave it. */
export interface DecodedInput extends DecodedTensor {
  name: InputName;
  datatype: SupportedDatatype;
}

export type DecodedInputs = Partial<Record<InputName, DecodedInput>>;

export function decodeInputs(model: OipModel, inputs: RequestInput[], binary: Buffer | null, maxElements: number): DecodedInputs {
  const out: DecodedInputs = {};
  let offset = 0;
  inputs.forEach((input) => {
    const spec = model.inputs.find((s) => s.name === input.name);
    if (spec === undefined) {
      throw invalid(
        `unknown input "${input.name.slice(0, 100)}" for model ${model.name}; its inputs are ${model.inputs.map((s) => s.name).join(', ')}`,
      );
    }
    const name = spec.name;
    if (out[name] !== undefined) throw invalid(`input "${name}" is given more than once`);
    const datatype = input.datatype;
    if (!isSupportedDatatype(datatype) || !spec.datatypes.includes(datatype)) {
      const what = (OIP_DATATYPES as readonly string[]).includes(datatype)
        ? `datatype ${datatype}`
        : `unknown datatype "${datatype.slice(0, 20)}"`;
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
        throw invalid(`input "${name}" element [${elementIndex(i, input.shape).join(', ')}] ${reason}`);
      });
      offset += binarySize;
    } else {
      values = decodeJsonData(name, datatype, input.data as unknown[], count, input.shape);
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

/**
 * JSON tensor data, as the protocol allows it: flat (exactly product(shape) values, row-major) or
 * nested exactly as the shape (data[i][j] for [N, C]); values of the datatype (true/false for BOOL).
 * Nested data is never counted and flattened, so [[1], [2, 3, 4]] is not taken for shape [2, 2].
 */
function decodeJsonData(name: InputName, datatype: SupportedDatatype, data: unknown[], count: number, shape: number[]): TensorValues {
  const leaf = datatype === 'BOOL' ? BOOL_LEAF : NUMBER_LEAF;
  const flat = data.some(Array.isArray) ? nestedValues(name, data, shape, leaf) : flatValues(name, data, leaf);
  if (flat.length !== count) {
    throw invalid(`input "${name}" has ${flat.length} values in data, but shape [${shape.join(', ')}] needs ${count}`);
  }
  if (isIntegerDatatype(datatype)) {
    for (let i = 0; i < flat.length; i++) {
      const problem = jsonValueProblem(datatype, flat[i]);
      if (problem !== null) throw invalid(`input "${name}" element [${elementIndex(i, shape).join(', ')}] (${flat[i]}) ${problem}`);
    }
  }
  return jsonToTyped(datatype, flat);
}

/** What one value of JSON data must be for a datatype, and the number it stands for. */
interface LeafForm {
  is(value: unknown): boolean;
  toNumber(value: unknown): number;
  what: string;
}

const NUMBER_LEAF: LeafForm = { is: (v) => typeof v === 'number', toNumber: (v) => v as number, what: 'a number' };
// Numbers are not BOOL values, as in the protocol's JSON.
const BOOL_LEAF: LeafForm = { is: (v) => typeof v === 'boolean', toNumber: (v) => (v ? 1 : 0), what: 'true or false for datatype BOOL' };

/** Flat data: every entry a value of the datatype; the common case, numbers, is used as it is. */
function flatValues(name: InputName, data: unknown[], leaf: LeafForm): number[] {
  const bad = data.findIndex((v) => !leaf.is(v));
  if (bad >= 0) throw invalid(`input "${name}" data[${bad}] must be ${leaf.what} (got ${jsonKind(data[bad])})`);
  return leaf === NUMBER_LEAF ? (data as number[]) : data.map(leaf.toNumber);
}

/** Nested data: each level exactly as long as its dimension, the values at the innermost one, row-major. */
function nestedValues(name: InputName, data: unknown[], shape: number[], leaf: LeafForm): number[] {
  const declared = `shape [${shape.join(', ')}]`;
  // A scalar (shape []) has its one value in a list of one, as flat data.
  const dims = shape.length === 0 ? [1] : shape;
  const out: number[] = [];
  const walk = (level: unknown[], depth: number, at: string) => {
    if (level.length !== dims[depth]) {
      throw invalid(
        `input "${name}" ${at} has ${level.length} entr${level.length === 1 ? 'y' : 'ies'}; ${declared} needs ${dims[depth]} there ` +
          '(nested data must follow the shape exactly; flat data, row-major, is accepted too)',
      );
    }
    const innermost = depth === dims.length - 1;
    for (let i = 0; i < level.length; i++) {
      const v = level[i];
      const here = `${at}[${i}]`;
      if (!innermost) {
        if (!Array.isArray(v))
          throw invalid(`input "${name}" ${here} is ${jsonKind(v)}; ${declared} needs an array of ${dims[depth + 1]} there`);
        walk(v, depth + 1, here);
      } else if (leaf.is(v)) {
        out.push(leaf.toNumber(v));
      } else {
        const depthHint = Array.isArray(v) ? `; ${declared} nests data ${dims.length} level${dims.length === 1 ? '' : 's'} deep` : '';
        throw invalid(`input "${name}" ${here} must be ${leaf.what} (got ${jsonKind(v)}${depthHint})`);
      }
    }
  };
  walk(data, 0, 'data');
  return out;
}

/** A JSON value's kind, for messages: "null", "an array", "a string", ... */
function jsonKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  const type = typeof value;
  return `${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type}`;
}

function invalid(detail: string): ProblemError {
  return new ProblemError('invalid-request', detail);
}
