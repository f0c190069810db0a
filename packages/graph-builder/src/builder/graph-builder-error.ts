import { EnhanceError } from '@enhance/core';
import type { Dim } from './operand.js';

export type GraphBuilderErrorCode = 'GRAPH_SHAPE' | 'GRAPH_DTYPE' | 'GRAPH_OPTION' | 'GRAPH_NAME' | 'GRAPH_OPERAND' | 'GRAPH_STATE';

/** A graph that cannot be valid: thrown while the graph is built, naming the op, its label and the shapes. */
export class GraphBuilderError extends EnhanceError {
  override readonly code: GraphBuilderErrorCode;
  /** The ONNX op type being added, or the builder method ('input', 'build'). */
  readonly op: string;
  readonly label: string | undefined;
  /** Shapes of the operands involved, in argument order. */
  readonly shapes: readonly (readonly Dim[])[];

  constructor({
    message,
    code,
    op,
    label,
    shapes = [],
    cause,
  }: {
    message: string;
    code: GraphBuilderErrorCode;
    op: string;
    label?: string;
    shapes?: readonly (readonly Dim[])[];
    cause?: unknown;
  }) {
    const where = label === undefined ? op : `${op} '${label}'`;
    const shapeText = shapes.length > 0 ? ` (shapes: ${shapes.map((s) => `[${s.join(',')}]`).join(', ')})` : '';
    super({ message: `${where}: ${message}${shapeText}`, code, cause });
    this.name = 'GraphBuilderError';
    this.code = code;
    this.op = op;
    this.label = label;
    this.shapes = shapes;
  }
}
