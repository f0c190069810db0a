import { attribute, type Attribute, type GraphNode, type OutputDescriptor, type TensorValue } from './graph-node.js';
import { GraphBuilderError, type GraphBuilderErrorCode } from './graph-builder-error.js';
import {
  DATA_TYPES,
  dataTypeOfArray,
  formatShape,
  isFloatType,
  staticSize,
  type DataType,
  type Dim,
  type Operand,
  type OperandDescriptor,
  type TensorData,
} from './operand.js';
import { broadcastShapes } from './broadcast.js';
import { addDims, floorDivideDim, normaliseDim, sameDim, scaleDim, subtractDims } from './symbolic-dim.js';
import { encodeModel, type ModelOptions } from '../onnx/encode-model.js';
import { onnxTypeCode } from '../onnx/onnx-data-types.js';

export interface OpOptions {
  /** Shown in error messages and used to name the node and its outputs. */
  label?: string;
}

export type PadMode = 'constant' | 'reflect' | 'edge';
export type ResizeMode = 'nearest' | 'linear' | 'cubic';
export type CoordinateTransformationMode = 'half_pixel' | 'pytorch_half_pixel' | 'align_corners' | 'asymmetric' | 'tf_crop_and_resize';
export type NearestMode = 'round_prefer_floor' | 'round_prefer_ceil' | 'floor' | 'ceil';

export interface ConvOptions extends OpOptions {
  bias?: Operand;
  /** Begins then ends, one per spatial axis: [top, left, bottom, right] for images. */
  pads?: readonly number[];
  strides?: readonly number[];
  dilations?: readonly number[];
  group?: number;
}

export interface ConvTransposeOptions extends ConvOptions {
  outputPadding?: readonly number[];
}

export interface PoolOptions extends OpOptions {
  kernelShape: readonly number[];
  pads?: readonly number[];
  strides?: readonly number[];
  ceilMode?: boolean;
}

export interface PadOptions extends OpOptions {
  /** Begins for every axis, then ends for every axis (ONNX order). */
  pads: readonly number[];
  mode?: PadMode;
  /** Fill value for mode 'constant' (default 0). */
  value?: number;
}

export interface ResizeOptions extends OpOptions {
  /** One scale per axis (1 for batch and channels). */
  scales: readonly number[];
  mode?: ResizeMode;
  coordinateTransformationMode?: CoordinateTransformationMode;
  nearestMode?: NearestMode;
  cubicCoeffA?: number;
}

export interface BatchNormalizationOptions extends OpOptions {
  /** Default 1e-5 (ONNX); Keras models use 1e-3. */
  epsilon?: number;
  /** Only used in training mode: running = momentum·running + (1 − momentum)·batch. */
  momentum?: number;
}

export interface SliceOptions extends OpOptions {
  starts: readonly number[];
  ends: readonly number[];
  axes?: readonly number[];
  steps?: readonly number[];
}

export interface ReduceOptions extends OpOptions {
  /** Omitted: reduce over every axis. */
  axes?: readonly number[];
  keepDims?: boolean;
}

export interface GemmOptions extends OpOptions {
  c?: Operand;
  alpha?: number;
  beta?: number;
  transA?: boolean;
  transB?: boolean;
}

export interface SplitOptions extends OpOptions {
  axis?: number;
  /** Sizes of the pieces; omitted: `outputCount` equal pieces. */
  splits?: readonly number[];
  outputCount?: number;
}

export interface AddNodeOptions extends OpOptions {
  domain?: string;
  /** Exact names for the outputs (they must be unused); by default they are derived from the label. */
  outputNames?: readonly string[];
}

/** The parts of a graph `build` serialises; also what `GraphBuilder` exposes for graph transformations. */
export interface GraphIR {
  readonly inputs: readonly Operand[];
  readonly outputs: readonly Operand[];
  readonly nodes: readonly GraphNode[];
  readonly initializers: ReadonlyMap<string, TensorValue>;
}

export interface BuildOptions extends ModelOptions {
  /** Graph output name → operand. An operand not already named so gets an Identity node. */
  outputs: Record<string, Operand>;
}

/** Slice ends at or past this mean 'to the end' (callers pass INT32_MAX, INT64_MAX or 2^62). */
const SLICE_TO_END = 2 ** 31 - 1;

/**
 * Builds one ONNX graph, op by op, in the style of WebNN's MLGraphBuilder: every method validates its
 * operands and options at once, infers the output shape (symbolic dims included, see `Dim`) and returns
 * an immutable `Operand`. Nodes are kept in the order added, so the node list is topologically sorted
 * and can be walked backwards for reverse-mode differentiation; `addNode` adds any op the typed methods
 * do not cover. `build` serialises the graph once; the builder is frozen afterwards.
 */
export class GraphBuilder {
  private readonly operandsByName = new Map<string, Operand>();
  private readonly ownOperands = new WeakSet<Operand>();
  private readonly nodeList: GraphNode[] = [];
  private readonly graphInputs: Operand[] = [];
  private readonly initializerMap = new Map<string, TensorValue>();
  /** Values of small integer tensors known while building (constants, Shape outputs). */
  private readonly knownValues = new Map<string, readonly Dim[]>();
  private readonly producers = new Map<string, GraphNode>();
  /** Value names (inputs, initializers, node outputs); node names live in their own namespace. */
  private readonly usedNames = new Set<string>();
  private readonly usedNodeNames = new Set<string>();
  private built = false;

  // ----- graph IR -----

  get nodes(): readonly GraphNode[] {
    return this.nodeList;
  }

  get inputs(): readonly Operand[] {
    return this.graphInputs;
  }

  get initializers(): ReadonlyMap<string, TensorValue> {
    return this.initializerMap;
  }

  operand(name: string): Operand | undefined {
    return this.operandsByName.get(name);
  }

  /** The node that computes an operand; undefined for graph inputs and initializers. */
  producer(operand: Operand): GraphNode | undefined {
    return this.producers.get(operand.name);
  }

  /** The values of a 1-D integer operand when known at build time (a constant, or the output of `shape`). */
  knownValue(operand: Operand): readonly Dim[] | undefined {
    return this.knownValues.get(operand.name);
  }

  /** A name not yet used in this graph, derived from `base`. */
  uniqueName(base: string): string {
    let name = base;
    for (let n = 1; this.usedNames.has(name); n++) name = `${base}_${n}`;
    this.usedNames.add(name);
    return name;
  }

  // ----- sources -----

  input(name: string, { dataType, shape }: OperandDescriptor): Operand {
    this.assertOpen('input', name);
    this.claimName('input', name);
    if (!DATA_TYPES.includes(dataType)) this.fail('GRAPH_DTYPE', 'input', name, `unknown data type '${dataType}'`);
    for (const dim of shape) {
      const valid = typeof dim === 'number' ? Number.isInteger(dim) && dim >= 0 : dim.length > 0;
      if (!valid) this.fail('GRAPH_SHAPE', 'input', name, `invalid dim '${dim}'`, [shape]);
    }
    const operand = this.register(name, dataType, shape);
    this.graphInputs.push(operand);
    return operand;
  }

  /** A named tensor stored as an initializer (weights). `dataType` is needed only for float16. */
  initializer(name: string, data: TensorData, shape: readonly number[], dataType?: DataType): Operand {
    this.assertOpen('initializer', name);
    this.claimName('initializer', name);
    const value = this.tensorValue('initializer', name, data, shape, dataType);
    this.initializerMap.set(name, value);
    this.rememberIntegers(name, value);
    return this.register(name, value.dataType, shape);
  }

  /**
   * A small anonymous constant, emitted as a Constant node. `data` may be plain numbers, converted to
   * `desc.dataType`.
   */
  constant(desc: { dataType: DataType; shape: readonly number[] }, data: TensorData | readonly number[], options: OpOptions = {}): Operand {
    const value = this.tensorValue('Constant', options.label, toTypedArray(desc.dataType, data), desc.shape, desc.dataType);
    const [output] = this.addNode(
      'Constant',
      [],
      { value: attribute.tensor(value) },
      1,
      () => [{ dataType: value.dataType, shape: value.dims }],
      options,
    );
    this.rememberIntegers(output.name, value);
    return output;
  }

