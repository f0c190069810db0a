import { describe, expect, test } from 'vitest';
import { ARCHITECTURES, type EnhanceKind, type ModelVariant } from '@enhance/core';
import { createRandom } from './random.js';
import { runOnnx } from '../testing/run-onnx.js';
import { readModel } from '../onnx/read-model.js';
import { createEnhanceModel, loadEnhanceWeights, modelStatistics } from './enhance-model.js';
import { enhanceReferenceForward } from './enhance-reference.js';
import { initializeEnhanceWeights } from './enhance-weights.js';

const SIZES: [number, number][] = [
  [13, 11],
  [29, 37],
];

function randomImage(kind: EnhanceKind, height: number, width: number, seed: number): Float32Array {
  const random = createRandom(seed);
  // Intensity around the quiet-Sun level; magnetograms signed, in kG.
  return Float32Array.from({ length: height * width }, () => (kind === 'intensity' ? 0.6 + 0.8 * random() : 2 * random() - 1));
}

/** max |a − b| / max |b|. */
function maxRelativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let scale = 0;
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    scale = Math.max(scale, Math.abs(expected[i]));
    worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  }
  return worst / scale;
}

describe('Enhance network through onnxruntime-node against the float64 reference', () => {
  const combinations = (['intensity', 'blos'] as const).flatMap((kind) =>
    (['full', 'lite'] as const).map((variant) => [kind, variant] as const),
  );
  test.each(combinations)('%s %s: unfolded, folded and resize-form models, odd sizes', async (kind: EnhanceKind, variant: ModelVariant) => {
    const architecture = ARCHITECTURES[variant];
    const seed = kind === 'intensity' ? 11 : 23;
    // Random biases and batch-norm statistics, so that every parameter affects the output.
    const weights = initializeEnhanceWeights(architecture, { seed, batchNorm: 'random', bias: 'random' });
    const models = {
      unfolded: createEnhanceModel({ kind, architecture: variant, weights }),
      folded: createEnhanceModel({ kind, architecture: variant, weights, foldBatchNorm: true }),
      // The ×2 tail as written (Resize, reflect pad, 3×3 conv); the two above compute it by phases.
      resize: createEnhanceModel({ kind, architecture: variant, weights, foldBatchNorm: true, upsampling: 'resize' }),
    };
    for (const [height, width] of SIZES) {
      const image = randomImage(kind, height, width, seed + height);
      const expected = enhanceReferenceForward({ height, width, data: image }, weights, architecture);
      expect([expected.height, expected.width]).toEqual([2 * height, 2 * width]);
      const outputs: Record<string, Float64Array> = {};
      for (const [name, model] of Object.entries(models)) {
        // The unfolded graph runs as written, so onnxruntime does not fold the batch norms itself.
        const result = await runOnnx(
          model,
          { image: { dataType: 'float32', dims: [1, 1, height, width], data: image } },
          name === 'unfolded' ? 'disabled' : 'all',
        );
        expect(result.enhanced.dims).toEqual([1, 1, 2 * height, 2 * width]);
        const error = maxRelativeError(result.enhanced.data, expected.data);
        expect(error, `${name} ${height}×${width}`).toBeLessThanOrEqual(1e-5);
        outputs[name] = result.enhanced.data;
      }
      // Folding changes only float32 rounding.
      expect(maxRelativeError(outputs.folded, outputs.unfolded)).toBeLessThanOrEqual(1e-5);
      if (kind === 'blos') expect(expected.data.some((v) => v < 0) && expected.data.some((v) => v > 0)).toBe(true);
    }
  });
});

