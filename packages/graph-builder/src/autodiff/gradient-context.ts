import type { GraphBuilder } from '../builder/graph-builder.js';
import type { Attribute, GraphNode } from '../builder/graph-node.js';
import type { Operand } from '../builder/operand.js';
import { AutodiffError } from './autodiff-error.js';

/**
 * What a gradient rule sees: the forward node, its operands, the gradients that reached its outputs,
 * and a way to hand gradients to its inputs. Rules emit their nodes through `builder`.
 */
export interface GradientContext {
  readonly builder: GraphBuilder;
  readonly node: GraphNode;
  /** The forward input operand at `index`; undefined for an omitted optional input. */
  input(index: number): Operand | undefined;
  output(index: number): Operand;
  /** The gradient of the loss with respect to output `index`, or undefined when it does not reach the loss. */
  outputGradient(index: number): Operand | undefined;
  /** True when input `index` depends on a differentiated variable, so its gradient is wanted. */
  wantsGradient(index: number): boolean;
  /** Adds `gradient` to input `index`'s accumulated gradient. */
  addInputGradient(index: number, gradient: Operand): void;
}

/** A rule emits the vector–Jacobian product of one op type. */
export type GradientRule = (context: GradientContext) => void;

export function staticShape(operand: Operand, node: GraphNode): number[] {
  if (!operand.shape.every((d): d is number => typeof d === 'number')) {
    throw new AutodiffError({
      message: `operand '${operand.name}' has shape [${operand.shape.join(',')}]; gradients need every dim known when the graph is built`,
      code: 'AUTODIFF_SYMBOLIC_SHAPE',
      node: node.name,
    });
  }
  return operand.shape as number[];
}

export function intAttribute(node: GraphNode, name: string, fallback: number): number {
  const a: Attribute | undefined = node.attributes[name];
  if (a === undefined) return fallback;
  if (a.type !== 'int') throw unsupportedAttribute(node, name, a);
  return a.value;
}

export function intsAttribute(node: GraphNode, name: string): readonly number[] | undefined {
  const a = node.attributes[name];
  if (a === undefined) return undefined;
  if (a.type !== 'ints') throw unsupportedAttribute(node, name, a);
  return a.value;
}

export function floatAttribute(node: GraphNode, name: string, fallback: number): number {
  const a = node.attributes[name];
  if (a === undefined) return fallback;
  if (a.type !== 'float') throw unsupportedAttribute(node, name, a);
  return a.value;
}

export function stringAttribute(node: GraphNode, name: string, fallback: string): string {
  const a = node.attributes[name];
  if (a === undefined) return fallback;
  if (a.type !== 'string') throw unsupportedAttribute(node, name, a);
  return a.value;
}

export function unsupportedAttribute(node: GraphNode, name: string, value: unknown): AutodiffError {
  return new AutodiffError({
    message: `${node.opType} attribute ${name} = ${JSON.stringify(value)} is not supported by its gradient rule`,
    code: 'AUTODIFF_UNSUPPORTED_ATTRIBUTE',
    node: node.name,
  });
}

/**
 * Sums a broadcast gradient back to the shape of the operand that was broadcast: reduces the axes the
 * operand had as 1 (or lacked), then restores its rank.
 */
export function sumToShape(builder: GraphBuilder, gradient: Operand, target: readonly number[], node: GraphNode): Operand {
  const shape = staticShape(gradient, node);
  if (shape.length === target.length && shape.every((d, i) => d === target[i])) return gradient;
  const offset = shape.length - target.length;
  const axes: number[] = [];
  for (let axis = 0; axis < shape.length; axis++) {
    const t = axis < offset ? 1 : target[axis - offset];
    if (axis < offset || (t === 1 && shape[axis] !== 1)) axes.push(axis);
  }
  let reduced = axes.length > 0 ? builder.reduceSum(gradient, { axes, keepDims: true }) : gradient;
  if (offset !== 0) reduced = builder.reshape(reduced, target);
  return reduced;
}