  /** A rank-0 constant. */
  scalar(value: number, dataType: DataType = 'float32', options: OpOptions = {}): Operand {
    return this.constant({ dataType, shape: [] }, [value], options);
  }

  // ----- the escape hatch -----

  /**
   * Adds a node of any op type. `inputs` may contain undefined for omitted optional inputs.
   * `inferShapes` receives the inputs and returns one descriptor per output; it should throw a
   * GraphBuilderError (see `fail`) when the inputs are invalid. Returns the outputs in order.
   */
  addNode(
    opType: string,
    inputs: readonly (Operand | undefined)[],
    attributes: Readonly<Record<string, Attribute>>,
    outputCount: number,
    inferShapes: (inputs: readonly (Operand | undefined)[]) => readonly OutputDescriptor[],
    options: AddNodeOptions = {},
  ): Operand[] {
    const { label, domain = '', outputNames } = options;
    this.assertOpen(opType, label);
    if (outputNames && outputNames.length !== outputCount) {
      this.fail('GRAPH_OPTION', opType, label, `${outputNames.length} output names given for ${outputCount} outputs`);
    }
    for (const name of outputNames ?? []) {
      if (this.usedNames.has(name)) this.fail('GRAPH_NAME', opType, label, `output name '${name}' is already used in this graph`);
    }
    for (const operand of inputs) if (operand !== undefined) this.assertOwn(opType, label, operand);
    const descriptors = inferShapes(inputs);
    if (descriptors.length !== outputCount) {
      this.fail('GRAPH_STATE', opType, label, `shape inference gave ${descriptors.length} outputs, expected ${outputCount}`);
    }
    let nodeName = label ?? opType;
    for (let n = 1; this.usedNodeNames.has(nodeName); n++) nodeName = `${label ?? opType}_${n}`;
    this.usedNodeNames.add(nodeName);
    const outputs = descriptors.map(({ dataType, shape }, i) => {
      const base = label ?? opType.toLowerCase();
      const name = outputNames ? this.uniqueName(outputNames[i]) : this.uniqueName(outputCount === 1 ? base : `${base}.${i}`);
      return this.register(name, dataType, shape.map(normaliseDim));
    });
    const node: GraphNode = Object.freeze({
      name: nodeName,
      opType,
      domain,
      inputs: Object.freeze(inputs.map((o) => o?.name ?? '')),
      outputs: Object.freeze(outputs.map((o) => o.name)),
      attributes: Object.freeze({ ...attributes }),
      label,
    });
    this.nodeList.push(node);
    for (const output of outputs) this.producers.set(output.name, node);
    return outputs;
  }

  /** Throws the builder's error for `op`; for use in `addNode` shape-inference callbacks. */
  fail(
    code: GraphBuilderErrorCode,
    op: string,
    label: string | undefined,
    message: string,
    shapes: readonly (readonly Dim[])[] = [],
  ): never {
    throw new GraphBuilderError({ code, op, label, message, shapes });
  }

  /** A fresh symbolic dim, for outputs whose size is not affine in the inputs' dims. */
  freshDim(base: string): string {
    return this.uniqueName(base.replace(/[^A-Za-z0-9_.]/g, '_'));
  }

  // ----- elementwise -----

  relu(x: Operand, options: OpOptions = {}): Operand {
    return this.unary('Relu', x, options, true);
  }
  neg(x: Operand, options: OpOptions = {}): Operand {
    return this.unary('Neg', x, options, false);
  }
  abs(x: Operand, options: OpOptions = {}): Operand {
    return this.unary('Abs', x, options, false);
  }
  sign(x: Operand, options: OpOptions = {}): Operand {
    return this.unary('Sign', x, options, false);
  }
  sqrt(x: Operand, options: OpOptions = {}): Operand {
    return this.unary('Sqrt', x, options, true);
  }
  exp(x: Operand, options: OpOptions = {}): Operand {
    return this.unary('Exp', x, options, true);
  }
  log(x: Operand, options: OpOptions = {}): Operand {
    return this.unary('Log', x, options, true);
  }
  reciprocal(x: Operand, options: OpOptions = {}): Operand {
    return this.unary('Reciprocal', x, options, true);
  }
  sigmoid(x: Operand, options: OpOptions = {}): Operand {
    return this.unary('Sigmoid', x, options, true);
  }
  tanh(x: Operand, options: OpOptions = {}): Operand {
    return this.unary('Tanh', x, options, true);
  }
  identity(x: Operand, options: OpOptions = {}): Operand {
    return this.unary('Identity', x, options, false);
  }

  add(a: Operand, b: Operand, options: OpOptions = {}): Operand {
    return this.binary('Add', a, b, options);
  }
  sub(a: Operand, b: Operand, options: OpOptions = {}): Operand {
    return this.binary('Sub', a, b, options);
  }
  mul(a: Operand, b: Operand, options: OpOptions = {}): Operand {
    return this.binary('Mul', a, b, options);
  }
  div(a: Operand, b: Operand, options: OpOptions = {}): Operand {
    return this.binary('Div', a, b, options);
  }
  max(a: Operand, b: Operand, options: OpOptions = {}): Operand {
    return this.binary('Max', a, b, options);
  }
  min(a: Operand, b: Operand, options: OpOptions = {}): Operand {
    return this.binary('Min', a, b, options);
  }
  greater(a: Operand, b: Operand, options: OpOptions = {}): Operand {
    return this.binary('Greater', a, b, options, 'bool');
  }
  less(a: Operand, b: Operand, options: OpOptions = {}): Operand {
    return this.binary('Less', a, b, options, 'bool');
  }
  equal(a: Operand, b: Operand, options: OpOptions = {}): Operand {
    return this.binary('Equal', a, b, options, 'bool');
  }

  /** base^exponent; the exponent may have another numeric type (ONNX Pow). */
  pow(base: Operand, exponent: Operand, options: OpOptions = {}): Operand {
    const { label } = options;
    this.requireNumeric('Pow', label, base);
    this.requireNumeric('Pow', label, exponent);
    return this.single('Pow', [base, exponent], {}, options, () => ({
      dataType: base.dataType,
      shape: this.broadcast('Pow', label, [base, exponent]),
    }));
  }

  where(condition: Operand, x: Operand, y: Operand, options: OpOptions = {}): Operand {
    const { label } = options;
    if (condition.dataType !== 'bool') {
      this.fail('GRAPH_DTYPE', 'Where', label, `condition must be bool, got ${condition.dataType}`, [condition.shape]);
    }
    this.requireSameType('Where', label, x, y);
    return this.single('Where', [condition, x, y], {}, options, () => ({
      dataType: x.dataType,
      shape: this.broadcast('Where', label, [condition, x, y]),
    }));
  }

  cast(x: Operand, to: DataType, options: OpOptions = {}): Operand {
    if (!DATA_TYPES.includes(to)) this.fail('GRAPH_DTYPE', 'Cast', options.label, `unknown target type '${to}'`);
    return this.single('Cast', [x], { to: attribute.int(onnxTypeCode(to)) }, options, () => ({ dataType: to, shape: x.shape }));
  }

  // ----- quantisation -----

  /**
   * ONNX QuantizeLinear: q = saturate(round_half_even(x / scale) + zeroPoint), in the zero point's type
   * (uint8 or int8). A scalar scale quantises per tensor; a 1-D one per slice along `axis`.
   */
  quantizeLinear(x: Operand, scale: Operand, zeroPoint: Operand, options: OpOptions & { axis?: number } = {}): Operand {
    const op = 'QuantizeLinear';
    this.requireFloat(op, options.label, x);
    this.checkQuantizationParameters(op, options.label, x, scale, zeroPoint, options.axis);
    return this.single(op, [x, scale, zeroPoint], this.axisAttribute(options.axis), options, () => ({
      dataType: zeroPoint.dataType,
      shape: x.shape,
    }));
  }

  /** ONNX DequantizeLinear: (q − zeroPoint) · scale, in the scale's float type. */
  dequantizeLinear(q: Operand, scale: Operand, zeroPoint: Operand, options: OpOptions & { axis?: number } = {}): Operand {
    const op = 'DequantizeLinear';
    this.requireSameType(op, options.label, q, zeroPoint);
    this.checkQuantizationParameters(op, options.label, q, scale, zeroPoint, options.axis);
    return this.single(op, [q, scale, zeroPoint], this.axisAttribute(options.axis), options, () => ({
      dataType: scale.dataType,
      shape: q.shape,
    }));
  }