describe('Enhance model statistics, measured on the graph', () => {
  test("full 5×64: the paper's parameter counts and cost", () => {
    const unfolded = modelStatistics(createEnhanceModel({ kind: 'intensity', architecture: 'full', seed: 1, upsampling: 'resize' }));
    const folded = modelStatistics(
      createEnhanceModel({ kind: 'intensity', architecture: 'full', seed: 1, foldBatchNorm: true, upsampling: 'resize' }),
    );
    expect(unfolded.parameterCount).toBe(446_657);
    expect(folded.parameterCount).toBe(443_841);
    expect(unfolded.multiplyAddsPerInputPixel).toBe(553_792);
    expect(folded.multiplyAddsPerInputPixel).toBe(553_792);
    // 12 low-resolution 3×3 convs (±1 px each) and one at high resolution (±½ px): 26 input pixels.
    expect(unfolded.receptiveField).toBe(26);
    expect(unfolded.opCounts.BatchNormalization).toBe(11);
    expect(folded.opCounts.BatchNormalization).toBeUndefined();
    expect(unfolded.opCounts.Conv).toBe(14);
  });

  test('the phase form of the ×2 tail: same parameters and reach, conv_up at 16 instead of 36 multiply-adds per weight pair', () => {
    const resize = modelStatistics(
      createEnhanceModel({ kind: 'intensity', architecture: 'full', seed: 1, foldBatchNorm: true, upsampling: 'resize' }),
    );
    const phases = modelStatistics(createEnhanceModel({ kind: 'intensity', architecture: 'full', seed: 1, foldBatchNorm: true }));
    expect(phases.parameterCount).toBe(resize.parameterCount);
    expect(phases.receptiveField).toBe(resize.receptiveField);
    // conv_up: 64·64·9 multiply-adds at 4 output pixels per input pixel → 4·64·64·4 at one; conv_out:
    // 64 at 4 output pixels → a block-diagonal 4·256 at one.
    expect(resize.multiplyAddsPerInputPixel! - phases.multiplyAddsPerInputPixel!).toBe(64 * 64 * (36 - 16) - (4 * 256 - 4 * 64));
    expect(phases.opCounts.Resize).toBeUndefined();
    expect(phases.opCounts.DepthToSpace).toBe(1);
    expect(() => createEnhanceModel({ kind: 'intensity', architecture: 'lite', seed: 1, upsampling: 'bilinear' as never })).toThrow(
      /upsampling = "bilinear" is invalid: expected 'resize' \| 'phases'/,
    );
  });

  test('lite 1×32 is about 40k parameters and about 6× cheaper', () => {
    const lite = modelStatistics(createEnhanceModel({ kind: 'blos', architecture: 'lite', seed: 1 }));
    const full = modelStatistics(createEnhanceModel({ kind: 'blos', architecture: 'full', seed: 1 }));
    expect(lite.parameterCount).toBeGreaterThan(35_000);
    expect(lite.parameterCount).toBeLessThan(45_000);
    const speedup = full.multiplyAddsPerInputPixel! / lite.multiplyAddsPerInputPixel!;
    expect(speedup).toBeGreaterThan(5);
    expect(speedup).toBeLessThan(20);
    expect(lite.receptiveField).toBe(10);
  });
});

