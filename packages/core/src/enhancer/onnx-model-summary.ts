import { EnhanceError } from '../errors/index.js';

/** The few facts about an ONNX file the enhancer needs before it creates a session. */
export interface OnnxModelSummary {
  producerName: string;
  /** metadata_props of the ModelProto, in file order. */
  metadata: Record<string, string>;
  /** Number of Conv nodes in the main graph: an upper bound on the context radius of a net of 3×3 convs. */
  convNodeCount: number;
}

// Field numbers from onnx.proto: ModelProto.producer_name = 2, graph = 7, metadata_props = 14;
// GraphProto.node = 1; NodeProto.op_type = 4; StringStringEntryProto.key = 1, value = 2.
const MODEL_PRODUCER_NAME = 2;
const MODEL_GRAPH = 7;
const MODEL_METADATA_PROPS = 14;
const GRAPH_NODE = 1;
const NODE_OP_TYPE = 4;
const ENTRY_KEY = 1;
const ENTRY_VALUE = 2;

/**
 * Reads the summary straight from the protobuf wire format: the web runtime has no protobuf library
 * and onnxruntime's JS API does not expose metadata_props. Weights are skipped by their length
 * prefix, so this costs microseconds even for large models.
 */
export function readOnnxModelSummary(bytes: Uint8Array, file?: string): OnnxModelSummary {
  const summary: OnnxModelSummary = { producerName: '', metadata: {}, convNodeCount: 0 };
  const decoder = new TextDecoder();
  try {
    let sawGraph = false;
    for (const field of fields(bytes, 0, bytes.length)) {
      if (field.number === MODEL_PRODUCER_NAME && field.bytes) summary.producerName = decoder.decode(field.bytes);
      if (field.number === MODEL_METADATA_PROPS && field.bytes) {
        let key = '';
        let value = '';
        for (const entry of fields(field.bytes, 0, field.bytes.length)) {
          if (entry.number === ENTRY_KEY && entry.bytes) key = decoder.decode(entry.bytes);
          if (entry.number === ENTRY_VALUE && entry.bytes) value = decoder.decode(entry.bytes);
        }
        summary.metadata[key] = value;
      }
      if (field.number === MODEL_GRAPH && field.bytes) {
        sawGraph = true;
        for (const graphField of fields(field.bytes, 0, field.bytes.length)) {
          if (graphField.number !== GRAPH_NODE || !graphField.bytes) continue;
          for (const nodeField of fields(graphField.bytes, 0, graphField.bytes.length)) {
            if (nodeField.number === NODE_OP_TYPE && nodeField.bytes && decoder.decode(nodeField.bytes) === 'Conv') {
              summary.convNodeCount += 1;
            }
          }
        }
      }
    }
    if (!sawGraph) throw new Error('no graph in the file');
  } catch (error) {
    throw new EnhanceError({
      code: 'MODEL_INVALID',
      file,
      message: `not an ONNX model (${bytes.length} bytes): ${error instanceof Error ? error.message : String(error)}`,
      cause: error,
    });
  }
  return summary;
}

interface WireField {
  number: number;
  /** The payload of a length-delimited field; undefined for scalars. */
  bytes?: Uint8Array;
}

function* fields(buffer: Uint8Array, start: number, end: number): Generator<WireField> {
  let offset = start;
  const varint = (): number => {
    let result = 0;
    let multiplier = 1;
    for (let i = 0; i < 10; i++) {
      if (offset >= end) throw new Error(`truncated varint at byte ${offset}`);
      const byte = buffer[offset++];
      result += (byte & 0x7f) * multiplier;
      if ((byte & 0x80) === 0) return result;
      multiplier *= 128;
    }
    throw new Error(`varint longer than 10 bytes at byte ${offset}`);
  };
  while (offset < end) {
    const tag = varint();
    const number = Math.floor(tag / 8);
    const wireType = tag % 8;
    if (number === 0) throw new Error(`field number 0 at byte ${offset}`);
    if (wireType === 0) {
      varint();
      yield { number };
    } else if (wireType === 1 || wireType === 5) {
      offset += wireType === 1 ? 8 : 4;
      if (offset > end) throw new Error(`truncated fixed-width field ${number}`);
      yield { number };
    } else if (wireType === 2) {
      const length = varint();
      if (offset + length > end) throw new Error(`field ${number} runs past the end (${length} bytes at ${offset})`);
      const payload = buffer.subarray(offset, offset + length);
      offset += length;
      yield { number, bytes: payload };
    } else {
      throw new Error(`unsupported wire type ${wireType} for field ${number}`);
    }
  }
}