  private axisAttribute(axis: number | undefined): Record<string, Attribute> {
    return axis === undefined ? {} : { axis: attribute.int(axis) };
  }

  private checkQuantizationParameters(
    op: string,
    label: string | undefined,
    x: Operand,
    scale: Operand,
    zeroPoint: Operand,
    axis: number | undefined,
  ): void {
    this.requireFloat(op, label, scale);
    if (zeroPoint.dataType !== 'uint8' && zeroPoint.dataType !== 'int8') {
      this.fail('GRAPH_DTYPE', op, label, `the zero point must be uint8 or int8, got ${zeroPoint.dataType}`, [zeroPoint.shape]);
    }
    if (scale.shape.length !== zeroPoint.shape.length || scale.shape.some((d, i) => !sameDim(d, zeroPoint.shape[i]))) {
      this.fail('GRAPH_SHAPE', op, label, 'scale and zero point must have the same shape', [scale.shape, zeroPoint.shape]);
    }
    if (scale.shape.length === 0) return;
    const rank = x.shape.length;
    const resolved = axis === undefined ? 1 : axis < 0 ? axis + rank : axis;
    if (scale.shape.length !== 1 || resolved < 0 || resolved >= rank || !sameDim(scale.shape[0], x.shape[resolved])) {
      this.fail('GRAPH_SHAPE', op, label, `a per-axis scale must be 1-D with the size of axis ${resolved} of the input`, [
        x.shape,
        scale.shape,
      ]);
    }
  }

  // ----- convolution and pooling -----

  /** ONNX Conv: input [N, C, ...spatial], weight [M, C/group, ...kernel], optional bias [M]. */
  conv(input: Operand, weight: Operand, options: ConvOptions = {}): Operand {
    const { label, bias, group = 1 } = options;
    const op = 'Conv';
    const shapes = [input.shape, weight.shape, ...(bias ? [bias.shape] : [])];
    this.requireFloat(op, label, input);
    this.requireSameType(op, label, input, weight);
    if (input.shape.length < 3) this.fail('GRAPH_SHAPE', op, label, `input must have rank >= 3, got ${input.shape.length}`, shapes);
    if (weight.shape.length !== input.shape.length) {
      this.fail('GRAPH_SHAPE', op, label, `weight rank ${weight.shape.length} differs from input rank ${input.shape.length}`, shapes);
    }
    const spatial = input.shape.length - 2;
    const { pads, strides, dilations } = this.windowOptions(op, label, spatial, options, shapes);
    if (!Number.isInteger(group) || group < 1)
      this.fail('GRAPH_OPTION', op, label, `group must be a positive integer, got ${group}`, shapes);
    const [outChannels, inPerGroup] = weight.shape;
    const inChannels = input.shape[1];
    if (typeof inPerGroup === 'number' && typeof inChannels === 'number' && inPerGroup * group !== inChannels) {
      this.fail(
        'GRAPH_SHAPE',
        op,
        label,
        `input has ${inChannels} channels but weight expects ${inPerGroup} × group ${group} = ${inPerGroup * group}`,
        shapes,
      );
    }
    if (typeof outChannels === 'number' && outChannels % group !== 0) {
      this.fail('GRAPH_SHAPE', op, label, `${outChannels} output channels are not divisible by group ${group}`, shapes);
    }
    if (bias) {
      this.requireSameType(op, label, input, bias);
      if (bias.shape.length !== 1 || !sameDim(bias.shape[0], outChannels)) {
        this.fail('GRAPH_SHAPE', op, label, `bias must be [${outChannels}], got ${formatShape(bias.shape)}`, shapes);
      }
    }
    const kernel = weight.shape.slice(2);
    const attributes: Record<string, Attribute> = {
      pads: attribute.ints(pads),
      strides: attribute.ints(strides),
      dilations: attribute.ints(dilations),
      group: attribute.int(group),
    };
    if (kernel.every((k) => typeof k === 'number')) attributes.kernel_shape = attribute.ints(kernel as number[]);
    return this.single(op, bias ? [input, weight, bias] : [input, weight], attributes, options, (nodeName) => {
      const out: Dim[] = [input.shape[0], outChannels];
      for (let i = 0; i < spatial; i++) {
        const k = kernel[i];
        if (typeof k !== 'number') {
          out.push(this.freshDim(`${nodeName}_d${i + 2}`));
          continue;
        }
        out.push(
          this.windowOutputDim(
            op,
            label,
            input.shape[i + 2],
            k,
            pads[i],
            pads[i + spatial],
            strides[i],
            dilations[i],
            false,
            `${nodeName}_d${i + 2}`,
            shapes,
          ),
        );
      }
      return { dataType: input.dataType, shape: out };
    });
  }

  /** ONNX ConvTranspose: input [N, C, ...], weight [C, M/group, ...kernel], optional bias [M]. */
  convTranspose(input: Operand, weight: Operand, options: ConvTransposeOptions = {}): Operand {
    const { label, bias, group = 1 } = options;
    const op = 'ConvTranspose';
    const shapes = [input.shape, weight.shape, ...(bias ? [bias.shape] : [])];
    this.requireFloat(op, label, input);
    this.requireSameType(op, label, input, weight);
    if (input.shape.length < 3 || weight.shape.length !== input.shape.length) {
      this.fail('GRAPH_SHAPE', op, label, `input and weight must share a rank >= 3`, shapes);
    }
    const spatial = input.shape.length - 2;
    const { pads, strides, dilations } = this.windowOptions(op, label, spatial, options, shapes);
    const outputPadding = options.outputPadding ?? new Array<number>(spatial).fill(0);
    if (outputPadding.length !== spatial) {
      this.fail('GRAPH_OPTION', op, label, `outputPadding needs ${spatial} values, got ${outputPadding.length}`, shapes);
    }
    const [inChannels, outPerGroup] = weight.shape;
    if (!sameDim(inChannels, input.shape[1]) && typeof inChannels === 'number' && typeof input.shape[1] === 'number') {
      this.fail('GRAPH_SHAPE', op, label, `input has ${input.shape[1]} channels but weight expects ${inChannels}`, shapes);
    }
    const outChannels = scaleDim(outPerGroup, group) ?? this.freshDim(`${label ?? op}_channels`);
    if (bias && (bias.shape.length !== 1 || !sameDim(bias.shape[0], outChannels))) {
      this.fail('GRAPH_SHAPE', op, label, `bias must be [${outChannels}], got ${formatShape(bias.shape)}`, shapes);
    }
    const kernel = weight.shape.slice(2);
    const attributes: Record<string, Attribute> = {
      pads: attribute.ints(pads),
      strides: attribute.ints(strides),
      dilations: attribute.ints(dilations),
      group: attribute.int(group),
      output_padding: attribute.ints(outputPadding),
    };
    if (kernel.every((k) => typeof k === 'number')) attributes.kernel_shape = attribute.ints(kernel as number[]);
    return this.single(op, bias ? [input, weight, bias] : [input, weight], attributes, options, (nodeName) => {
      const out: Dim[] = [input.shape[0], outChannels];
      for (let i = 0; i < spatial; i++) {
        const k = kernel[i];
        const extent =
          typeof k === 'number' ? outputPadding[i] + (k - 1) * dilations[i] + 1 - pads[i] - pads[i + spatial] - strides[i] : undefined;
        const scaled = scaleDim(input.shape[i + 2], strides[i]);
        const dim = extent === undefined || scaled === undefined ? undefined : addDims(scaled, extent);
        out.push(dim ?? this.freshDim(`${nodeName}_d${i + 2}`));
      }
      return { dataType: input.dataType, shape: out };
    });
  }

  averagePool(input: Operand, options: PoolOptions & { countIncludePad?: boolean }): Operand {
    const extra = { count_include_pad: attribute.int(options.countIncludePad ? 1 : 0) };
    return this.pool('AveragePool', input, options, extra, undefined);
  }

  maxPool(input: Operand, options: PoolOptions & { dilations?: readonly number[] }): Operand {
    return this.pool('MaxPool', input, options, {}, options.dilations);
  }

  // ----- shape and layout -----

