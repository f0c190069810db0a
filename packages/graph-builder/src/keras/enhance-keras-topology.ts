import type { Architecture } from '@enhance/core';
import { KerasConversionError } from './keras-conversion-error.js';
import type { KerasLayerNode, KerasModelGraph } from './keras-model-graph.js';
import type { KerasLayerWeights, KerasWeightFile } from './read-keras-weight-file.js';

export interface KerasConvSpec {
  layer: string;
  kernelSize: number;
  filters: number;
  useBias: boolean;
}

export interface KerasBatchNormSpec {
  layer: string;
  epsilon: number;
  /** false: the layer has no beta (β = 0). */
  center: boolean;
  /** false: the layer has no gamma (γ = 1). */
  scale: boolean;
}

export interface EnhanceKerasBlock {
  conv1: KerasConvSpec;
  bn1: KerasBatchNormSpec;
  conv2: KerasConvSpec;
  bn2: KerasBatchNormSpec;
}

/** Where the Enhance architecture came from: a model JSON given alongside, the file's own `model_config`, or the weights alone. */
export type TopologySource = 'model_json' | 'model_config' | 'inferred';

/** The Keras layers that play each role of the Enhance "keepsize" network. */
export interface EnhanceKerasTopology {
  source: TopologySource;
  architecture: Architecture;
  firstConv: KerasConvSpec;
  blocks: readonly EnhanceKerasBlock[];
  postConv: KerasConvSpec;
  postBn: KerasBatchNormSpec;
  upConv: KerasConvSpec;
  outputConv: KerasConvSpec;
  /** Training-time input noise σ, when the model JSON has a GaussianNoise layer. */
  noiseStddev: number | undefined;
}

/** Keras' own default, used when only the weights are known. */
export const KERAS_DEFAULT_BN_EPSILON = 1e-3;

/** Layers that do nothing at inference time. */
const INFERENCE_IDENTITY_CLASSES = new Set(['GaussianNoise', 'GaussianDropout', 'Dropout', 'SpatialDropout2D', 'AlphaDropout']);
const KNOWN_CLASSES = new Set([
  ...INFERENCE_IDENTITY_CLASSES,
  'InputLayer',
  'ReflectionPadding2D',
  'Conv2D',
  'BatchNormalization',
  'Activation',
  'ReLU',
  'Add',
  'UpSampling2D',
]);

function pairOf(value: unknown): [number, number] | undefined {
  if (typeof value === 'number') return [value, value];
  if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'number')) return [value[0], value[1]];
  return undefined;
}

/** Walks a Keras graph along the Enhance network, checking every layer's class and config on the way. */
class TopologyWalker {
  private readonly byName: Map<string, KerasLayerNode>;
  private readonly consumers = new Map<string, KerasLayerNode[]>();
  readonly visited = new Set<string>();

  constructor(
    private readonly graph: KerasModelGraph,
    private readonly file: string,
  ) {
    this.byName = new Map(graph.layers.map((layer) => [layer.name, layer]));
    for (const layer of graph.layers) {
      if (!KNOWN_CLASSES.has(layer.className)) {
        throw new KerasConversionError({
          message: `unknown layer class '${layer.className}': the Enhance network is made of ${[...KNOWN_CLASSES].join(', ')}`,
          code: 'KERAS_UNKNOWN_LAYER',
          file,
          layer: layer.name,
          details: { className: layer.className },
        });
      }
      for (const source of layer.inbound) {
        const list = this.consumers.get(source) ?? [];
        list.push(layer);
        this.consumers.set(source, list);
      }
    }
  }

  fail(
    layer: KerasLayerNode | string,
    message: string,
    details: Record<string, unknown> = {},
    code: 'KERAS_UNSUPPORTED_CONFIG' | 'KERAS_INCONSISTENT_MODEL' = 'KERAS_INCONSISTENT_MODEL',
  ): never {
    throw new KerasConversionError({ message, code, file: this.file, layer: typeof layer === 'string' ? layer : layer.name, details });
  }

  layer(name: string): KerasLayerNode {
    const layer = this.byName.get(name);
    if (!layer) this.fail(name, 'layer does not exist in the model JSON');
    return layer;
  }

