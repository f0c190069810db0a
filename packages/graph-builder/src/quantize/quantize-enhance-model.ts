import { sha256Hex } from '@enhance/core';
import { attribute, type GraphNode, type TensorValue } from '../builder/graph-node.js';
import type { Operand } from '../builder/operand.js';
import { encodeModel } from '../onnx/encode-model.js';
import { readModel, type ModelDescription } from '../onnx/read-model.js';
import { foldConstantWeights } from './fold-constant-weights.js';
import { QuantizationError } from './quantization-error.js';
import {
  activationQuantization,
  minimumWeightScalesForBias,
  quantizeBias,
  quantizeWeightsPerChannel,
  type ActivationQuantization,
  type ActivationRange,
} from './quantization-parameters.js';

/**
 * The Enhance layers kept in float32 by default: the 1→F input conv and the F→1 output conv (0.1% of
 * the multiply-adds; they hold the image's full dynamic range), and the first block's first conv (7% of
 * the full network's), whose input x0 is mostly a per-channel constant (the I/Ic level) with a small
 * structured part: on a uint8 grid x0 alone moves the full intensity network's output by 1.0% RMS.
 * Measured on the real SHARP continuum files: 1.22% relative RMS from fp32 with it in float32, 1.62%
 * without; conv_up in float32 as well (27% of the multiply-adds) gives 0.62%.
 */
export const DEFAULT_FLOAT32_LAYERS: readonly string[] = Object.freeze(['conv_in', 'blocks.0.conv1', 'conv_out']);

export type AddPrecision = 'float32' | 'uint8';
export const ADD_PRECISIONS: readonly AddPrecision[] = Object.freeze(['float32', 'uint8']);

/** Opset 13 added per-axis QuantizeLinear / DequantizeLinear. */
const MIN_OPSET = 13;

export interface QuantizeEnhanceModelOptions {
  /**
   * The calibrated range of every activation that gets a uint8 grid, by its name in the float32 graph
   * (`quantizationPlan(...).tensors` lists them).
   */
  ranges: ReadonlyMap<string, ActivationRange>;
  /**
   * Conv nodes (by name) left in float32. Default: the input and output convs, which cost 0.1% of the
   * multiply-adds and carry the full dynamic range of the image in and out.
   */
  float32Layers?: readonly string[];
  /**
   * Per-channel means of the calibrated activations (`CalibrationResult.channelMeans`). When given, each
   * quantised conv's bias absorbs the mean shift its rounded weights cause on such inputs (bias
   * correction, Nagel et al. 2019): measured on the full intensity network, weight rounding alone moved
   * the output by −0.5% of its level without it and by 0.0002% with it.
   */
  channelMeans?: ReadonlyMap<string, ArrayLike<number>>;
  /**
   * 'float32' (default): the residual adds run in float32 on dequantised inputs, so the skip paths carry
   * no rounding and only conv inputs are put on uint8 grids. 'uint8': QLinearAdd, the residual stream
   * itself on uint8 grids (measured on the full intensity network: 1.29% against 1.22% relative RMS from
   * fp32 on the real SHARP continuum files).
   */
  addPrecision?: AddPrecision;
  /** What the ranges were calibrated on and how, for the model's metadata. */
  calibration?: Record<string, unknown>;
  /** Further metadata_props entries (a measured error, say). */
  metadata?: Record<string, string>;
  /** Names the float32 model in errors and in the metadata. */
  file?: string;
}

export interface QuantizationPlan {
  /** Activations that get a QuantizeLinear, in graph order: each needs a calibrated range. */
  tensors: string[];
  /** The Conv nodes that run on int8 weights and uint8 activations. */
  quantizedConvs: string[];
  float32Convs: string[];
}