  pad(input: Operand, options: PadOptions): Operand {
    const { label, pads, mode = 'constant', value } = options;
    const op = 'Pad';
    const rank = input.shape.length;
    const shapes = [input.shape];
    if (!['constant', 'reflect', 'edge'].includes(mode)) {
      this.fail('GRAPH_OPTION', op, label, `mode must be 'constant', 'reflect' or 'edge', got '${mode}'`, shapes);
    }
    if (pads.length !== 2 * rank || !pads.every(Number.isInteger)) {
      this.fail('GRAPH_OPTION', op, label, `pads needs ${2 * rank} integers (begins then ends), got [${pads.join(',')}]`, shapes);
    }
    if (value !== undefined && mode !== 'constant') {
      this.fail('GRAPH_OPTION', op, label, `value is only used with mode 'constant', not '${mode}'`, shapes);
    }
    for (let axis = 0; axis < rank; axis++) {
      const dim = input.shape[axis];
      const widest = Math.max(pads[axis], pads[axis + rank]);
      // Reflection excludes the edge pixel, so it needs more than `pad` pixels along the axis.
      if (mode === 'reflect' && typeof dim === 'number' && widest >= dim) {
        this.fail('GRAPH_SHAPE', op, label, `reflect pad ${widest} needs more than ${widest} pixels on axis ${axis}, got ${dim}`, shapes);
      }
    }
    const padsOperand = this.int64Constant(pads, label, 'pads');
    const inputs: Operand[] = [input, padsOperand];
    if (value !== undefined)
      inputs.push(this.constant({ dataType: input.dataType, shape: [] }, [value], { label: label && `${label}.value` }));
    return this.single(op, inputs, { mode: attribute.string(mode) }, options, (nodeName) => ({
      dataType: input.dataType,
      shape: input.shape.map((dim, axis) => addDims(dim, pads[axis] + pads[axis + rank]) ?? this.freshDim(`${nodeName}_d${axis}`)),
    }));
  }

  resize(input: Operand, options: ResizeOptions): Operand {
    const { label, scales, mode = 'nearest' } = options;
    const op = 'Resize';
    const shapes = [input.shape];
    this.requireFloat(op, label, input);
    if (scales.length !== input.shape.length || !scales.every((s) => s > 0)) {
      this.fail('GRAPH_OPTION', op, label, `scales needs ${input.shape.length} positive values, got [${scales.join(',')}]`, shapes);
    }
    if (!['nearest', 'linear', 'cubic'].includes(mode)) {
      this.fail('GRAPH_OPTION', op, label, `mode must be 'nearest', 'linear' or 'cubic', got '${mode}'`, shapes);
    }
    const attributes: Record<string, Attribute> = { mode: attribute.string(mode) };
    if (options.coordinateTransformationMode) {
      attributes.coordinate_transformation_mode = attribute.string(options.coordinateTransformationMode);
    }
    if (options.nearestMode) attributes.nearest_mode = attribute.string(options.nearestMode);
    if (options.cubicCoeffA !== undefined) attributes.cubic_coeff_a = attribute.float(options.cubicCoeffA);
    const scalesOperand = this.constant({ dataType: 'float32', shape: [scales.length] }, scales, { label: label && `${label}.scales` });
    return this.single(op, [input, undefined, scalesOperand], attributes, options, (nodeName) => ({
      dataType: input.dataType,
      shape: input.shape.map((dim, axis) => {
        const scale = scales[axis];
        if (typeof dim === 'number') return Math.floor(dim * scale);
        return (Number.isInteger(scale) ? scaleDim(dim, scale) : undefined) ?? this.freshDim(`${nodeName}_d${axis}`);
      }),
    }));
  }

  reshape(input: Operand, newShape: readonly number[] | Operand, options: OpOptions = {}): Operand {
    const { label } = options;
    const op = 'Reshape';
    const target = this.shapeArgument(op, label, newShape);
    return this.single(op, [input, target.operand], {}, options, (nodeName) => ({
      dataType: input.dataType,
      shape: target.known ? this.inferReshape(op, label, input.shape, target.known, nodeName) : target.dims(nodeName),
    }));
  }

  transpose(input: Operand, options: OpOptions & { perm?: readonly number[] } = {}): Operand {
    const { label } = options;
    const rank = input.shape.length;
    const perm = options.perm ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
    const sorted = [...perm].sort((a, b) => a - b);
    if (perm.length !== rank || sorted.some((p, i) => p !== i)) {
      this.fail('GRAPH_OPTION', 'Transpose', label, `perm [${perm.join(',')}] is not a permutation of ${rank} axes`, [input.shape]);
    }
    return this.single('Transpose', [input], { perm: attribute.ints(perm) }, options, () => ({
      dataType: input.dataType,
      shape: perm.map((p) => input.shape[p]),
    }));
  }

  /**
   * ONNX DepthToSpace on [N, C·b², H, W] → [N, C, H·b, W·b]. 'DCR' (the default) reads channel
   * (i·b + j)·C + c into output pixel (y·b + i, x·b + j) of channel c; 'CRD' reads c·b² + i·b + j.
   */
  depthToSpace(input: Operand, options: OpOptions & { blockSize: number; mode?: 'DCR' | 'CRD' }): Operand {
    const { label, blockSize, mode = 'DCR' } = options;
    const op = 'DepthToSpace';
    const shapes = [input.shape];
    if (input.shape.length !== 4) this.fail('GRAPH_SHAPE', op, label, `input must be [N, C, H, W], got rank ${input.shape.length}`, shapes);
    if (!Number.isInteger(blockSize) || blockSize < 1) {
      this.fail('GRAPH_OPTION', op, label, `blockSize must be a positive integer, got ${blockSize}`, shapes);
    }
    if (mode !== 'DCR' && mode !== 'CRD')
      this.fail('GRAPH_OPTION', op, label, `mode must be 'DCR' or 'CRD', got '${String(mode)}'`, shapes);
    const channels = input.shape[1];
    const square = blockSize * blockSize;
    if (typeof channels === 'number' && channels % square !== 0) {
      this.fail('GRAPH_SHAPE', op, label, `${channels} channels are not divisible by blockSize² = ${square}`, shapes);
    }
    const attributes = { blocksize: attribute.int(blockSize), mode: attribute.string(mode) };
    return this.single(op, [input], attributes, options, (nodeName) => ({
      dataType: input.dataType,
      shape: [
        input.shape[0],
        floorDivideDim(channels, square) ?? this.freshDim(`${nodeName}_d1`),
        scaleDim(input.shape[2], blockSize) ?? this.freshDim(`${nodeName}_d2`),
        scaleDim(input.shape[3], blockSize) ?? this.freshDim(`${nodeName}_d3`),
      ],
    }));
  }

  slice(input: Operand, options: SliceOptions): Operand {
    const { label, starts, ends } = options;
    const op = 'Slice';
    const rank = input.shape.length;
    const shapes = [input.shape];
    const axes = (options.axes ?? starts.map((_, i) => i)).map((a) => this.normaliseAxis(op, label, a, rank, shapes));
    const steps = options.steps ?? starts.map(() => 1);
    if (ends.length !== starts.length || axes.length !== starts.length || steps.length !== starts.length) {
      this.fail(
        'GRAPH_OPTION',
        op,
        label,
        `starts, ends, axes and steps need equal lengths, got ${starts.length}, ${ends.length}, ${axes.length}, ${steps.length}`,
        shapes,
      );
    }
    if (steps.some((s) => s === 0 || !Number.isInteger(s)))
      this.fail('GRAPH_OPTION', op, label, `steps must be non-zero integers, got [${steps.join(',')}]`, shapes);
    if (new Set(axes).size !== axes.length) this.fail('GRAPH_OPTION', op, label, `axes repeat: [${axes.join(',')}]`, shapes);
    const inputs = [
      input,
      this.int64Constant(starts, label, 'starts'),
      this.int64Constant(ends, label, 'ends'),
      this.int64Constant(axes, label, 'axes'),
      this.int64Constant(steps, label, 'steps'),
    ];
    return this.single(op, inputs, {}, options, (nodeName) => {
      const shape = [...input.shape];
      axes.forEach((axis, i) => {
        shape[axis] = sliceLength(input.shape[axis], starts[i], ends[i], steps[i]) ?? this.freshDim(`${nodeName}_d${axis}`);
      });
      return { dataType: input.dataType, shape };
    });
  }