  /** The one layer that continues the main path from `from`, skipping inference-time identities; `besides` are allowed extra consumers (skip connections). */
  next(from: KerasLayerNode, besides: readonly string[] = []): KerasLayerNode {
    let onward = (this.consumers.get(from.name) ?? []).filter((c) => !besides.includes(c.name));
    // A skip connection taken from the wrong layer is reported at its Add, where both inputs can be named.
    const notAdds = onward.filter((c) => c.className !== 'Add');
    if (onward.length > 1 && notAdds.length === 1) onward = notAdds;
    if (onward.length !== 1) {
      this.fail(
        from,
        onward.length === 0
          ? 'the Enhance network continues after this layer, the model JSON does not'
          : `output feeds ${onward.map((c) => c.name).join(', ')}; expected one layer on the main path`,
        {
          consumers: onward.map((c) => c.name),
        },
      );
    }
    const layer = onward[0];
    this.visited.add(layer.name);
    if (INFERENCE_IDENTITY_CLASSES.has(layer.className)) return this.next(layer);
    return layer;
  }

  /** Consumers of `from` that are Add layers (the skip connections it feeds). */
  addConsumers(from: KerasLayerNode): KerasLayerNode[] {
    return (this.consumers.get(from.name) ?? []).filter((c) => c.className === 'Add');
  }

  expectClass(layer: KerasLayerNode, className: string, role: string): void {
    if (layer.className !== className) {
      this.fail(layer, `expected a ${className} (${role}) here, found ${layer.className}`, {
        className: layer.className,
        expected: className,
      });
    }
  }

  isRelu(layer: KerasLayerNode): boolean {
    return (
      (layer.className === 'Activation' && layer.config['activation'] === 'relu') ||
      (layer.className === 'ReLU' && !layer.config['max_value'] && !layer.config['negative_slope'] && !layer.config['threshold'])
    );
  }

  /** `pad → Conv2D(k×k, valid)` or, for 1×1, a bare Conv2D. Returns the conv layer. */
  conv(start: KerasLayerNode, kernelSize: number, role: string): { conv: KerasLayerNode; spec: KerasConvSpec } {
    let conv = start;
    const margin = (kernelSize - 1) / 2;
    if (start.className === 'ReflectionPadding2D') {
      const padding = start.config['padding'];
      const expected = JSON.stringify([
        [margin, margin],
        [margin, margin],
      ]);
      const flat =
        Array.isArray(padding) && padding.every((p) => typeof p === 'number')
          ? JSON.stringify([
              [padding[0], padding[0]],
              [padding[1], padding[1]],
            ])
          : JSON.stringify(padding);
      if (flat !== expected)
        this.fail(
          start,
          `reflection padding ${JSON.stringify(padding)} does not fit a ${kernelSize}×${kernelSize} convolution (${role}); expected ${expected}`,
          { padding },
          'KERAS_UNSUPPORTED_CONFIG',
        );
      this.checkChannelsLast(start);
      conv = this.next(start);
    } else if (kernelSize > 1) {
      this.fail(
        start,
        `expected ReflectionPadding2D before the ${kernelSize}×${kernelSize} convolution (${role}), found ${start.className}`,
        { className: start.className },
      );
    }
    this.expectClass(conv, 'Conv2D', role);
    const config = conv.config;
    const kernel = pairOf(config['kernel_size']);
    if (!kernel || kernel[0] !== kernelSize || kernel[1] !== kernelSize)
      this.fail(
        conv,
        `kernel_size ${JSON.stringify(config['kernel_size'])}, expected [${kernelSize}, ${kernelSize}] (${role})`,
        { kernelSize: config['kernel_size'] },
        'KERAS_UNSUPPORTED_CONFIG',
      );
    const strides = pairOf(config['strides'] ?? 1);
    const dilation = pairOf(config['dilation_rate'] ?? 1);
    if (!strides || strides[0] !== 1 || strides[1] !== 1)
      this.fail(
        conv,
        `strides ${JSON.stringify(config['strides'])} are not supported (Enhance uses 1)`,
        { strides: config['strides'] },
        'KERAS_UNSUPPORTED_CONFIG',
      );
    if (!dilation || dilation[0] !== 1 || dilation[1] !== 1)
      this.fail(
        conv,
        `dilation_rate ${JSON.stringify(config['dilation_rate'])} is not supported (Enhance uses 1)`,
        { dilationRate: config['dilation_rate'] },
        'KERAS_UNSUPPORTED_CONFIG',
      );
    if (kernelSize > 1 && config['padding'] !== 'valid') {
      this.fail(
        conv,
        `padding '${String(config['padding'])}' after reflection padding would pad twice; expected 'valid'`,
        { padding: config['padding'] },
        'KERAS_UNSUPPORTED_CONFIG',
      );
    }
    this.checkChannelsLast(conv);
    const filters = config['filters'];
    if (typeof filters !== 'number' || !Number.isInteger(filters) || filters < 1)
      this.fail(conv, `filters ${JSON.stringify(filters)} is not a positive integer`, { filters }, 'KERAS_UNSUPPORTED_CONFIG');
    const activation = config['activation'] ?? 'linear';
    if (activation !== 'linear' && activation !== 'relu')
      this.fail(conv, `activation '${String(activation)}' is not supported (linear or relu)`, { activation }, 'KERAS_UNSUPPORTED_CONFIG');
    return { conv, spec: { layer: conv.name, kernelSize, filters, useBias: config['use_bias'] !== false } };
  }