/**
 * Static QDQ quantisation of a float32 Enhance model (batch norm folded), in the form onnxruntime's QDQ
 * transformer fuses into integer kernels:
 * - every quantised Conv reads DequantizeLinear(uint8 activation), DequantizeLinear(int8 weights,
 *   per output channel, axis 0) and DequantizeLinear(int32 bias on the grid input scale × weight scale),
 *   and its output (after the ReLU when there is one) goes only to a QuantizeLinear: QLinearConv;
 * - every Add reads two DequantizeLinear and feeds one QuantizeLinear: QLinearAdd;
 * - Pad (reflect) and Resize (nearest) only move values, so they run on the uint8 tensor itself, where
 *   they are exact, and pass its scale and zero point on;
 * - the float32 layers dequantise what they read.
 * Each consumer gets its own DequantizeLinear (a shared one blocks the fusion). Activation parameters
 * are stored as initializers (onnxruntime folds the ReLU into the Q only then).
 */
export function quantizeEnhanceModel(fp32Bytes: Uint8Array, options: QuantizeEnhanceModelOptions): Uint8Array {
  const { file } = options;
  const model = foldConstantWeights(readModel(fp32Bytes, file), file);
  const float32Layers = new Set(options.float32Layers ?? DEFAULT_FLOAT32_LAYERS);
  const params = (name: string): ActivationQuantization => {
    const range = options.ranges.get(name);
    if (!range) {
      throw new QuantizationError({
        code: 'QUANTIZE_CALIBRATION',
        file,
        message: `no calibrated range for activation '${name}' (calibrate every tensor of quantizationPlan().tensors)`,
        details: { name },
      });
    }
    return activationQuantization(range, name);
  };
  const addPrecision = options.addPrecision ?? 'float32';
  if (!ADD_PRECISIONS.includes(addPrecision)) {
    throw new QuantizationError({
      code: 'QUANTIZE_OPTION',
      file,
      message: `addPrecision = ${JSON.stringify(addPrecision)} is invalid: expected 'float32' | 'uint8'`,
      details: { addPrecision },
    });
  }
  const rewritten = rewriteGraph(model, { float32Layers, addPrecision, channelMeans: options.channelMeans }, params, file);
  const metadata: Record<string, string> = {
    ...model.metadata,
    precision: 'int8',
    quantization: JSON.stringify({
      format: 'QDQ (onnxruntime fuses it into QLinearConv / QLinearAdd)',
      weights: 'int8, symmetric, one scale per output channel',
      bias: 'int32 on the grid input scale × weight scale',
      activations: 'uint8, one affine grid per tensor, 0 exactly representable',
      float32_layers: rewritten.plan.float32Convs,
      residual_adds: addPrecision,
      bias_correction: options.channelMeans !== undefined,
      quantized_layers: rewritten.plan.quantizedConvs,
      ...(options.calibration ? { calibration: options.calibration } : {}),
      ranges: Object.fromEntries(
        rewritten.plan.tensors.map((name) => {
          const range = options.ranges.get(name)!;
          return [name, [Number(range.min.toPrecision(6)), Number(range.max.toPrecision(6))]];
        }),
      ),
    }),
    float32_model_sha256: sha256Hex(fp32Bytes),
    ...(file ? { float32_model: file.split(/[\\/]/).pop() ?? file } : {}),
    ...options.metadata,
  };
  return encodeModel(rewritten.graph, {
    graphName: model.graphName,
    docString: `${model.docString} Quantised to int8 weights and uint8 activations (static QDQ, calibrated).`.trim(),
    metadata,
    producerName: '@enhance/graph-builder',
    producerVersion: model.producer.version,
    opset: model.opset,
    irVersion: model.irVersion,
  });
}

/** Which activations a quantised model of `fp32Bytes` needs ranges for, and which convs become integer. */
export function quantizationPlan(
  fp32Bytes: Uint8Array,
  options: { float32Layers?: readonly string[]; addPrecision?: AddPrecision; file?: string } = {},
): QuantizationPlan {
  const model = foldConstantWeights(readModel(fp32Bytes, options.file), options.file);
  const placeholder: ActivationQuantization = { scale: 1, zeroPoint: 0 };
  const layout = {
    float32Layers: new Set(options.float32Layers ?? DEFAULT_FLOAT32_LAYERS),
    addPrecision: options.addPrecision ?? 'float32',
  };
  return rewriteGraph(model, layout, () => placeholder, options.file).plan;
}