  concat(inputs: readonly Operand[], axis: number, options: OpOptions = {}): Operand {
    const { label } = options;
    const op = 'Concat';
    const shapes = inputs.map((o) => o.shape);
    if (inputs.length === 0) this.fail('GRAPH_OPERAND', op, label, 'needs at least one input');
    const rank = inputs[0].shape.length;
    const normalised = this.normaliseAxis(op, label, axis, rank, shapes);
    for (const operand of inputs) {
      this.requireSameType(op, label, inputs[0], operand);
      if (operand.shape.length !== rank) this.fail('GRAPH_SHAPE', op, label, `all inputs need rank ${rank}`, shapes);
      operand.shape.forEach((dim, i) => {
        const first = inputs[0].shape[i];
        if (i !== normalised && typeof dim === 'number' && typeof first === 'number' && dim !== first) {
          this.fail('GRAPH_SHAPE', op, label, `inputs differ on axis ${i} (${first} vs ${dim})`, shapes);
        }
      });
    }
    return this.single(op, inputs, { axis: attribute.int(normalised) }, options, (nodeName) => {
      let total: Dim | undefined = 0;
      for (const operand of inputs) total = total === undefined ? undefined : addDims(total, operand.shape[normalised]);
      const shape = [...inputs[0].shape];
      shape[normalised] = total ?? this.freshDim(`${nodeName}_d${normalised}`);
      return { dataType: inputs[0].dataType, shape };
    });
  }

  split(input: Operand, options: SplitOptions): Operand[] {
    const { label, splits } = options;
    const op = 'Split';
    const shapes = [input.shape];
    const axis = this.normaliseAxis(op, label, options.axis ?? 0, input.shape.length, shapes);
    const count = splits?.length ?? options.outputCount;
    if (count === undefined || !Number.isInteger(count) || count < 1) {
      this.fail('GRAPH_OPTION', op, label, 'needs splits or a positive outputCount', shapes);
    }
    if (splits && options.outputCount !== undefined && options.outputCount !== splits.length) {
      this.fail('GRAPH_OPTION', op, label, `outputCount ${options.outputCount} differs from ${splits.length} splits`, shapes);
    }
    const dim = input.shape[axis];
    if (splits && typeof dim === 'number' && splits.reduce((a, b) => a + b, 0) !== dim) {
      this.fail('GRAPH_SHAPE', op, label, `splits [${splits.join(',')}] do not add up to ${dim} on axis ${axis}`, shapes);
    }
    if (!splits && typeof dim === 'number' && dim % count !== 0) {
      this.fail('GRAPH_SHAPE', op, label, `${dim} on axis ${axis} does not split into ${count} equal parts`, shapes);
    }
    const inputs = splits ? [input, this.int64Constant(splits, label, 'split')] : [input];
    return this.addNode(
      op,
      inputs,
      { axis: attribute.int(axis) },
      count,
      () =>
        Array.from({ length: count }, (_, i) => {
          const shape = [...input.shape];
          shape[axis] = splits ? splits[i] : (floorDivideDim(dim, count) ?? this.freshDim(`${label ?? op}_part`));
          return { dataType: input.dataType, shape };
        }),
      options,
    );
  }

  squeeze(input: Operand, options: OpOptions & { axes?: readonly number[] } = {}): Operand {
    const { label } = options;
    const op = 'Squeeze';
    const shapes = [input.shape];
    const rank = input.shape.length;
    let axes: number[];
    if (options.axes) {
      axes = options.axes.map((a) => this.normaliseAxis(op, label, a, rank, shapes));
      for (const axis of axes) {
        const dim = input.shape[axis];
        if (typeof dim === 'number' && dim !== 1) this.fail('GRAPH_SHAPE', op, label, `axis ${axis} has size ${dim}, not 1`, shapes);
      }
    } else {
      if (input.shape.some((d) => typeof d !== 'number')) {
        this.fail('GRAPH_OPTION', op, label, 'axes are needed when the shape has symbolic dims', shapes);
      }
      axes = input.shape.flatMap((d, i) => (d === 1 ? [i] : []));
    }
    const inputs = options.axes ? [input, this.int64Constant(axes, label, 'axes')] : [input];
    return this.single(op, inputs, {}, options, () => ({
      dataType: input.dataType,
      shape: input.shape.filter((_, i) => !axes.includes(i)),
    }));
  }

  unsqueeze(input: Operand, axes: readonly number[], options: OpOptions = {}): Operand {
    const { label } = options;
    const op = 'Unsqueeze';
    const outRank = input.shape.length + axes.length;
    const normalised = axes.map((a) => this.normaliseAxis(op, label, a, outRank, [input.shape]));
    if (new Set(normalised).size !== normalised.length)
      this.fail('GRAPH_OPTION', op, label, `axes repeat: [${axes.join(',')}]`, [input.shape]);
    return this.single(op, [input, this.int64Constant(normalised, label, 'axes')], {}, options, () => {
      const rest = [...input.shape];
      return { dataType: input.dataType, shape: Array.from({ length: outRank }, (_, i) => (normalised.includes(i) ? 1 : rest.shift()!)) };
    });
  }

  expand(input: Operand, shape: readonly number[] | Operand, options: OpOptions = {}): Operand {
    const { label } = options;
    const op = 'Expand';
    const target = this.shapeArgument(op, label, shape);
    return this.single(op, [input, target.operand], {}, options, (nodeName) => ({
      dataType: input.dataType,
      shape: this.broadcastDims(op, label, [input.shape, target.dims(nodeName)], nodeName),
    }));
  }

  tile(input: Operand, repeats: readonly number[], options: OpOptions = {}): Operand {
    const { label } = options;
    if (repeats.length !== input.shape.length || !repeats.every((r) => Number.isInteger(r) && r >= 0)) {
      this.fail('GRAPH_OPTION', 'Tile', label, `repeats needs ${input.shape.length} non-negative integers, got [${repeats.join(',')}]`, [
        input.shape,
      ]);
    }
    return this.single('Tile', [input, this.int64Constant(repeats, label, 'repeats')], {}, options, (nodeName) => ({
      dataType: input.dataType,
      shape: input.shape.map((dim, i) => scaleDim(dim, repeats[i]) ?? this.freshDim(`${nodeName}_d${i}`)),
    }));
  }

  gather(data: Operand, indices: Operand | number | readonly number[], options: OpOptions & { axis?: number } = {}): Operand {
    const { label } = options;
    const op = 'Gather';
    const axis = this.normaliseAxis(op, label, options.axis ?? 0, data.shape.length, [data.shape]);
    const indexOperand =
      typeof indices === 'number'
        ? this.constant({ dataType: 'int64', shape: [] }, [indices], { label: label && `${label}.indices` })
        : Array.isArray(indices)
          ? this.int64Constant(indices as number[], label, 'indices')
          : (indices as Operand);
    if (indexOperand.dataType !== 'int64' && indexOperand.dataType !== 'int32') {
      this.fail('GRAPH_DTYPE', op, label, `indices must be int32 or int64, got ${indexOperand.dataType}`, [data.shape, indexOperand.shape]);
    }
    const known = this.knownValue(data);
    const knownIndices = this.knownValue(indexOperand);
    const output = this.single(op, [data, indexOperand], { axis: attribute.int(axis) }, options, () => ({
      dataType: data.dataType,
      shape: [...data.shape.slice(0, axis), ...indexOperand.shape, ...data.shape.slice(axis + 1)],
    }));
    // Gathering from a known shape vector (Shape → Gather) keeps the dims known, for Reshape/Expand targets.
    if (known && knownIndices && data.shape.length === 1 && knownIndices.every((i) => typeof i === 'number')) {
      const picked = (knownIndices as number[]).map((i) => known[i < 0 ? i + known.length : i]);
      if (picked.every((v) => v !== undefined)) this.knownValues.set(output.name, picked);
    }
    return output;
  }

  shape(input: Operand, options: OpOptions = {}): Operand {
    const output = this.single('Shape', [input], {}, options, () => ({ dataType: 'int64', shape: [input.shape.length] }));
    this.knownValues.set(output.name, input.shape);
    return output;
  }