  checkChannelsLast(layer: KerasLayerNode): void {
    const format = layer.config['data_format'];
    if (format !== undefined && format !== null && format !== 'channels_last') {
      this.fail(
        layer,
        `data_format '${String(format)}' is not supported (channels_last)`,
        { dataFormat: format },
        'KERAS_UNSUPPORTED_CONFIG',
      );
    }
  }

  /** A linear conv followed by a ReLU, either the conv's own activation or an Activation layer. Returns the layer whose output is the ReLU'd tensor. */
  reluAfter(conv: KerasLayerNode, role: string, besides: readonly string[] = []): KerasLayerNode {
    if (conv.config['activation'] === 'relu') return conv;
    const relu = this.next(conv, besides);
    if (!this.isRelu(relu))
      this.fail(
        relu,
        `expected a ReLU after '${conv.name}' (${role}), found ${relu.className}${relu.className === 'Activation' ? ` '${String(relu.config['activation'])}'` : ''}`,
        { className: relu.className, activation: relu.config['activation'] },
      );
    return relu;
  }

  requireLinear(conv: KerasLayerNode, role: string): void {
    if ((conv.config['activation'] ?? 'linear') !== 'linear')
      this.fail(
        conv,
        `activation '${String(conv.config['activation'])}' where Enhance has none (${role})`,
        { activation: conv.config['activation'] },
        'KERAS_UNSUPPORTED_CONFIG',
      );
  }

  batchNorm(layer: KerasLayerNode, role: string): KerasBatchNormSpec {
    this.expectClass(layer, 'BatchNormalization', role);
    const axis = layer.config['axis'] ?? -1;
    if (axis !== -1 && axis !== 3 && !(Array.isArray(axis) && axis.length === 1 && (axis[0] === -1 || axis[0] === 3))) {
      this.fail(layer, `axis ${JSON.stringify(axis)}: only the channel axis (-1) is supported`, { axis }, 'KERAS_UNSUPPORTED_CONFIG');
    }
    const epsilon = layer.config['epsilon'] ?? KERAS_DEFAULT_BN_EPSILON;
    if (typeof epsilon !== 'number' || !(epsilon > 0))
      this.fail(layer, `epsilon ${JSON.stringify(epsilon)} is not a positive number`, { epsilon }, 'KERAS_UNSUPPORTED_CONFIG');
    return { layer: layer.name, epsilon, center: layer.config['center'] !== false, scale: layer.config['scale'] !== false };
  }

  /** An Add layer joining the main path with `skip`. */
  add(layer: KerasLayerNode, mainInput: KerasLayerNode, skip: KerasLayerNode, role: string): void {
    this.expectClass(layer, 'Add', role);
    const inputs = [...layer.inbound].sort();
    const expected = [mainInput.name, skip.name].sort();
    if (JSON.stringify(inputs) !== JSON.stringify(expected)) {
      this.fail(layer, `adds ${layer.inbound.join(' + ')}; the Enhance ${role} adds ${mainInput.name} + ${skip.name}`, {
        inbound: layer.inbound,
        expected,
      });
    }
  }
}

/**
 * Finds the Enhance network in a Keras model graph by walking it from the input along inbound_nodes:
 * conv+ReLU (x0), N residual blocks, conv+BN + x0, ×2 upsampling, conv+ReLU, 1×1 conv. Every config the
 * ONNX network depends on (padding, kernel sizes, strides, activations, epsilon, upsampling size) is checked.
 */