interface RewrittenGraph {
  graph: Parameters<typeof encodeModel>[0];
  plan: QuantizationPlan;
}

interface GraphLayout {
  float32Layers: ReadonlySet<string>;
  addPrecision: AddPrecision;
  channelMeans?: ReadonlyMap<string, ArrayLike<number>>;
}

function rewriteGraph(
  model: ModelDescription,
  { float32Layers, addPrecision, channelMeans }: GraphLayout,
  params: (name: string) => ActivationQuantization,
  file: string | undefined,
): RewrittenGraph {
  if (model.opset < MIN_OPSET) {
    throw new QuantizationError({
      code: 'QUANTIZE_MODEL',
      file,
      message: `opset ${model.opset} has no per-channel DequantizeLinear: need ${MIN_OPSET} or later`,
      details: { opset: model.opset },
    });
  }
  const convNames = model.nodes.filter((n) => n.opType === 'Conv').map((n) => n.name);
  const unknownLayers = [...float32Layers].filter((name) => !convNames.includes(name));
  if (unknownLayers.length > 0) {
    throw new QuantizationError({
      code: 'QUANTIZE_OPTION',
      file,
      message: `float32 layer(s) ${unknownLayers.map((n) => `'${n}'`).join(', ')} are not Conv nodes of the model (its convs: ${convNames.join(', ')})`,
      details: { unknownLayers, convNames },
    });
  }
  const unsupported = model.nodes.filter((n) => !SUPPORTED_OPS.has(n.opType)).map((n) => `${n.name} (${n.opType})`);
  if (unsupported.length > 0) {
    throw new QuantizationError({
      code: 'QUANTIZE_MODEL',
      file,
      message: `cannot quantise op(s) ${unsupported.join(', ')}: not part of an Enhance network`,
      details: { unsupported },
    });
  }
  if (model.nodes.some((n) => n.opType === 'BatchNormalization')) {
    throw new QuantizationError({
      code: 'QUANTIZE_MODEL',
      file,
      message:
        'the model has separate batch norms: fold them into the convolutions first (loadEnhanceWeights, then createEnhanceModel with foldBatchNorm)',
      details: {},
    });
  }

  const consumers = new Map<string, { node: GraphNode; slot: number }[]>();
  for (const node of model.nodes) {
    node.inputs.forEach((name, slot) => {
      if (name === '') return;
      if (!consumers.has(name)) consumers.set(name, []);
      consumers.get(name)!.push({ node, slot });
    });
  }
  const graphOutputs = new Set(model.outputs.map((o) => o.name));
  const isQuantizedConv = (node: GraphNode) => node.opType === 'Conv' && !float32Layers.has(node.name);

  // Whether some consumer of `tensor` computes on the uint8 grid (directly or after Pad/Resize).
  const wantsQuantizedMemo = new Map<string, boolean>();
  const wantsQuantized = (tensor: string): boolean => {
    const known = wantsQuantizedMemo.get(tensor);
    if (known !== undefined) return known;
    const result = (consumers.get(tensor) ?? []).some(
      ({ node, slot }) =>
        (slot === 0 &&
          ((node.opType === 'Conv' && isQuantizedConv(node)) || (MOVES_VALUES.has(node.opType) && wantsQuantized(node.outputs[0])))) ||
        (node.opType === 'Add' && addPrecision === 'uint8'),
    );
    wantsQuantizedMemo.set(tensor, result);
    return result;
  };

  const nodes: GraphNode[] = [];
  const initializers = new Map<string, TensorValue>();
  const usedNames = new Set<string>([
    ...model.initializers.keys(),
    ...model.nodes.flatMap((n) => [...n.inputs, ...n.outputs]),
    ...model.nodes.map((n) => n.name),
  ]);
  const fresh = (base: string) => {
    let name = base;
    for (let n = 1; usedNames.has(name); n++) name = `${base}_${n}`;
    usedNames.add(name);
    return name;
  };
  const emit = (
    opType: string,
    inputs: string[],
    outputs: string[],
    attributes: GraphNode['attributes'] = {},
    label?: string,
    name = fresh(outputs[0]),
  ) => {
    nodes.push({ name, opType, domain: '', inputs, outputs, attributes, label });
  };
  /** Activations available in float32 under their own name. */
  const floats = new Set<string>(model.inputs.map((i) => i.name));
  /** Activations available on a uint8 grid: the uint8 tensor's name and its parameters. */
  const quantized = new Map<
    string,
    { name: string; scale: string; zeroPoint: string; params: ActivationQuantization; calibrated: string }
  >();
  const plan: QuantizationPlan = { tensors: [], quantizedConvs: [], float32Convs: [] };
  const values: Operand[] = [];
  // value_info for the new tensors, from the float32 model's shapes: `inspect` and graphStatistics
  // walk the quantised graph with them (cost, receptive field).
  const shapes = new Map(model.values.map((v) => [v.name, v.shape]));
  const record = (name: string, like: string, dataType: Operand['dataType']) => {
    const shape = shapes.get(like);
    if (shape) values.push({ name, dataType, shape });
  };

  const quantizedOf = (tensor: string) => {
    const existing = quantized.get(tensor);
    if (existing) return existing;
    if (!floats.has(tensor)) {
      throw new QuantizationError({
        code: 'QUANTIZE_MODEL',
        file,
        message: `'${tensor}' is neither a float nor a quantised activation`,
        details: { tensor },
      });
    }
    const p = params(tensor);
    plan.tensors.push(tensor);
    const scale = fresh(`${tensor}.scale`);
    const zeroPoint = fresh(`${tensor}.zero_point`);
    initializers.set(scale, { dataType: 'float32', dims: [], data: Float32Array.of(p.scale) });
    initializers.set(zeroPoint, { dataType: 'uint8', dims: [], data: Uint8Array.of(p.zeroPoint) });
    const name = fresh(`${tensor}.quantized`);
    emit('QuantizeLinear', [tensor, scale, zeroPoint], [name]);
    record(name, tensor, 'uint8');
    const entry = { name, scale, zeroPoint, params: p, calibrated: tensor };
    quantized.set(tensor, entry);
    return entry;
  };
  /** A float32 view of `tensor` for one consumer: itself, or a DequantizeLinear of its own. */
  const floatFor = (tensor: string) => {
    if (floats.has(tensor)) return tensor;
    const q = quantized.get(tensor);
    if (!q)
      throw new QuantizationError({
        code: 'QUANTIZE_MODEL',
        file,
        message: `'${tensor}' is used before it is computed`,
        details: { tensor },
      });
    const name = fresh(`${tensor}.dequantized`);
    emit('DequantizeLinear', [q.name, q.scale, q.zeroPoint], [name]);
    record(name, tensor, 'float32');
    return name;
  };
  const isActivation = (tensor: string) => floats.has(tensor) || quantized.has(tensor);
  const done = new Set<GraphNode>();

  for (const node of model.nodes) {
    if (done.has(node)) continue;
    switch (node.opType) {
      case 'Conv': {
        const [input, weightName, biasName] = node.inputs;
        if (!isQuantizedConv(node)) {
          plan.float32Convs.push(node.name);
          for (const name of [weightName, biasName]) if (name) initializers.set(name, model.initializers.get(name)!);
          emit(node.opType, [floatFor(input), ...node.inputs.slice(1)], [...node.outputs], node.attributes, node.label, node.name);
          floats.add(node.outputs[0]);
          break;
        }
        plan.quantizedConvs.push(node.name);
        const weight = model.initializers.get(weightName);
        const bias = biasName ? model.initializers.get(biasName) : undefined;
        if (!weight || weight.dataType !== 'float32' || (biasName && (!bias || bias.dataType !== 'float32'))) {
          throw new QuantizationError({
            code: 'QUANTIZE_MODEL',
            file,
            message: `Conv '${node.name}': weight and bias must be float32 initializers`,
            details: { node: node.name },
          });
        }
        const x = quantizedOf(input);
        const dqInput = fresh(`${input}.dequantized`);
        emit('DequantizeLinear', [x.name, x.scale, x.zeroPoint], [dqInput]);
        record(dqInput, input, 'float32');
        const outChannels = weight.dims[0];
        const minimumScales = bias ? minimumWeightScalesForBias(bias.data as Float32Array, x.params.scale) : undefined;
        const w = quantizeWeightsPerChannel(weight.data as Float32Array, outChannels, weightName, minimumScales);
        const dqWeight = dequantizedInitializer(weightName, { dataType: 'int8', dims: weight.dims, data: w.data }, w.scales, {
          dataType: 'int8',
          dims: [outChannels],
          data: new Int8Array(outChannels),
        });
        values.push({ name: dqWeight, dataType: 'float32', shape: weight.dims });
        const convInputs = [dqInput, dqWeight];
        if (bias) {
          const means = channelMeans?.get(x.calibrated);
          if (channelMeans && !means) {
            throw new QuantizationError({
              code: 'QUANTIZE_CALIBRATION',
              file,
              message: `no channel means for '${x.calibrated}', the input of Conv '${node.name}' (bias correction)`,
              details: { tensor: x.calibrated },
            });
          }
          const corrected = means
            ? correctedBias(bias.data as Float32Array, weight.data as Float32Array, w, means, node.name)
            : (bias.data as Float32Array);
          const b = quantizeBias(corrected, x.params.scale, w.scales, biasName);
          convInputs.push(
            dequantizedInitializer(biasName, { dataType: 'int32', dims: bias.dims, data: b.data }, b.scales, {
              dataType: 'int32',
              dims: [outChannels],
              data: new Int32Array(outChannels),
            }),
          );
        }
        emit('Conv', convInputs, [...node.outputs], node.attributes, node.label, node.name);
        // A ReLU that is the conv's only consumer joins the group: Q clamps at zero point 0 anyway.
        let result = node.outputs[0];
        const next = consumers.get(result) ?? [];
        if (
          next.length === 1 &&
          next[0].node.opType === 'Relu' &&
          !graphOutputs.has(next[0].node.outputs[0]) &&
          !graphOutputs.has(result)
        ) {
          const relu = next[0].node;
          emit('Relu', [result], [...relu.outputs], relu.attributes, relu.label, relu.name);
          done.add(relu);
          result = relu.outputs[0];
        }
        floats.add(result);
        quantizedOf(result);
        // Later consumers that need float32 dequantise the grid rather than reading the unrounded value.
        floats.delete(result);
        break;
      }
      case 'Add': {
        if (addPrecision === 'float32') {
          emit('Add', node.inputs.map(floatFor), [...node.outputs], node.attributes, node.label, node.name);
          floats.add(node.outputs[0]);
          break;
        }
        const [a, b] = node.inputs.map((name) => {
          const q = quantizedOf(name);
          const dq = fresh(`${name}.dequantized`);
          emit('DequantizeLinear', [q.name, q.scale, q.zeroPoint], [dq]);
          return dq;
        });
        emit('Add', [a, b], [...node.outputs], node.attributes, node.label, node.name);
        floats.add(node.outputs[0]);
        quantizedOf(node.outputs[0]);
        floats.delete(node.outputs[0]);
        break;
      }
      case 'Pad':
      case 'Resize': {
        const [input, ...rest] = node.inputs;
        const output = node.outputs[0];
        if (wantsQuantized(output)) {
          const q = quantizedOf(input);
          const name = fresh(`${output}.quantized`);
          emit(node.opType, [q.name, ...rest], [name], node.attributes, node.label, node.name);
          record(name, output, 'uint8');
          quantized.set(output, { ...q, name });
        } else {
          emit(node.opType, [floatFor(input), ...rest], [...node.outputs], node.attributes, node.label, node.name);
          floats.add(output);
        }
        break;
      }
      case 'Constant':
        emit(node.opType, [...node.inputs], [...node.outputs], node.attributes, node.label, node.name);
        break;
      default: {
        // Relu (one not joined to a conv), Identity: in float32.
        const inputs = node.inputs.map((name) => (name !== '' && isActivation(name) ? floatFor(name) : name));
        emit(node.opType, inputs, [...node.outputs], node.attributes, node.label, node.name);
        for (const output of node.outputs) floats.add(output);
      }
    }
  }
  for (const name of graphOutputs) {
    if (!floats.has(name)) {
      throw new QuantizationError({
        code: 'QUANTIZE_MODEL',
        file,
        message: `graph output '${name}' is not produced in float32`,
        details: { name },
      });
    }
  }

  function dequantizedInitializer(name: string, data: TensorValue, scales: Float32Array, zeroPoints: TensorValue): string {
    const quantizedName = fresh(`${name}.${data.dataType}`);
    const scaleName = fresh(`${name}.scale`);
    const zeroPointName = fresh(`${name}.zero_point`);
    initializers.set(quantizedName, data);
    initializers.set(scaleName, { dataType: 'float32', dims: [scales.length], data: scales });
    initializers.set(zeroPointName, zeroPoints);
    const output = fresh(`${name}.dequantized`);
    emit('DequantizeLinear', [quantizedName, scaleName, zeroPointName], [output], { axis: attribute.int(0) });
    return output;
  }

  // Keep the float32 model's recorded shapes for the values that are still float32 under their name.
  const produced = new Set(nodes.flatMap((n) => n.outputs));
  for (const value of model.values) if (produced.has(value.name) && !graphOutputs.has(value.name)) values.push(value);
  return {
    graph: { inputs: model.inputs, outputs: model.outputs, nodes, initializers, values },
    plan,
  };
}

