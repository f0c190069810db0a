import type { DataType, Dim, TensorData } from './operand.js';

/** A tensor held by the graph: an initializer, or the value of a Constant node / tensor attribute. */
export interface TensorValue {
  dataType: DataType;
  dims: readonly number[];
  data: TensorData;
}

/**
 * ONNX attributes, tagged because JavaScript numbers cannot tell INT from FLOAT.
 * Build them with the `attribute` helpers: `attribute.ints([1, 1])`, `attribute.float(1e-3)`.
 */
export type Attribute =
  | { type: 'int'; value: number }
  | { type: 'float'; value: number }
  | { type: 'string'; value: string }
  | { type: 'ints'; value: readonly number[] }
  | { type: 'floats'; value: readonly number[] }
  | { type: 'strings'; value: readonly string[] }
  | { type: 'tensor'; value: TensorValue };

export const attribute = Object.freeze({
  int: (value: number): Attribute => ({ type: 'int', value }),
  float: (value: number): Attribute => ({ type: 'float', value }),
  string: (value: string): Attribute => ({ type: 'string', value }),
  ints: (value: readonly number[]): Attribute => ({ type: 'ints', value: [...value] }),
  floats: (value: readonly number[]): Attribute => ({ type: 'floats', value: [...value] }),
  strings: (value: readonly string[]): Attribute => ({ type: 'strings', value: [...value] }),
  tensor: (value: TensorValue): Attribute => ({ type: 'tensor', value }),
});

/** One node of the graph IR, in the order it was added (which is a topological order). */
export interface GraphNode {
  readonly name: string;
  readonly opType: string;
  /** '' is ONNX's own default domain. */
  readonly domain: string;
  /** Operand names; '' marks an omitted optional input. */
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes: Readonly<Record<string, Attribute>>;
  readonly label: string | undefined;
}

/** What a shape-inference callback returns for each output of a node. */
export interface OutputDescriptor {
  dataType: DataType;
  shape: readonly Dim[];
}