export function topologyFromModelGraph(
  graph: KerasModelGraph,
  source: Exclude<TopologySource, 'inferred'>,
  file: string,
): EnhanceKerasTopology {
  const walker = new TopologyWalker(graph, file);
  if (graph.inputLayers.length !== 1 || graph.outputLayers.length !== 1) {
    walker.fail(
      graph.name,
      `the model has ${graph.inputLayers.length} inputs and ${graph.outputLayers.length} outputs; Enhance has one of each`,
      { inputs: graph.inputLayers, outputs: graph.outputLayers },
    );
  }
  const input = walker.layer(graph.inputLayers[0]);
  walker.visited.add(input.name);
  walker.expectClass(input, 'InputLayer', 'model input');
  const inputShape = input.config['batch_input_shape'];
  if (Array.isArray(inputShape) && inputShape.length === 4 && inputShape[3] !== 1) {
    walker.fail(
      input,
      `input has ${String(inputShape[3])} channels; Enhance takes one`,
      { batchInputShape: inputShape },
      'KERAS_UNSUPPORTED_CONFIG',
    );
  }
  const noiseLayer = graph.layers.find((l) => l.className === 'GaussianNoise' && l.inbound[0] === input.name);
  const noiseStddev = typeof noiseLayer?.config['stddev'] === 'number' ? noiseLayer.config['stddev'] : undefined;

  const first = walker.conv(walker.next(input), 3, 'first convolution');
  const x0 = walker.reluAfter(first.conv, 'first convolution');
  const filters = first.spec.filters;

  const blocks: EnhanceKerasBlock[] = [];
  let current = x0;
  for (;;) {
    const skipAdds = walker.addConsumers(current).map((a) => a.name);
    const pad = walker.next(current, skipAdds);
    const c1 = walker.conv(pad, 3, `block ${blocks.length + 1} first convolution, or the convolution after the blocks`);
    walker.requireLinear(c1.conv, 'convolution before batch normalization');
    const bnLayer = walker.next(c1.conv);
    const bn1 = walker.batchNorm(bnLayer, 'after a convolution');
    const afterBn = walker.next(bnLayer);
    if (afterBn.className === 'Add') {
      walker.add(afterBn, bnLayer, x0, 'long skip connection (after the blocks)');
      walker.visited.add(afterBn.name);
      const upsample = walker.next(afterBn);
      walker.expectClass(upsample, 'UpSampling2D', '×2 upsampling');
      const size = pairOf(upsample.config['size']);
      if (!size || size[0] !== 2 || size[1] !== 2)
        walker.fail(
          upsample,
          `size ${JSON.stringify(upsample.config['size'])}; Enhance upsamples ×2`,
          { size: upsample.config['size'] },
          'KERAS_UNSUPPORTED_CONFIG',
        );
      const interpolation = upsample.config['interpolation'] ?? 'nearest';
      if (interpolation !== 'nearest')
        walker.fail(
          upsample,
          `interpolation '${String(interpolation)}'; Enhance repeats pixels (nearest)`,
          { interpolation },
          'KERAS_UNSUPPORTED_CONFIG',
        );
      walker.checkChannelsLast(upsample);
      const up = walker.conv(walker.next(upsample), 3, 'convolution after upsampling');
      const upRelu = walker.reluAfter(up.conv, 'convolution after upsampling');
      const out = walker.conv(walker.next(upRelu), 1, 'output 1×1 convolution');
      walker.requireLinear(out.conv, 'output convolution (gives the output its sign)');
      if (out.spec.filters !== 1)
        walker.fail(
          out.conv,
          `the output convolution has ${out.spec.filters} filters; Enhance outputs one channel`,
          { filters: out.spec.filters },
          'KERAS_UNSUPPORTED_CONFIG',
        );
      if (graph.outputLayers[0] !== out.conv.name)
        walker.fail(out.conv, `the model output is '${graph.outputLayers[0]}', not the final 1×1 convolution`, {
          output: graph.outputLayers[0],
        });
      for (const spec of [first.spec, ...blocks.flatMap((b) => [b.conv1, b.conv2]), c1.spec, up.spec]) {
        if (spec.filters !== filters)
          walker.fail(spec.layer, `has ${spec.filters} filters, the first convolution ${filters}: Enhance keeps one width`, {
            filters: spec.filters,
            expected: filters,
          });
      }
      const stray = graph.layers.filter((l) => !walker.visited.has(l.name));
      if (stray.length > 0)
        walker.fail(stray[0], `is not on the Enhance network's path (unvisited layers: ${stray.map((l) => l.name).join(', ')})`, {
          unvisited: stray.map((l) => l.name),
        });
      return {
        source,
        architecture: { depth: blocks.length, filters },
        firstConv: first.spec,
        blocks,
        postConv: c1.spec,
        postBn: bn1,
        upConv: up.spec,
        outputConv: out.spec,
        noiseStddev,
      };
    }
    const relu = afterBn;
    if (!walker.isRelu(relu))
      walker.fail(
        relu,
        `expected a ReLU (inside a residual block) or an Add (long skip) after '${bnLayer.name}', found ${relu.className}`,
        { className: relu.className },
      );
    const c2 = walker.conv(walker.next(relu), 3, `block ${blocks.length + 1} second convolution`);
    walker.requireLinear(c2.conv, 'convolution before batch normalization');
    const bn2Layer = walker.next(c2.conv);
    const bn2 = walker.batchNorm(bn2Layer, `block ${blocks.length + 1} second batch normalization`);
    const add = walker.next(bn2Layer);
    walker.add(add, bn2Layer, current, `block ${blocks.length + 1} residual connection`);
    blocks.push({ conv1: c1.spec, bn1, conv2: c2.spec, bn2 });
    current = add;
  }
}