  constantOfShape(shape: Operand | readonly number[], options: OpOptions & { value?: number; dataType?: DataType } = {}): Operand {
    const { label, value = 0, dataType = 'float32' } = options;
    const target = this.shapeArgument('ConstantOfShape', label, shape);
    const valueTensor: TensorValue = { dataType, dims: [1], data: toTypedArray(dataType, [value]) };
    return this.single('ConstantOfShape', [target.operand], { value: attribute.tensor(valueTensor) }, options, (nodeName) => ({
      dataType,
      shape: target.dims(nodeName),
    }));
  }

  // ----- normalisation, reductions, matrix products -----

  /** Inference-mode ONNX BatchNormalization: scale, bias, mean and variance are [C]. */
  batchNormalization(
    input: Operand,
    scale: Operand,
    bias: Operand,
    mean: Operand,
    variance: Operand,
    options: BatchNormalizationOptions = {},
  ): Operand {
    const attributes = this.batchNormalizationAttributes(input, [scale, bias, mean, variance], options, false);
    return this.single('BatchNormalization', [input, scale, bias, mean, variance], attributes, options, () => ({
      dataType: input.dataType,
      shape: input.shape,
    }));
  }

  /**
   * Training-mode BatchNormalization (training_mode = 1): normalises with the batch statistics and also
   * returns the updated running mean and variance.
   */
  batchNormalizationTraining(
    input: Operand,
    scale: Operand,
    bias: Operand,
    mean: Operand,
    variance: Operand,
    options: BatchNormalizationOptions = {},
  ): { output: Operand; runningMean: Operand; runningVar: Operand } {
    const attributes = this.batchNormalizationAttributes(input, [scale, bias, mean, variance], options, true);
    const [output, runningMean, runningVar] = this.addNode(
      'BatchNormalization',
      [input, scale, bias, mean, variance],
      attributes,
      3,
      () => [
        { dataType: input.dataType, shape: input.shape },
        { dataType: mean.dataType, shape: mean.shape },
        { dataType: variance.dataType, shape: variance.shape },
      ],
      options,
    );
    return { output, runningMean, runningVar };
  }

  /** ReduceSum (opset 13+: axes given as an input). */
  reduceSum(input: Operand, options: ReduceOptions = {}): Operand {
    return this.reduce('ReduceSum', input, options, true);
  }
  /** ReduceMean (opset 17: axes as an attribute). */
  reduceMean(input: Operand, options: ReduceOptions = {}): Operand {
    return this.reduce('ReduceMean', input, options, false);
  }
  /** ReduceMax (opset 17: axes as an attribute). */
  reduceMax(input: Operand, options: ReduceOptions = {}): Operand {
    return this.reduce('ReduceMax', input, options, false);
  }

  /** numpy matmul semantics, batch dims broadcast. */
  matMul(a: Operand, b: Operand, options: OpOptions = {}): Operand {
    const { label } = options;
    const op = 'MatMul';
    const shapes = [a.shape, b.shape];
    this.requireSameType(op, label, a, b);
    if (a.shape.length === 0 || b.shape.length === 0) this.fail('GRAPH_SHAPE', op, label, 'operands must have rank >= 1', shapes);
    const left = a.shape.length === 1 ? [1, a.shape[0]] : a.shape;
    const right = b.shape.length === 1 ? [b.shape[0], 1] : b.shape;
    const inner = [left[left.length - 1], right[right.length - 2]];
    if (typeof inner[0] === 'number' && typeof inner[1] === 'number' && inner[0] !== inner[1]) {
      this.fail('GRAPH_SHAPE', op, label, `inner dims differ: ${inner[0]} vs ${inner[1]}`, shapes);
    }
    return this.single(op, [a, b], {}, options, (nodeName) => {
      const batch = this.broadcastDims(op, label, [left.slice(0, -2), right.slice(0, -2)], nodeName);
      const shape = [...batch];
      if (a.shape.length > 1) shape.push(left[left.length - 2]);
      if (b.shape.length > 1) shape.push(right[right.length - 1]);
      return { dataType: a.dataType, shape };
    });
  }

  /** alpha·A'·B' + beta·C with 2-D A and B. */
  gemm(a: Operand, b: Operand, options: GemmOptions = {}): Operand {
    const { label, c, alpha = 1, beta = 1, transA = false, transB = false } = options;
    const op = 'Gemm';
    const shapes = [a.shape, b.shape, ...(c ? [c.shape] : [])];
    this.requireFloat(op, label, a);
    this.requireSameType(op, label, a, b);
    if (a.shape.length !== 2 || b.shape.length !== 2) this.fail('GRAPH_SHAPE', op, label, 'A and B must be 2-D', shapes);
    const [m, k] = transA ? [a.shape[1], a.shape[0]] : a.shape;
    const [k2, n] = transB ? [b.shape[1], b.shape[0]] : b.shape;
    if (typeof k === 'number' && typeof k2 === 'number' && k !== k2)
      this.fail('GRAPH_SHAPE', op, label, `inner dims differ: ${k} vs ${k2}`, shapes);
    if (c) {
      this.requireSameType(op, label, a, c);
      const result = broadcastShapes([[m, n], c.shape], () => 'x');
      if ('error' in result || c.shape.length > 2) this.fail('GRAPH_SHAPE', op, label, `C does not broadcast to [${m},${n}]`, shapes);
    }
    const attributes = {
      alpha: attribute.float(alpha),
      beta: attribute.float(beta),
      transA: attribute.int(transA ? 1 : 0),
      transB: attribute.int(transB ? 1 : 0),
    };
    return this.single(op, c ? [a, b, c] : [a, b], attributes, options, () => ({ dataType: a.dataType, shape: [m, n] }));
  }

  // ----- output -----

  /** Serialises the graph as an ONNX ModelProto. Works once; the builder accepts nothing afterwards. */
  build(options: BuildOptions): Uint8Array {
    this.assertOpen('build', undefined);
    const entries = Object.entries(options.outputs);
    if (entries.length === 0) this.fail('GRAPH_OPERAND', 'build', undefined, 'needs at least one output');
    const outputs: Operand[] = [];
    for (const [name, operand] of entries) {
      this.assertOwn('build', name, operand);
      if (operand.name === name) {
        outputs.push(operand);
        continue;
      }
      const [output] = this.addNode('Identity', [operand], {}, 1, () => [{ dataType: operand.dataType, shape: operand.shape }], {
        label: name,
        outputNames: [name],
      });
      outputs.push(output);
    }
    const outputNames = new Set(outputs.map((o) => o.name));
    const values = [...this.producers.keys()].filter((name) => !outputNames.has(name)).map((name) => this.operandsByName.get(name)!);
    const model = encodeModel(
      { inputs: this.graphInputs, outputs, nodes: this.nodeList, initializers: this.initializerMap, values },
      options,
    );
    this.built = true;
    return model;
  }

  // ----- internals -----

  private register(name: string, dataType: DataType, shape: readonly Dim[]): Operand {
    const operand: Operand = Object.freeze({ name, dataType, shape: Object.freeze([...shape]) });
    this.operandsByName.set(name, operand);
    this.ownOperands.add(operand);
    return operand;
  }

  private claimName(op: string, name: string): void {
    if (name.length === 0) this.fail('GRAPH_NAME', op, name, 'the name is empty');
    if (this.usedNames.has(name)) this.fail('GRAPH_NAME', op, name, `the name '${name}' is already used in this graph`);
    this.usedNames.add(name);
  }

  private assertOpen(op: string, label: string | undefined): void {
    if (this.built) this.fail('GRAPH_STATE', op, label, 'the graph has already been built');
  }

  private assertOwn(op: string, label: string | undefined, operand: Operand): void {
    if (!this.ownOperands.has(operand)) {
      this.fail('GRAPH_OPERAND', op, label, `operand '${operand?.name}' does not belong to this builder`);
    }
  }

  private single(
    op: string,
    inputs: readonly (Operand | undefined)[],
    attributes: Record<string, Attribute>,
    options: OpOptions,
    infer: (nodeName: string) => OutputDescriptor,
  ): Operand {
    const nodeName = options.label ?? op;
    return this.addNode(op, inputs, attributes, 1, () => [infer(nodeName)], options)[0];
  }

  private unary(op: string, x: Operand, options: OpOptions, floatOnly: boolean): Operand {
    if (floatOnly) this.requireFloat(op, options.label, x);
    return this.single(op, [x], {}, options, () => ({ dataType: x.dataType, shape: x.shape }));
  }

