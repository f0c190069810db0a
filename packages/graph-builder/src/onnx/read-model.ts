import type { Attribute, GraphNode, TensorValue } from '../builder/graph-node.js';
import type { DataType, Dim, TensorData } from '../builder/operand.js';
import { dataTypeOfCode } from './onnx-data-types.js';
import { OnnxModelError } from './onnx-model-error.js';
import { onnx, type OnnxTypes } from './onnx-proto.js';

export interface ValueDescription {
  name: string;
  dataType: DataType;
  shape: Dim[];
}

export interface ModelDescription {
  irVersion: number;
  /** Version of the default ('' / ai.onnx) opset. */
  opset: number;
  opsetImports: { domain: string; version: number }[];
  producer: { name: string; version: string };
  graphName: string;
  docString: string;
  metadata: Record<string, string>;
  /** Graph inputs that are not initializers. */
  inputs: ValueDescription[];
  outputs: ValueDescription[];
  /** Intermediate values with a recorded type and shape (value_info). */
  values: ValueDescription[];
  nodes: GraphNode[];
  /** The weights: the ONNX file is the weight store. */
  initializers: Map<string, TensorValue>;
}

const textDecoder = new TextDecoder();

/** Decodes an ONNX ModelProto into plain values. `file` only names the source in errors. */
export function readModel(bytes: Uint8Array, file?: string): ModelDescription {
  let model: OnnxTypes.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (cause) {
    throw new OnnxModelError({ code: 'ONNX_DECODE', file, cause, message: `not an ONNX model (${bytes.length} bytes): ${String(cause)}` });
  }
  // Decoded messages are class instances, so their repeated and string fields have defaults.
  const graph = model.graph as OnnxTypes.GraphProto | null;
  if (!graph) throw new OnnxModelError({ code: 'ONNX_DECODE', file, message: `the model has no graph (${bytes.length} bytes)` });
  const initializers = new Map<string, TensorValue>();
  for (const tensor of graph.initializer) initializers.set(tensor.name ?? '', decodeTensor(tensor, file));
  const opsetImports = model.opsetImport.map((o) => ({ domain: o.domain ?? '', version: toNumber(o.version) }));
  const defaultOpset = opsetImports.find((o) => o.domain === '' || o.domain === 'ai.onnx');
  return {
    irVersion: toNumber(model.irVersion),
    opset: defaultOpset?.version ?? 0,
    opsetImports,
    producer: { name: model.producerName, version: model.producerVersion },
    graphName: graph.name,
    docString: model.docString,
    metadata: Object.fromEntries(model.metadataProps.map((p) => [p.key ?? '', p.value ?? ''])),
    inputs: graph.input.filter((v) => !initializers.has(v.name ?? '')).map((v) => describeValue(v, file)),
    outputs: graph.output.map((v) => describeValue(v, file)),
    values: graph.valueInfo.map((v) => describeValue(v, file)),
    nodes: (graph.node as OnnxTypes.NodeProto[]).map((n) => ({
      name: n.name,
      opType: n.opType,
      domain: n.domain,
      inputs: [...n.input],
      outputs: [...n.output],
      attributes: Object.fromEntries(n.attribute.map((a) => [a.name, decodeAttribute(a, file)])),
      label: n.docString === '' ? undefined : n.docString,
    })),
    initializers,
  };
}

function describeValue(value: OnnxTypes.IValueInfoProto, file: string | undefined): ValueDescription {
  const tensorType = value.type?.tensorType;
  const dataType = dataTypeOfCode(tensorType?.elemType ?? 0);
  if (!tensorType || !dataType) {
    throw new OnnxModelError({
      code: 'ONNX_UNSUPPORTED',
      file,
      message: `value '${value.name}' is not a tensor of a supported type (elem_type ${tensorType?.elemType})`,
    });
  }
  const shape = (tensorType.shape?.dim ?? []).map((d): Dim =>
    d.dimParam ? d.dimParam : d.dimValue !== undefined && d.dimValue !== null ? toNumber(d.dimValue) : '?',
  );
  return { name: value.name ?? '', dataType, shape };
}

