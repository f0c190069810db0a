import type { GraphNode, TensorValue } from '../builder/graph-node.js';
import type { ModelDescription } from '../onnx/read-model.js';
import { QuantizationError } from './quantization-error.js';

/** The ops `foldConstantWeights` evaluates: those a weight is computed with in an Enhance graph. */
const FOLDABLE = new Set(['Reshape', 'Transpose', 'MatMul', 'Concat']);

/**
 * The model with every Reshape / Transpose / MatMul / Concat whose inputs are all initializers or
 * Constant outputs evaluated into an initializer, and the Constant nodes only those read removed: what
 * onnxruntime's constant folding does when it makes a session, done here so that each Conv of the
 * phase-form ×2 tail (`upsampling: 'phases'`) reads its weight and bias as initializers, which the
 * int8 rewrite quantises. Initializers no node reads any more are dropped (the phase form's
 * `conv_up.weight` [F, F, 3, 3], once its phase kernels are computed).
 */
export function foldConstantWeights(model: ModelDescription, file?: string): ModelDescription {
  const constants = new Map<string, TensorValue>(model.initializers);
  for (const node of model.nodes) {
    if (node.opType === 'Constant' && node.attributes.value?.type === 'tensor') constants.set(node.outputs[0], node.attributes.value.value);
  }
  const folded = new Set<GraphNode>();
  const computed = new Map<string, TensorValue>();
  for (const node of model.nodes) {
    if (!FOLDABLE.has(node.opType) || !node.inputs.every((name) => constants.has(name))) continue;
    const value = evaluate(
      node,
      node.inputs.map((name) => constants.get(name)!),
      file,
    );
    constants.set(node.outputs[0], value);
    computed.set(node.outputs[0], value);
    folded.add(node);
  }
  if (folded.size === 0) return model;
  const kept = model.nodes.filter((node) => !folded.has(node));
  const read = new Set(kept.flatMap((node) => node.inputs));
  const nodes = kept.filter((node) => node.opType !== 'Constant' || node.outputs.some((name) => read.has(name)));
  const initializers = new Map<string, TensorValue>();
  for (const [name, value] of [...model.initializers, ...computed]) if (read.has(name)) initializers.set(name, value);
  const values = model.values.filter((v) => !computed.has(v.name) || read.has(v.name));
  return { ...model, nodes, initializers, values };
}

function evaluate(node: GraphNode, inputs: TensorValue[], file: string | undefined): TensorValue {
  const fail = (why: string): never => {
    throw new QuantizationError({
      code: 'QUANTIZE_MODEL',
      file,
      message: `cannot evaluate ${node.opType} '${node.name}' on constants: ${why}`,
      details: { node: node.name },
    });
  };
  const [x] = inputs;
  if (node.opType !== 'Reshape' && node.opType !== 'Concat' && inputs.some((t) => t.dataType !== 'float32')) fail('float32 inputs only');
  switch (node.opType) {
    case 'Reshape': {
      const target = Array.from(inputs[1].data as BigInt64Array, Number);
      const size = x.dims.reduce((p, d) => p * d, 1);
      const dims = target.map((d, i) => (d === 0 ? x.dims[i] : d));
      const known = dims.reduce((p, d) => (d === -1 ? p : p * d), 1);
      const shape = dims.map((d) => (d === -1 ? size / known : d));
      if (shape.reduce((p, d) => p * d, 1) !== size) fail(`[${x.dims.join(',')}] cannot become [${target.join(',')}]`);
      return { dataType: x.dataType, dims: shape, data: x.data };
    }
    case 'Transpose': {
      const rank = x.dims.length;
      const permAttribute = node.attributes.perm;
      const perm = permAttribute?.type === 'ints' ? permAttribute.value : Array.from({ length: rank }, (_, i) => rank - 1 - i);
      const dims = perm.map((p) => x.dims[p]);
      const strides = stridesOf(x.dims);
      const source = x.data as Float32Array;
      const data = new Float32Array(source.length);
      const index = new Array<number>(rank).fill(0);
      for (let out = 0; out < data.length; out++) {
        let from = 0;
        for (let axis = 0; axis < rank; axis++) from += index[axis] * strides[perm[axis]];
        data[out] = source[from];
        for (let axis = rank - 1; axis >= 0; axis--) {
          if (++index[axis] < dims[axis]) break;
          index[axis] = 0;
        }
      }
      return { dataType: 'float32', dims, data };
    }
    case 'MatMul': {
      const [a, b] = inputs;
      if (a.dims.length !== 2 || b.dims.length !== 2 || a.dims[1] !== b.dims[0]) {
        fail(`2-D operands with matching inner dims only, got [${a.dims.join(',')}] × [${b.dims.join(',')}]`);
      }
      const [m, k] = a.dims;
      const n = b.dims[1];
      const [left, right] = [a.data as Float32Array, b.data as Float32Array];
      const data = new Float32Array(m * n);
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          // Summed in float64 and rounded once: at most one rounding from the exact sum.
          let sum = 0;
          for (let t = 0; t < k; t++) sum += left[i * k + t] * right[t * n + j];
          data[i * n + j] = sum;
        }
      }
      return { dataType: 'float32', dims: [m, n], data };
    }
    default: {
      // Concat
      const axisAttribute = node.attributes.axis;
      const rank = x.dims.length;
      const axis = axisAttribute?.type === 'int' ? (axisAttribute.value + rank) % rank : fail('no axis');
      if (inputs.some((t) => t.dataType !== x.dataType || t.dims.length !== rank)) fail('inputs of one type and rank only');
      const outer = x.dims.slice(0, axis).reduce((p, d) => p * d, 1);
      const dims = [...x.dims];
      dims[axis] = inputs.reduce((sum, t) => sum + t.dims[axis], 0);
      const total = dims.reduce((p, d) => p * d, 1);
      const data = new (x.data.constructor as Float32ArrayConstructor)(total);
      let offset = 0;
      for (let o = 0; o < outer; o++) {
        for (const t of inputs) {
          const block = t.data.length / outer;
          data.set((t.data as Float32Array).subarray(o * block, (o + 1) * block), offset);
          offset += block;
        }
      }
      return { dataType: x.dataType, dims, data: data as TensorValue['data'] };
    }
  }
}

function stridesOf(dims: readonly number[]): number[] {
  const strides = new Array<number>(dims.length);
  for (let i = dims.length - 1, s = 1; i >= 0; i--) {
    strides[i] = s;
    s *= dims[i];
  }
  return strides;
}
