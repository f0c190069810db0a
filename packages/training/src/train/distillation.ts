import { createHash } from 'node:crypto';
import type { EnhanceKind } from '@enhance/core';
import { buildEnhanceNetwork, GraphBuilder, loadEnhanceWeights } from '@enhance/graph-builder';
import * as ort from 'onnxruntime-node';
import { batchViews, concatenateBatches, type TrainingData } from './training-data.js';
import { TrainingError } from './training-error.js';

/**
 * Distillation: a network (typically lite) trained to reproduce another Enhance model (typically the
 * full one) instead of the 28 cm target, on the same degraded, noised training inputs. The paper's lite
 * network is meant to stay within ≈ 3% of the full one on real images; learning the full network's
 * answers, rather than the truth both approximate, is the direct way there.
 */

/** Where the teacher came from; stored in the run's data description and so in the model's metadata. */
export interface TeacherSource {
  file: string;
  sha256: string;
  kind: EnhanceKind;
  architecture: { depth: number; filters: number };
}

export interface Teacher {
  readonly source: TeacherSource;
  /** The teacher's output (2p × 2p per patch, network units) for `count` p × p input patches. */
  run(inputs: Float32Array, count: number, patchSize: number): Promise<Float32Array>;
  release(): Promise<void>;
}

/**
 * A teacher from an inference model's bytes (a file of models/ or an export of a run), refused unless it
 * is an Enhance model of `kind`.
 */
export async function loadTeacher(bytes: Uint8Array, file: string, kind: EnhanceKind, threads: number): Promise<Teacher> {
  const model = loadEnhanceWeights(bytes, file);
  if (model.kind !== kind) {
    throw new TrainingError({
      message: `the teacher is a ${model.kind} model, the run trains a ${kind} network`,
      code: 'TRAIN_BAD_OPTION',
      file,
    });
  }
  // The shipped models take one image at a time; the same network (the same weights, zero-field
  // offset and folding included) is rebuilt here with a batch dimension.
  const b = new GraphBuilder();
  const image = b.input('image', { dataType: 'float32', shape: ['N', 1, 'H', 'W'] });
  const enhanced = buildEnhanceNetwork(b, image, {
    architecture: model.architecture,
    foldedBatchNorm: model.foldedBatchNorm,
    ...(Number(model.metadata.batch_norm_epsilon) > 0 ? { epsilon: Number(model.metadata.batch_norm_epsilon) } : {}),
    parameter: (spec) => b.initializer(spec.name, model.weights[spec.name], spec.shape),
  });
  const session = await ort.InferenceSession.create(b.build({ outputs: { enhanced }, graphName: 'enhance_teacher' }), {
    executionProviders: ['cpu'],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  });
  const inputName = 'image';
  const outputName = 'enhanced';
  return {
    source: { file, sha256: createHash('sha256').update(bytes).digest('hex'), kind, architecture: { ...model.architecture } },
    async run(inputs, count, patchSize) {
      const feeds = { [inputName]: new ort.Tensor('float32', inputs, [count, 1, patchSize, patchSize]) };
      const output = (await session.run(feeds))[outputName];
      if (output.dims.length !== 4 || output.dims[2] !== 2 * patchSize || output.dims[3] !== 2 * patchSize)
        throw new TrainingError({
          message: `the teacher's output is [${output.dims.join(', ')}], not [${count}, 1, ${2 * patchSize}, ${2 * patchSize}]`,
          code: 'TRAIN_BAD_OPTION',
          file,
        });
      return output.data as Float32Array;
    },
    release: () => session.release(),
  };
}

/**
 * `data` with the teacher's outputs as every target: training batches get theirs when drawn
 * (`train.relabel`, awaited by the training loop), the fixed validation patches once, here. The
 * validation error then measures how far the student is from the teacher, which is what picks its
 * best weights. The description records the teacher (file and SHA-256).
 */
export async function withTeacherTargets(data: TrainingData, teacher: Teacher, batchSize = 64): Promise<TrainingData> {
  const p = data.patchSize;
  // Every validation patch once, inputs and the teacher's targets each in one array; batches are views.
  const relabelled = [];
  for (const batch of data.validation.batches(batchSize)) {
    relabelled.push({ ...batch, targets: await teacher.run(batch.inputs, batch.count, p) });
  }
  const { inputs, targets } = concatenateBatches(relabelled, p);
  return {
    patchSize: p,
    train: {
      sampleBatch: (n, random) => data.train.sampleBatch(n, random),
      relabel: async (batch) => ({ ...batch, targets: await teacher.run(batch.inputs, batch.count, p) }),
    },
    validation: {
      batches: (size) => batchViews(inputs, targets, p, size),
      ...(data.validation.groups ? { groups: data.validation.groups } : {}),
    },
    description: { ...data.description, distilled_from: teacher.source },
  };
}
