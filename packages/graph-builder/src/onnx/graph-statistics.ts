import type { GraphNode, TensorValue } from '../builder/graph-node.js';
import type { Dim } from '../builder/operand.js';
import { toAffine } from '../builder/symbolic-dim.js';
import type { ModelDescription } from './read-model.js';

/** What the statistics need from a graph: a builder's IR or a model read from a file. */
export interface GraphStatisticsSource {
  inputs: readonly { name: string; shape: readonly Dim[] }[];
  nodes: readonly GraphNode[];
  initializers: ReadonlyMap<string, TensorValue>;
  shapeOf(name: string): readonly Dim[] | undefined;
}

export interface GraphStatistics {
  /** Elements of the float initializers (the weights). */
  parameterCount: number;
  /**
   * Multiply-adds of the Conv / ConvTranspose nodes per pixel of the image input, from the symbolic
   * output sizes ('2*H' × '2*W' counts 4 output pixels per input pixel). Undefined when the image
   * input has no symbolic H and W, or a conv's weight or output shape is unknown.
   */
  multiplyAddsPerInputPixel: number | undefined;
  /**
   * Width in input pixels of the input window that one output pixel depends on: 1 + Σ (k − 1)·d / s
   * along the longest path of stride-1 convolutions, s being the conv's resolution relative to the
   * input. Undefined when a conv is strided.
   */
  receptiveField: number | undefined;
  /** Node count by op type. */
  opCounts: Record<string, number>;
}

const FLOAT_TYPES = new Set(['float32', 'float64', 'float16']);

export function statisticsSourceOfModel(model: ModelDescription): GraphStatisticsSource {
  const shapes = new Map<string, readonly Dim[]>();
  for (const v of [...model.inputs, ...model.outputs, ...model.values]) shapes.set(v.name, v.shape);
  for (const [name, t] of model.initializers) shapes.set(name, t.dims);
  return { inputs: model.inputs, nodes: model.nodes, initializers: model.initializers, shapeOf: (name) => shapes.get(name) };
}

export function graphStatistics(source: GraphStatisticsSource): GraphStatistics {
  let parameterCount = 0;
  for (const t of source.initializers.values()) if (FLOAT_TYPES.has(t.dataType)) parameterCount += t.data.length;
  const opCounts: Record<string, number> = {};
  for (const node of source.nodes) opCounts[node.opType] = (opCounts[node.opType] ?? 0) + 1;

  // The image: the first rank-4 input with symbolic spatial dims.
  const image = source.inputs.find((i) => i.shape.length === 4 && typeof i.shape[2] === 'string' && typeof i.shape[3] === 'string');
  const symbols = image ? [toAffine(image.shape[2])?.symbol, toAffine(image.shape[3])?.symbol] : [];
  /** Output resolution of a value relative to the image, per spatial axis. */
  const scales = (shape: readonly Dim[] | undefined): [number, number] | undefined => {
    if (!shape || shape.length !== 4 || symbols.length !== 2) return undefined;
    const [h, w] = [toAffine(shape[2]), toAffine(shape[3])];
    if (!h || !w || h.symbol !== symbols[0] || w.symbol !== symbols[1]) return undefined;
    return [h.coefficient, w.coefficient];
  };

  let multiplyAdds: number | undefined = image ? 0 : undefined;
  let receptiveFieldValid = image !== undefined;
  const reach = new Map<string, number>();
  for (const node of source.nodes) {
    const upstream = Math.max(0, ...node.inputs.map((name) => reach.get(name) ?? 0));
    let own = 0;
    if (node.opType === 'Conv' || node.opType === 'ConvTranspose') {
      const weight = source.shapeOf(node.inputs[1]);
      const outScale = scales(source.shapeOf(node.outputs[0]));
      const inScale = scales(source.shapeOf(node.inputs[0]));
      const numericWeight = weight?.every((d): d is number => typeof d === 'number') ? (weight as number[]) : undefined;
      if (!numericWeight || !outScale || !inScale) {
        multiplyAdds = undefined;
        receptiveFieldValid = false;
      } else {
        const kernelVolume = numericWeight.slice(2).reduce((p, d) => p * d, 1);
        if (node.opType === 'Conv') {
          // Per output pixel: each output channel sums (in / group) · kernel products; weight is (out, in / group, k…).
          if (multiplyAdds !== undefined) multiplyAdds += numericWeight[0] * numericWeight[1] * kernelVolume * outScale[0] * outScale[1];
        } else if (multiplyAdds !== undefined) {
          // Per input pixel: every input channel scatters into (out / group) · kernel positions.
          multiplyAdds += numericWeight[0] * numericWeight[1] * kernelVolume * inScale[0] * inScale[1];
        }
        const strides = node.attributes.strides;
        const dilations = node.attributes.dilations;
        const strided = strides?.type === 'ints' && strides.value.some((s) => s !== 1);
        if (strided || node.opType === 'ConvTranspose') receptiveFieldValid = false;
        const dilation = dilations?.type === 'ints' ? dilations.value[0] : 1;
        // Both spatial axes share the kernel size and scale in the networks measured here; use the first.
        own = ((numericWeight[2] - 1) * dilation) / outScale[0];
      }
    }
    for (const output of node.outputs) reach.set(output, upstream + own);
  }
  const receptiveField = receptiveFieldValid ? 1 + Math.max(0, ...reach.values()) : undefined;
  return { parameterCount, multiplyAddsPerInputPixel: multiplyAdds, receptiveField, opCounts };
}