const MOVES_VALUES = new Set(['Pad', 'Resize']);
// Split, Slice, Concat and DepthToSpace: the phase-form ×2 tail after conv_out, in float32.
const SUPPORTED_OPS = new Set(['Conv', 'Relu', 'Add', 'Pad', 'Resize', 'Constant', 'Identity', 'Split', 'Slice', 'Concat', 'DepthToSpace']);

/**
 * b'[o] = b[o] − Σ_{c,k} (ŵ − w)[o,c,k] · mean[c]: the rounded weights ŵ then give the float32 output's
 * mean on inputs with these channel means.
 */
function correctedBias(
  bias: Float32Array,
  weights: Float32Array,
  quantized: { data: Int8Array; scales: Float32Array },
  means: ArrayLike<number>,
  node: string,
): Float32Array {
  const outChannels = bias.length;
  const perOutput = weights.length / outChannels;
  const inChannels = means.length;
  const kernel = perOutput / inChannels;
  if (!Number.isInteger(kernel)) {
    throw new QuantizationError({
      code: 'QUANTIZE_CALIBRATION',
      message: `Conv '${node}': ${means.length} channel means do not match weights of ${perOutput} per output channel`,
      details: { node },
    });
  }
  const corrected = Float32Array.from(bias);
  for (let o = 0; o < outChannels; o++) {
    let shift = 0;
    for (let c = 0; c < inChannels; c++) {
      let error = 0;
      for (let k = 0; k < kernel; k++) {
        const i = o * perOutput + c * kernel + k;
        error += quantized.data[i] * quantized.scales[o] - weights[i];
      }
      shift += error * means[c];
    }
    corrected[o] = bias[o] - shift;
  }
  return corrected;
}