describe('createEnhanceModel metadata and loadEnhanceWeights', () => {
  test('I/O, metadata and provenance of an untrained model', () => {
    const model = readModel(createEnhanceModel({ kind: 'blos', architecture: 'lite', seed: 7 }));
    expect(model.inputs).toEqual([{ name: 'image', dataType: 'float32', shape: [1, 1, 'H', 'W'] }]);
    expect(model.outputs).toEqual([{ name: 'enhanced', dataType: 'float32', shape: [1, 1, '2*H', '2*W'] }]);
    expect(model.opset).toBe(17);
    expect(model.irVersion).toBe(8);
    expect(model.metadata).toMatchObject({
      kind: 'blos',
      units: 'kG',
      scale_factor: '2',
      architecture: 'lite',
      depth: '1',
      filters: '32',
      weights: 'untrained-he-init seed=7',
      trained: 'false',
      batch_norm: 'separate',
      package_version: '0.1.0',
      receptive_field: '10',
    });
    expect(Number(model.metadata.flops_per_pixel)).toBe(2 * Number(model.metadata.multiply_adds_per_pixel));
    expect(model.metadata.normalisation).toMatch(/1000/);
  });

  test('the same seed gives the same bytes; another seed does not', () => {
    const a = createEnhanceModel({ kind: 'intensity', architecture: 'lite', seed: 3 });
    const b = createEnhanceModel({ kind: 'intensity', architecture: 'lite', seed: 3 });
    const c = createEnhanceModel({ kind: 'intensity', architecture: 'lite', seed: 4 });
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(Buffer.from(a).equals(Buffer.from(c))).toBe(false);
  });

  test('He initialisation: conv weights have std √(2 / fan_in), batch norms are identities', () => {
    const weights = initializeEnhanceWeights(ARCHITECTURES.full, { seed: 5 });
    const w = weights['blocks.2.conv1.weight'];
    const mean = w.reduce((s, v) => s + v, 0) / w.length;
    const std = Math.sqrt(w.reduce((s, v) => s + (v - mean) ** 2, 0) / w.length);
    expect(std / Math.sqrt(2 / (64 * 9))).toBeCloseTo(1, 1);
    expect(Math.abs(mean)).toBeLessThan((3 * std) / Math.sqrt(w.length));
    expect([...weights['bn_mid.gamma']].every((v) => v === 1)).toBe(true);
    expect([...weights['bn_mid.var']].every((v) => v === 1)).toBe(true);
    expect([...weights['conv_out.bias']]).toEqual([0]);
  });

  test('loadEnhanceWeights returns the parameters by name, and reports folding', () => {
    const weights = initializeEnhanceWeights(ARCHITECTURES.lite, { seed: 9, batchNorm: 'random', bias: 'random' });
    const loaded = loadEnhanceWeights(createEnhanceModel({ kind: 'intensity', architecture: 'lite', weights, provenance: 'test weights' }));
    expect(loaded.kind).toBe('intensity');
    expect(loaded.architecture).toEqual({ depth: 1, filters: 32 });
    expect(loaded.foldedBatchNorm).toBe(false);
    expect(loaded.provenance).toBe('test weights');
    expect(Object.keys(loaded.weights).sort()).toEqual(Object.keys(weights).sort());
    for (const [name, values] of Object.entries(weights)) expect(Array.from(loaded.weights[name]), name).toEqual(Array.from(values));

    const folded = loadEnhanceWeights(createEnhanceModel({ kind: 'intensity', architecture: 'lite', weights, foldBatchNorm: true }));
    expect(folded.foldedBatchNorm).toBe(true);
    expect(Object.keys(folded.weights)).not.toContain('bn_mid.gamma');
    // A folded model rebuilt from its own weights is the same model.
    const rebuilt = loadEnhanceWeights(createEnhanceModel({ kind: 'intensity', architecture: 'lite', weights: folded.weights }));
    expect(rebuilt.foldedBatchNorm).toBe(true);
    expect(Array.from(rebuilt.weights['conv_mid.weight'])).toEqual(Array.from(folded.weights['conv_mid.weight']));
  });

  test('wrong or missing weights are refused with the parameter named', () => {
    const weights = initializeEnhanceWeights(ARCHITECTURES.lite, { seed: 1 });
    const { ['blocks.0.bn1.var']: _, ...missing } = weights;
    expect(() =>
      createEnhanceModel({ kind: 'intensity', architecture: 'lite', weights: { ...weights, 'conv_in.bias': new Float32Array(3) } }),
    ).toThrow(/conv_in\.bias.*32 float32 values.*got 3/);
    expect(() => createEnhanceModel({ kind: 'intensity', architecture: 'lite', weights: missing })).toThrow(/blocks\.0\.bn1\.var/);
    expect(() => loadEnhanceWeights(Uint8Array.from([1, 2, 3]), 'x.onnx')).toThrow(/^x\.onnx: /);
  });
});
