/** Element types the builder can describe. They map one-to-one onto ONNX TensorProto data types. */
export type DataType = 'float32' | 'float64' | 'float16' | 'int32' | 'int64' | 'int8' | 'uint8' | 'bool';

export const DATA_TYPES: readonly DataType[] = Object.freeze(['float32', 'float64', 'float16', 'int32', 'int64', 'int8', 'uint8', 'bool']);

export const FLOAT_TYPES: readonly DataType[] = Object.freeze(['float32', 'float64', 'float16']);

/**
 * One dimension of a shape: a number when known when the graph is built, otherwise a symbol.
 * Symbols are kept as affine expressions of one named dimension where the arithmetic allows it
 * ('H', '2*H', 'H+2', '2*H-1'), so that a 3×3 convolution after a 1-pixel pad gives back 'H' and a
 * ×2 resize gives '2*H'. When an op's output size is not affine in its input (a stride that does not
 * divide the coefficient, a product of two symbols), the builder names a fresh symbol after the node.
 */
export type Dim = number | string;

export interface OperandDescriptor {
  dataType: DataType;
  shape: readonly Dim[];
}

/** A value in the graph under construction. Immutable; created only by a GraphBuilder. */
export interface Operand {
  readonly name: string;
  readonly dataType: DataType;
  readonly shape: readonly Dim[];
}

/** Typed arrays the builder accepts as tensor data, by element type. */
export type TensorData = Float32Array | Float64Array | Uint16Array | Int32Array | BigInt64Array | Int8Array | Uint8Array;

export function formatShape(shape: readonly Dim[]): string {
  return `[${shape.join(',')}]`;
}

export function isFloatType(dataType: DataType): boolean {
  return FLOAT_TYPES.includes(dataType);
}

/** The element type implied by a typed array; float16 is carried in a Uint16Array and must be named. */
export function dataTypeOfArray(data: TensorData): DataType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof BigInt64Array) return 'int64';
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Uint16Array) return 'float16';
  return 'uint8';
}

/** Number of elements of a fully numeric shape, or undefined when a dimension is symbolic. */
export function staticSize(shape: readonly Dim[]): number | undefined {
  let size = 1;
  for (const dim of shape) {
    if (typeof dim !== 'number') return undefined;
    size *= dim;
  }
  return size;
}