export type WeightedLayerKind = 'conv' | 'batch_norm';

/** Tells a layer's class from its weight names: kernel/bias for Conv2D, moving_mean/moving_variance for BatchNormalization. */
export function weightedLayerKind(layer: KerasLayerWeights): WeightedLayerKind | undefined {
  const leaf = (name: string) => name.split('/').pop()!.replace(/:\d+$/u, '');
  const leaves = layer.weights.map((w) => leaf(w.name));
  if (leaves.includes('kernel')) return 'conv';
  if (leaves.includes('moving_mean') || leaves.includes('moving_variance')) return 'batch_norm';
  return undefined;
}

/**
 * Infers the Enhance network from the weights alone when no model JSON is known: the weighted layers,
 * in layer_names order, must read conv, (conv, BN, conv, BN) × depth, conv, BN, conv, conv; filters come
 * from the first kernel's shape; BN epsilon is Keras' default 1e-3.
 */
export function inferTopologyFromWeights(weights: KerasWeightFile, file: string): EnhanceKerasTopology {
  const weighted = weights.layers.filter((layer) => layer.weights.length > 0);
  const kinds = weighted.map((layer) => {
    const kind = weightedLayerKind(layer);
    if (kind === undefined) {
      throw new KerasConversionError({
        message: `cannot tell the layer class from its weights (${layer.weights.map((w) => w.name).join(', ')}); pass the model JSON`,
        code: 'KERAS_UNKNOWN_LAYER',
        file,
        layer: layer.name,
        details: { weights: layer.weights.map((w) => w.name) },
      });
    }
    return kind;
  });
  const pattern = kinds.map((k) => (k === 'conv' ? 'C' : 'B')).join('');
  const match = /^C((?:CBCB)*)CBCC$/u.exec(pattern);
  if (!match) {
    throw new KerasConversionError({
      message: `the weighted layers read ${pattern} (C = conv, B = batch norm), which is not the Enhance network C(CBCB)×depth CBCC; pass the model JSON if the layers are named or ordered differently`,
      code: 'KERAS_INCONSISTENT_MODEL',
      file,
      details: { pattern, layers: weighted.map((l) => l.name) },
    });
  }
  const depth = match[1].length / 4;
  const kernelOf = (layer: KerasLayerWeights) => layer.weights.find((w) => /(^|\/)kernel(:\d+)?$/u.test(w.name))!;
  const firstKernel = kernelOf(weighted[0]);
  const filters = firstKernel.shape[3];
  if (firstKernel.shape.length !== 4 || !(filters > 0)) {
    throw new KerasConversionError({
      message: `kernel shape [${firstKernel.shape.join(', ')}] is not (kh, kw, in, out)`,
      code: 'KERAS_SHAPE_MISMATCH',
      file,
      layer: weighted[0].name,
      details: { shape: firstKernel.shape },
    });
  }
  const leafSet = (layer: KerasLayerWeights) => new Set(layer.weights.map((w) => w.name.split('/').pop()!.replace(/:\d+$/u, '')));
  const conv = (index: number, kernelSize: number, convFilters: number): KerasConvSpec => ({
    layer: weighted[index].name,
    kernelSize,
    filters: convFilters,
    useBias: leafSet(weighted[index]).has('bias'),
  });
  const bn = (index: number): KerasBatchNormSpec => ({
    layer: weighted[index].name,
    epsilon: KERAS_DEFAULT_BN_EPSILON,
    center: leafSet(weighted[index]).has('beta'),
    scale: leafSet(weighted[index]).has('gamma'),
  });
  const blocks: EnhanceKerasBlock[] = [];
  for (let b = 0; b < depth; b++) {
    const base = 1 + 4 * b;
    blocks.push({ conv1: conv(base, 3, filters), bn1: bn(base + 1), conv2: conv(base + 2, 3, filters), bn2: bn(base + 3) });
  }
  const tail = 1 + 4 * depth;
  return {
    source: 'inferred',
    architecture: { depth, filters },
    firstConv: conv(0, 3, filters),
    blocks,
    postConv: conv(tail, 3, filters),
    postBn: bn(tail + 1),
    upConv: conv(tail + 2, 3, filters),
    outputConv: conv(tail + 3, 1, 1),
    noiseStddev: undefined,
  };
}
