import type { EnhanceBackend } from '@enhance/core';
import type { Operand } from '../builder/operand.js';
import { encodeModel } from '../onnx/encode-model.js';
import { readModel } from '../onnx/read-model.js';
import { ActivationStatistics, type CalibrationMethodOptions } from './activation-statistics.js';
import { QuantizationError } from './quantization-error.js';
import type { ActivationRange } from './quantization-parameters.js';

/** What calibration needs from an onnxruntime build (onnxruntime-node or -web): sessions and tensors. */
export type CalibrationRuntime = Pick<EnhanceBackend, 'InferenceSession' | 'Tensor'>;

/** One calibration batch for the model's single input: NCHW float32 in the network's units. */
export interface CalibrationBatch {
  dims: readonly [number, 1, number, number];
  data: Float32Array;
}

export interface CalibrateActivationsOptions {
  /** The activations to calibrate (`quantizationPlan(...).tensors`); the graph input may be one of them. */
  tensors: readonly string[];
  batches: readonly CalibrationBatch[];
  runtime: CalibrationRuntime;
  /** onnxruntime intra-op threads (0: its default). */
  threads?: number;
  file?: string;
}

export interface CalibrationResult {
  statistics: ActivationStatistics;
  /** The ranges under `method`. */
  ranges(method: CalibrationMethodOptions): Map<string, ActivationRange>;
  /** Per-channel means of each calibrated tensor (for bias correction). */
  channelMeans: Map<string, Float64Array>;
}

/**
 * Runs the float32 model over the calibration batches twice, with every activation of `tensors` made
 * a graph output: once for the extremes, once for histograms over them (see ActivationStatistics).
 */
export async function calibrateActivations(fp32Bytes: Uint8Array, options: CalibrateActivationsOptions): Promise<CalibrationResult> {
  const { tensors, batches, runtime, threads = 0, file } = options;
  if (batches.length === 0) {
    throw new QuantizationError({ code: 'QUANTIZE_CALIBRATION', file, message: 'no calibration batches given', details: {} });
  }
  const model = readModel(fp32Bytes, file);
  if (model.inputs.length !== 1) {
    throw new QuantizationError({
      code: 'QUANTIZE_MODEL',
      file,
      message: `expected one graph input, found ${model.inputs.length}`,
      details: { inputs: model.inputs.map((i) => i.name) },
    });
  }
  const inputName = model.inputs[0].name;
  const produced = new Set(model.nodes.flatMap((n) => n.outputs));
  const missing = tensors.filter((name) => name !== inputName && !produced.has(name));
  if (missing.length > 0) {
    throw new QuantizationError({
      code: 'QUANTIZE_CALIBRATION',
      file,
      message: `the model computes no tensor named ${missing.map((n) => `'${n}'`).join(', ')}`,
      details: { missing },
    });
  }
  const outputs = tensors.filter((name) => name !== inputName);
  // Batches of patches: the batch dimension becomes symbolic, and no intermediate shape is recorded
  // (the float32 model's value_info says batch 1).
  const batched = (value: { name: string; dataType: Operand['dataType']; shape: readonly (string | number)[] }): Operand => ({
    ...value,
    shape: value.shape.map((d, axis) => (axis === 0 ? 'N' : d)),
  });
  const extraOutputs: Operand[] = outputs
    .filter((name) => !model.outputs.some((o) => o.name === name))
    .map((name) => ({ name, dataType: 'float32', shape: ['N', `${name}.channels`, `${name}.height`, `${name}.width`] }));
  const calibrationModel = encodeModel(
    {
      inputs: model.inputs.map(batched),
      outputs: [...model.outputs.map(batched), ...extraOutputs],
      nodes: model.nodes,
      initializers: model.initializers,
    },
    { graphName: model.graphName, metadata: model.metadata, opset: model.opset, irVersion: model.irVersion },
  );
  const session = await runtime.InferenceSession.create(calibrationModel, {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    ...(threads > 0 ? { intraOpNumThreads: threads } : {}),
  });
  const statistics = new ActivationStatistics();
  try {
    for (const pass of ['extremes', 'histogram'] as const) {
      if (pass === 'histogram') statistics.startHistogramPass();
      for (const batch of batches) {
        const feeds = { [inputName]: new runtime.Tensor('float32', batch.data, [...batch.dims]) };
        const results = await session.run(feeds, outputs);
        if (tensors.includes(inputName)) statistics.observe(inputName, batch.data, batch.dims);
        for (const name of outputs) {
          const tensor = results[name];
          statistics.observe(name, (await tensor.getData()) as Float32Array, tensor.dims);
          tensor.dispose();
        }
      }
    }
  } finally {
    await session.release();
  }
  return {
    statistics,
    ranges: (method) => new Map(tensors.map((name) => [name, statistics.range(name, method)])),
    channelMeans: statistics.channelMeans(),
  };
}
