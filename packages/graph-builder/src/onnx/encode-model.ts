import type { Attribute, GraphNode, TensorValue } from '../builder/graph-node.js';
import type { Operand } from '../builder/operand.js';
import { onnxTypeCode } from './onnx-data-types.js';
import { onnx, type OnnxTypes } from './onnx-proto.js';

export interface ModelOptions {
  graphName?: string;
  docString?: string;
  /** Written to the model's metadata_props. */
  metadata?: Record<string, string>;
  producerName?: string;
  producerVersion?: string;
  /** Default-domain opset; default 17. */
  opset?: number;
  /** Default 8 (onnx 1.10 files, read by every onnxruntime from 1.10 on). */
  irVersion?: number;
}

export interface EncodableGraph {
  inputs: readonly Operand[];
  outputs: readonly Operand[];
  nodes: readonly GraphNode[];
  initializers: ReadonlyMap<string, TensorValue>;
  /** Intermediate values whose inferred shapes are written as value_info (what `inspect` reads). */
  values?: readonly Operand[];
}

export const DEFAULT_OPSET = 17;
export const DEFAULT_IR_VERSION = 8;

const textEncoder = new TextEncoder();

/** Serialises a graph as an ONNX ModelProto; tensors go to raw_data (little-endian, as ONNX requires). */
export function encodeModel(graph: EncodableGraph, options: ModelOptions = {}): Uint8Array {
  const {
    graphName = 'graph',
    docString,
    metadata = {},
    producerName = '@enhance/graph-builder',
    producerVersion,
    opset = DEFAULT_OPSET,
    irVersion = DEFAULT_IR_VERSION,
  } = options;
  const domains = new Set(graph.nodes.map((n) => n.domain).filter((d) => d !== ''));
  const model = onnx.ModelProto.create({
    irVersion,
    producerName,
    producerVersion: producerVersion ?? '',
    docString: docString ?? '',
    opsetImport: [{ domain: '', version: opset }, ...[...domains].map((domain) => ({ domain, version: 1 }))],
    metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
    graph: {
      name: graphName,
      docString: docString ?? '',
      input: graph.inputs.map(valueInfo),
      output: graph.outputs.map(valueInfo),
      valueInfo: (graph.values ?? []).map(valueInfo),
      initializer: [...graph.initializers].map(([name, value]) => tensorProto(name, value)),
      node: graph.nodes.map(nodeProto),
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

function valueInfo(operand: Operand): OnnxTypes.IValueInfoProto {
  return {
    name: operand.name,
    type: {
      tensorType: {
        elemType: onnxTypeCode(operand.dataType),
        shape: { dim: operand.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

export function tensorProto(name: string, value: TensorValue): OnnxTypes.ITensorProto {
  const { data } = value;
  return {
    name,
    dims: [...value.dims],
    dataType: onnxTypeCode(value.dataType),
    // Copy: raw_data must own exactly the tensor's bytes even when `data` views a larger buffer.
    rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice(),
  };
}

function nodeProto(node: GraphNode): OnnxTypes.INodeProto {
  return {
    name: node.name,
    opType: node.opType,
    domain: node.domain,
    input: [...node.inputs],
    output: [...node.outputs],
    attribute: Object.entries(node.attributes).map(([name, a]) => attributeProto(name, a)),
    docString: node.label ?? '',
  };
}

function attributeProto(name: string, a: Attribute): OnnxTypes.IAttributeProto {
  const type = onnx.AttributeProto.AttributeType;
  switch (a.type) {
    case 'int':
      return { name, type: type.INT, i: a.value };
    case 'float':
      return { name, type: type.FLOAT, f: a.value };
    case 'string':
      return { name, type: type.STRING, s: textEncoder.encode(a.value) };
    case 'ints':
      return { name, type: type.INTS, ints: [...a.value] };
    case 'floats':
      return { name, type: type.FLOATS, floats: [...a.value] };
    case 'strings':
      return { name, type: type.STRINGS, strings: a.value.map((s) => textEncoder.encode(s)) };
    case 'tensor':
      return { name, type: type.TENSOR, t: tensorProto('', a.value) };
  }
}
