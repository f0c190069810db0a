import type { DataType } from '../builder/operand.js';

const ONNX_TYPE_CODES: Readonly<Record<DataType, number>> = Object.freeze({
  float32: 1,
  uint8: 2,
  int8: 3,
  int32: 6,
  int64: 7,
  bool: 9,
  float16: 10,
  float64: 11,
});

/** TensorProto.DataType code of an element type. */
export function onnxTypeCode(dataType: DataType): number {
  return ONNX_TYPE_CODES[dataType];
}

/** The element type of a TensorProto.DataType code, or undefined for types the builder does not describe. */
export function dataTypeOfCode(code: number): DataType | undefined {
  return (Object.keys(ONNX_TYPE_CODES) as DataType[]).find((t) => ONNX_TYPE_CODES[t] === code);
}