  private binary(op: string, a: Operand, b: Operand, options: OpOptions, outputType?: DataType): Operand {
    const { label } = options;
    this.requireSameType(op, label, a, b);
    return this.single(op, [a, b], {}, options, () => ({ dataType: outputType ?? a.dataType, shape: this.broadcast(op, label, [a, b]) }));
  }

  private broadcast(op: string, label: string | undefined, operands: readonly Operand[]): Dim[] {
    return this.broadcastDims(
      op,
      label,
      operands.map((o) => o.shape),
      label ?? op,
    );
  }

  private broadcastDims(op: string, label: string | undefined, shapes: readonly (readonly Dim[])[], nodeName: string): Dim[] {
    const result = broadcastShapes(shapes, (axis) => this.freshDim(`${nodeName}_d${axis}`));
    if ('error' in result) this.fail('GRAPH_SHAPE', op, label, result.error, shapes);
    return result.shape;
  }

  private requireFloat(op: string, label: string | undefined, x: Operand): void {
    if (!isFloatType(x.dataType)) this.fail('GRAPH_DTYPE', op, label, `needs a float operand, got ${x.dataType} '${x.name}'`, [x.shape]);
  }

  private requireNumeric(op: string, label: string | undefined, x: Operand): void {
    if (x.dataType === 'bool') this.fail('GRAPH_DTYPE', op, label, `needs a numeric operand, got bool '${x.name}'`, [x.shape]);
  }

  private requireSameType(op: string, label: string | undefined, a: Operand, b: Operand): void {
    if (a.dataType !== b.dataType) {
      this.fail('GRAPH_DTYPE', op, label, `operand types differ: ${a.dataType} '${a.name}' vs ${b.dataType} '${b.name}'`, [
        a.shape,
        b.shape,
      ]);
    }
  }

  private requireShapeTensor(op: string, label: string | undefined, x: Operand): void {
    if (x.dataType !== 'int64' || x.shape.length !== 1) {
      this.fail('GRAPH_DTYPE', op, label, `shape operand must be 1-D int64, got ${x.dataType} ${formatShape(x.shape)}`, [x.shape]);
    }
  }

  private normaliseAxis(op: string, label: string | undefined, axis: number, rank: number, shapes: readonly (readonly Dim[])[]): number {
    if (!Number.isInteger(axis) || axis < -rank || axis >= rank) {
      this.fail('GRAPH_OPTION', op, label, `axis ${axis} is out of range for rank ${rank}`, shapes);
    }
    return axis < 0 ? axis + rank : axis;
  }

  /**
   * A shape given as numbers (emitted as an int64 constant) or as a 1-D int64 operand. `dims` gives its
   * values when known at build time, otherwise fresh symbols, one per element.
   */
  private shapeArgument(
    op: string,
    label: string | undefined,
    shape: readonly number[] | Operand,
  ): { operand: Operand; known: readonly Dim[] | undefined; dims: (nodeName: string) => Dim[] } {
    const operand = Array.isArray(shape) ? this.int64Constant(shape as number[], label, 'shape') : (shape as Operand);
    this.requireShapeTensor(op, label, operand);
    const known = this.knownValue(operand);
    const rank = operand.shape[0];
    return {
      operand,
      known,
      dims: (nodeName) => {
        if (known) return [...known];
        if (typeof rank !== 'number') this.fail('GRAPH_SHAPE', op, label, 'the length of the shape operand must be known', [operand.shape]);
        return Array.from({ length: rank }, (_, i) => this.freshDim(`${nodeName}_d${i}`));
      },
    };
  }

  private int64Constant(values: readonly number[], label: string | undefined, role: string): Operand {
    return this.constant({ dataType: 'int64', shape: [values.length] }, values, { label: label && `${label}.${role}` });
  }

  private tensorValue(op: string, label: string | undefined, data: TensorData, shape: readonly number[], dataType?: DataType): TensorValue {
    const type = dataType ?? dataTypeOfArray(data);
    if (type !== 'float16' && type !== 'bool' && type !== 'uint8' && dataTypeOfArray(data) !== type) {
      this.fail('GRAPH_DTYPE', op, label, `data is ${data.constructor.name} but the type is ${type}`);
    }
    if (!shape.every((d) => Number.isInteger(d) && d >= 0)) this.fail('GRAPH_SHAPE', op, label, `invalid shape ${formatShape(shape)}`);
    const size = staticSize(shape)!;
    if (size !== data.length) {
      this.fail('GRAPH_SHAPE', op, label, `shape ${formatShape(shape)} holds ${size} values but data has ${data.length}`, [shape]);
    }
    return Object.freeze({ dataType: type, dims: Object.freeze([...shape]), data });
  }

  private rememberIntegers(name: string, value: TensorValue): void {
    if ((value.dataType === 'int64' || value.dataType === 'int32') && value.dims.length <= 1 && value.data.length <= 16) {
      this.knownValues.set(name, Array.from(value.data as ArrayLike<number | bigint>, Number));
    }
  }

  private windowOptions(
    op: string,
    label: string | undefined,
    spatial: number,
    options: { pads?: readonly number[]; strides?: readonly number[]; dilations?: readonly number[] },
    shapes: readonly (readonly Dim[])[],
  ): { pads: number[]; strides: number[]; dilations: number[] } {
    const pads = [...(options.pads ?? new Array<number>(2 * spatial).fill(0))];
    const strides = [...(options.strides ?? new Array<number>(spatial).fill(1))];
    const dilations = [...(options.dilations ?? new Array<number>(spatial).fill(1))];
    if (pads.length !== 2 * spatial || !pads.every((p) => Number.isInteger(p) && p >= 0)) {
      this.fail(
        'GRAPH_OPTION',
        op,
        label,
        `pads needs ${2 * spatial} non-negative integers (begins then ends), got [${pads.join(',')}]`,
        shapes,
      );
    }
    if (strides.length !== spatial || !strides.every((s) => Number.isInteger(s) && s >= 1)) {
      this.fail('GRAPH_OPTION', op, label, `strides needs ${spatial} positive integers, got [${strides.join(',')}]`, shapes);
    }
    if (dilations.length !== spatial || !dilations.every((d) => Number.isInteger(d) && d >= 1)) {
      this.fail('GRAPH_OPTION', op, label, `dilations needs ${spatial} positive integers, got [${dilations.join(',')}]`, shapes);
    }
    return { pads, strides, dilations };
  }

