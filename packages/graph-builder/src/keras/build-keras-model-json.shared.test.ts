import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ARCHITECTURES, type EnhanceKind } from '@enhance/core';
import { createEnhanceModel } from '../networks/enhance-model.js';
import { buildKerasModelJson } from './build-keras-model-json.js';
import { exportKerasWeights } from './export-keras-weights.js';
import { parseKerasModelJson } from './keras-model-graph.js';
import { topologyFromModelGraph } from './enhance-keras-topology.js';

const kerasDir = fileURLToPath(new URL('../../../../../shared/data/keras/', import.meta.url));

describe.each<EnhanceKind>(['intensity', 'blos'])('the released %s model JSON', (kind) => {
  const original = JSON.parse(readFileSync(`${kerasDir}${kind}_model.json`, 'utf8'));

  it('is what buildKerasModelJson writes for 5 × 64 (same layers, classes, configs, graph)', () => {
    const generated = JSON.parse(JSON.stringify(buildKerasModelJson({ kind, architecture: ARCHITECTURES.full })));
    expect(generated).toEqual(original);
  });

  it('is what export-keras writes for a 5 × 64 ONNX model of that kind', async () => {
    const onnx = createEnhanceModel({ kind, architecture: 'full', seed: 1 });
    const exported = await exportKerasWeights({ onnx });
    expect(exported.modelJsonFileName).toBe(`${kind}_model.json`);
    expect(JSON.parse(exported.modelJson)).toEqual(original);
  });

  it('walks to the Enhance topology with epsilon 1e-3 and 5 blocks of 64 filters', () => {
    const topology = topologyFromModelGraph(parseKerasModelJson(original, `${kind}_model.json`), 'model_json', `${kind}_model.json`);
    expect(topology.architecture).toEqual({ depth: 5, filters: 64 });
    expect(topology.firstConv.layer).toBe('conv2d_1');
    expect(topology.blocks.map((b) => [b.conv1.layer, b.bn1.layer, b.conv2.layer, b.bn2.layer])).toEqual(
      [0, 1, 2, 3, 4].map((b) => [
        `conv2d_${2 * b + 2}`,
        `batch_normalization_${2 * b + 1}`,
        `conv2d_${2 * b + 3}`,
        `batch_normalization_${2 * b + 2}`,
      ]),
    );
    expect([topology.postConv.layer, topology.postBn.layer, topology.upConv.layer, topology.outputConv.layer]).toEqual([
      'conv2d_12',
      'batch_normalization_11',
      'conv2d_13',
      'conv2d_14',
    ]);
    expect(new Set([topology.postBn, ...topology.blocks.flatMap((b) => [b.bn1, b.bn2])].map((bn) => bn.epsilon))).toEqual(new Set([0.001]));
    expect(topology.noiseStddev).toBe(kind === 'intensity' ? 1e-3 : 1e-2);
  });
});