function decodeAttribute(a: OnnxTypes.IAttributeProto, file: string | undefined): Attribute {
  const type = onnx.AttributeProto.AttributeType;
  switch (a.type) {
    case type.INT:
      return { type: 'int', value: toNumber(a.i ?? 0) };
    case type.FLOAT:
      return { type: 'float', value: a.f ?? 0 };
    case type.STRING:
      return { type: 'string', value: textDecoder.decode(a.s ?? new Uint8Array()) };
    case type.INTS:
      return { type: 'ints', value: (a.ints ?? []).map(toNumber) };
    case type.FLOATS:
      return { type: 'floats', value: [...(a.floats ?? [])] };
    case type.STRINGS:
      return { type: 'strings', value: (a.strings ?? []).map((s) => textDecoder.decode(s)) };
    case type.TENSOR:
      return { type: 'tensor', value: decodeTensor(a.t ?? {}, file) };
    default:
      throw new OnnxModelError({ code: 'ONNX_UNSUPPORTED', file, message: `attribute '${a.name}' has unsupported type ${a.type}` });
  }
}

/** A tensor's values, from raw_data (little-endian) or from the typed repeated fields. */
export function decodeTensor(tensor: OnnxTypes.ITensorProto, file?: string): TensorValue {
  const dataType = dataTypeOfCode(tensor.dataType ?? 0);
  if (!dataType) {
    throw new OnnxModelError({
      code: 'ONNX_UNSUPPORTED',
      file,
      message: `tensor '${tensor.name}' has unsupported data type ${tensor.dataType}`,
    });
  }
  if (tensor.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) {
    throw new OnnxModelError({ code: 'ONNX_UNSUPPORTED', file, message: `tensor '${tensor.name}' keeps its data in an external file` });
  }
  const dims = (tensor.dims ?? []).map(toNumber);
  const size = dims.reduce((p, d) => p * d, 1);
  const raw = tensor.rawData;
  let data: TensorData;
  if (raw && raw.length > 0) {
    // Copy into a fresh buffer: raw_data views the model bytes at an arbitrary (unaligned) offset,
    // and under Node it is a Buffer, whose slice() would not copy.
    data = fromBytes(dataType, new Uint8Array(raw).buffer);
  } else {
    data = fromFields(dataType, tensor);
  }
  if (data.length !== size) {
    throw new OnnxModelError({
      code: 'ONNX_DECODE',
      file,
      message: `tensor '${tensor.name}' of dims [${dims.join(',')}] holds ${data.length} values, expected ${size}`,
    });
  }
  return { dataType, dims, data };
}

function fromBytes(dataType: DataType, buffer: ArrayBuffer): TensorData {
  switch (dataType) {
    case 'float32':
      return new Float32Array(buffer);
    case 'float64':
      return new Float64Array(buffer);
    case 'float16':
      return new Uint16Array(buffer);
    case 'int32':
      return new Int32Array(buffer);
    case 'int64':
      return new BigInt64Array(buffer);
    case 'int8':
      return new Int8Array(buffer);
    case 'uint8':
    case 'bool':
      return new Uint8Array(buffer);
  }
}

function fromFields(dataType: DataType, tensor: OnnxTypes.ITensorProto): TensorData {
  switch (dataType) {
    case 'float32':
      return Float32Array.from(tensor.floatData ?? []);
    case 'float64':
      return Float64Array.from(tensor.doubleData ?? []);
    case 'int64':
      return BigInt64Array.from(tensor.int64Data ?? [], (v) => BigInt(toNumber(v)));
    // int32_data also carries the smaller integer types, float16 bit patterns and bools.
    case 'int32':
      return Int32Array.from(tensor.int32Data ?? []);
    case 'int8':
      return Int8Array.from(tensor.int32Data ?? []);
    case 'float16':
      return Uint16Array.from(tensor.int32Data ?? []);
    case 'uint8':
    case 'bool':
      return Uint8Array.from(tensor.int32Data ?? []);
  }
}

/** protobufjs gives 64-bit integers as numbers or Long objects. */
function toNumber(value: number | { toNumber(): number } | null | undefined): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'number' ? value : value.toNumber();
}
