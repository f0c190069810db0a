import onnxProto from 'onnx-proto';

/** The generated protobufjs classes of the ONNX schema (onnx-proto ships them as CommonJS). */
export const onnx = onnxProto.onnx;
export type { onnx as OnnxTypes } from 'onnx-proto';