  /** floor((in + padBegin + padEnd − ((k − 1)·d + 1)) / s) + 1, or ceil for ceilMode. */
  private windowOutputDim(
    op: string,
    label: string | undefined,
    dim: Dim,
    kernel: number,
    padBegin: number,
    padEnd: number,
    stride: number,
    dilation: number,
    ceilMode: boolean,
    freshName: string,
    shapes: readonly (readonly Dim[])[],
  ): Dim {
    const reach = (kernel - 1) * dilation + 1;
    const span = addDims(dim, padBegin + padEnd - reach);
    if (typeof span === 'number') {
      if (span < 0) this.fail('GRAPH_SHAPE', op, label, `window ${reach} is larger than the padded size ${span + reach}`, shapes);
      return (ceilMode ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
    }
    if (span === undefined) return this.freshDim(freshName);
    if (stride === 1) return addDims(span, 1)!;
    if (ceilMode) return this.freshDim(freshName);
    const divided = floorDivideDim(span, stride);
    return divided === undefined ? this.freshDim(freshName) : addDims(divided, 1)!;
  }

  private pool(
    op: string,
    input: Operand,
    options: PoolOptions,
    extra: Record<string, Attribute>,
    dilationsOption: readonly number[] | undefined,
  ): Operand {
    const { label, kernelShape, ceilMode = false } = options;
    const shapes = [input.shape];
    this.requireFloat(op, label, input);
    if (input.shape.length < 3) this.fail('GRAPH_SHAPE', op, label, `input must have rank >= 3, got ${input.shape.length}`, shapes);
    const spatial = input.shape.length - 2;
    if (kernelShape.length !== spatial || !kernelShape.every((k) => Number.isInteger(k) && k >= 1)) {
      this.fail('GRAPH_OPTION', op, label, `kernelShape needs ${spatial} positive integers, got [${kernelShape.join(',')}]`, shapes);
    }
    const { pads, strides, dilations } = this.windowOptions(op, label, spatial, { ...options, dilations: dilationsOption }, shapes);
    const attributes: Record<string, Attribute> = {
      kernel_shape: attribute.ints(kernelShape),
      pads: attribute.ints(pads),
      strides: attribute.ints(strides),
      ceil_mode: attribute.int(ceilMode ? 1 : 0),
      ...extra,
    };
    if (dilationsOption) attributes.dilations = attribute.ints(dilations);
    return this.single(op, [input], attributes, options, (nodeName) => ({
      dataType: input.dataType,
      shape: [
        input.shape[0],
        input.shape[1],
        ...kernelShape.map((k, i) =>
          this.windowOutputDim(
            op,
            label,
            input.shape[i + 2],
            k,
            pads[i],
            pads[i + spatial],
            strides[i],
            dilations[i],
            ceilMode,
            `${nodeName}_d${i + 2}`,
            shapes,
          ),
        ),
      ],
    }));
  }

  private batchNormalizationAttributes(
    input: Operand,
    parameters: readonly Operand[],
    options: BatchNormalizationOptions,
    training: boolean,
  ): Record<string, Attribute> {
    const { label, epsilon = 1e-5, momentum = 0.9 } = options;
    const op = 'BatchNormalization';
    const shapes = [input.shape, ...parameters.map((p) => p.shape)];
    this.requireFloat(op, label, input);
    if (input.shape.length < 2) this.fail('GRAPH_SHAPE', op, label, `input must have rank >= 2, got ${input.shape.length}`, shapes);
    const channels = input.shape[1];
    const roles = ['scale', 'bias', 'mean', 'variance'];
    parameters.forEach((p, i) => {
      this.requireSameType(op, label, input, p);
      if (p.shape.length !== 1 || !sameDim(p.shape[0], channels)) {
        this.fail('GRAPH_SHAPE', op, label, `${roles[i]} must be [${channels}], got ${formatShape(p.shape)}`, shapes);
      }
    });
    if (!(epsilon > 0)) this.fail('GRAPH_OPTION', op, label, `epsilon must be positive, got ${epsilon}`, shapes);
    const attributes: Record<string, Attribute> = { epsilon: attribute.float(epsilon) };
    if (training) {
      attributes.training_mode = attribute.int(1);
      attributes.momentum = attribute.float(momentum);
    }
    return attributes;
  }

  private reduce(op: string, input: Operand, options: ReduceOptions, axesAsInput: boolean): Operand {
    const { label, keepDims = true } = options;
    const rank = input.shape.length;
    const axes = options.axes?.map((a) => this.normaliseAxis(op, label, a, rank, [input.shape]));
    if (axes && new Set(axes).size !== axes.length) this.fail('GRAPH_OPTION', op, label, `axes repeat: [${axes.join(',')}]`, [input.shape]);
    if (axes && axes.length === 0) this.fail('GRAPH_OPTION', op, label, 'axes is empty; omit it to reduce every axis', [input.shape]);
    const reduced = axes ?? input.shape.map((_, i) => i);
    const attributes: Record<string, Attribute> = { keepdims: attribute.int(keepDims ? 1 : 0) };
    const inputs: Operand[] = [input];
    if (axes && axesAsInput) inputs.push(this.int64Constant(axes, label, 'axes'));
    if (axes && !axesAsInput) attributes.axes = attribute.ints(axes);
    return this.single(op, inputs, attributes, options, () => ({
      dataType: input.dataType,
      shape: keepDims ? input.shape.map((d, i) => (reduced.includes(i) ? 1 : d)) : input.shape.filter((_, i) => !reduced.includes(i)),
    }));
  }

  private inferReshape(op: string, label: string | undefined, inputShape: readonly Dim[], target: readonly Dim[], nodeName: string): Dim[] {
    const shapes = [inputShape, target];
    const out = target.map((d, i) => (d === 0 ? inputShape[i] : d));
    if (out.some((d) => d === undefined)) this.fail('GRAPH_SHAPE', op, label, 'a 0 in the new shape has no input dim to copy', shapes);
    const inferred = out.flatMap((d, i) => (d === -1 ? [i] : []));
    if (inferred.length > 1) this.fail('GRAPH_OPTION', op, label, 'at most one -1 is allowed in the new shape', shapes);
    // Cancel dims common to both sides, then compare what is left.
    const remainingIn = [...inputShape];
    const remainingOut: Dim[] = [];
    for (const d of out) {
      if (d === -1) continue;
      const at = remainingIn.findIndex((x) => typeof x === 'string' && sameDim(x, d));
      if (at >= 0) remainingIn.splice(at, 1);
      else remainingOut.push(d);
    }
    const numeric = (dims: Dim[]) => dims.reduce<number>((p, d) => (typeof d === 'number' ? p * d : p), 1);
    const symbolsIn = remainingIn.filter((d) => typeof d === 'string');
    const symbolsOut = remainingOut.filter((d) => typeof d === 'string');
    const inSize = numeric(remainingIn);
    const outSize = numeric(remainingOut);
    if (inferred.length === 0) {
      if (symbolsIn.length === 0 && symbolsOut.length === 0 && inSize !== outSize) {
        this.fail('GRAPH_SHAPE', op, label, `cannot reshape ${inSize} elements into ${outSize}`, shapes);
      }
      return out;
    }
    let missing: Dim;
    if (symbolsOut.length === 0 && symbolsIn.length === 0) {
      if (outSize === 0 || inSize % outSize !== 0)
        this.fail('GRAPH_SHAPE', op, label, `cannot infer -1: ${inSize} elements are not a multiple of ${outSize}`, shapes);
      missing = inSize / outSize;
    } else if (symbolsOut.length === 0 && symbolsIn.length === 1 && inSize === outSize) {
      missing = symbolsIn[0];
    } else {
      missing = this.freshDim(`${nodeName}_d${inferred[0]}`);
    }
    out[inferred[0]] = missing;
    return out;
  }
}

/** Length of Slice along one axis, following ONNX's clamping; undefined when not affine. */
function sliceLength(dim: Dim, start: number, end: number, step: number): Dim | undefined {
  if (typeof dim === 'number') {
    const clampStart = (v: number) => (step > 0 ? Math.min(Math.max(v, 0), dim) : Math.min(Math.max(v, 0), dim - 1));
    const clampEnd = (v: number) => (step > 0 ? Math.min(Math.max(v, 0), dim) : Math.min(Math.max(v, -1), dim - 1));
    const s = clampStart(start < 0 ? start + dim : start);
    const e = clampEnd(end < 0 ? end + dim : end);
    return Math.max(0, step > 0 ? Math.ceil((e - s) / step) : Math.ceil((s - e) / -step));
  }
  if (step !== 1) return undefined;
  // For a symbolic dim we assume the bounds fall inside it, the common case of cropping borders.
  const startDim = start < 0 ? addDims(dim, start) : start;
  const endDim = end >= SLICE_TO_END ? dim : end < 0 ? addDims(dim, end) : end;
  if (startDim === undefined || endDim === undefined) return undefined;
  return subtractDims(endDim, startDim);
}

const INT64_MAX = 2n ** 63n - 1n;

function clampInt64(v: bigint): bigint {
  return v > INT64_MAX ? INT64_MAX : v < -INT64_MAX - 1n ? -INT64_MAX - 1n : v;
}

function toTypedArray(dataType: DataType, data: TensorData | readonly number[]): TensorData {
  if (!Array.isArray(data)) return data as TensorData;
  const values = data as readonly number[];
  switch (dataType) {
    case 'float32':
      return Float32Array.from(values);
    case 'float64':
      return Float64Array.from(values);
    case 'int32':
      return Int32Array.from(values);
    // Clamped: 2^63 as a JavaScript number would wrap to INT64_MIN (people write it for "to the end").
    case 'int64':
      return BigInt64Array.from(values, (v) => clampInt64(BigInt(Math.trunc(v))));
    case 'int8':
      return Int8Array.from(values);
    case 'uint8':
    case 'bool':
      return Uint8Array.from(values);
    case 'float16':
      throw new GraphBuilderError({
        code: 'GRAPH_DTYPE',
        op: 'constant',
        message: 'float16 data must be given as a Uint16Array of bit patterns',
      });
  }
}
