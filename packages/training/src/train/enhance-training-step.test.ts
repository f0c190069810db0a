import * as ort from 'onnxruntime-node';
import { describe, expect, test } from 'vitest';
import {
  buildEnhanceNetwork,
  createRandom as mulberry32,
  enhanceParameterSpecs,
  gaussianDeviate as gaussian,
} from '@enhance/graph-builder';
import { checkGradients } from '@enhance/graph-builder/testing';
import { buildEnhanceTrainingStep, isTrainable, KERAS_ADAM, NEXT_STATE_PREFIX } from './enhance-training-step.js';

const tiny = { depth: 1, filters: 4 };

/**
 * Analytic gradients of the whole tiny network (every parameter and the image) against central
 * differences. Large positive biases keep the ReLUs after conv_in and conv_up away from their kinks,
 * where a finite difference is meaningless; the ReLU inside the block still sees both signs. In float32
 * (onnxruntime has no float64 Conv) with that ReLU, the central differences scatter by about 1% around
 * the analytic value as the step changes; a wrong rule is off by tens of percent. Biases followed by
 * batch normalisation have a zero gradient: the bound is relative to the typical size of the
 * directional derivatives where a sample's own is smaller.
 */
async function expectNetworkGradients({
  foldedBatchNorm,
  batch,
  seed,
  upsampling,
}: {
  foldedBatchNorm: boolean;
  batch: number;
  seed: number;
  upsampling?: 'resize' | 'phases';
}) {
  const specs = enhanceParameterSpecs(tiny, { foldedBatchNorm });
  const inputs: Record<string, number[]> = { image: [batch, 1, 5, 6] };
  for (const s of specs) inputs[s.name] = s.shape;
  const result = await checkGradients(
    {
      dataType: 'float32',
      inputs,
      seed,
      draw: (name, _i, r) => {
        if (name === 'conv_in.bias' || name === 'conv_up.bias') return 5 + r();
        if (name === 'conv_up.weight') return 0.05 * gaussian(r);
        if (name.endsWith('.var')) return 1 + r();
        if (name.endsWith('.gamma')) return 1 + 0.2 * gaussian(r);
        return name.endsWith('.weight') ? 0.5 * gaussian(r) : gaussian(r);
      },
      forward: (b, operands) => {
        const byName = new Map(Object.keys(inputs).map((n, i) => [n, operands[i]]));
        return buildEnhanceNetwork(b, byName.get('image')!, {
          architecture: tiny,
          foldedBatchNorm,
          parameter: (spec) => byName.get(spec.name)!,
          batchNormMode: 'batch',
          ...(upsampling ? { upsampling } : {}),
        });
      },
    },
    { directions: 2, step: 1e-3 },
  );
  const all = Object.values(result.samples)
    .flat()
    .map((x) => Math.abs(x.numeric))
    .sort((a, b) => a - b);
  const typical = all[Math.floor(all.length / 2)];
  for (const [name, samples] of Object.entries(result.samples)) {
    if (name.endsWith('.mean') || name.endsWith('.var')) continue;
    for (const { analytic, numeric } of samples) {
      expect(Math.abs(analytic - numeric), `${name}: analytic ${analytic}, numeric ${numeric}`).toBeLessThan(
        3e-2 * Math.max(Math.abs(numeric), typical),
      );
    }
  }
  return specs;
}

describe('the Enhance training forward pass', () => {
  test('gradients of the whole batch-statistics network match finite differences', async () => {
    await expectNetworkGradients({ foldedBatchNorm: false, batch: 3, seed: 7 });
  });
});

describe('the phase-form ×2 tail in training graphs', () => {
  test('gradients of the network with its tail computed by phases match finite differences', async () => {
    await expectNetworkGradients({ foldedBatchNorm: false, batch: 3, seed: 7, upsampling: 'phases' });
  });

  test('one Adam step gives the loss and the next state of the written form, to float32 rounding', async () => {
    const params = initialState(22);
    params.set('conv_in.bias', new Float32Array(tiny.filters).fill(0.5));
    const run = async (upsampling: 'resize' | 'phases') => {
      const step = buildEnhanceTrainingStep({ architecture: tiny, batchSize: 2, patchSize: 7, l2: 1e-4, upsampling });
      const session = await ort.InferenceSession.create(step.model, { executionProviders: ['cpu'] });
      const feeds: Record<string, ort.Tensor> = {};
      for (const p of step.parameters) feeds[p.name] = new ort.Tensor('float32', params.get(p.name)!, [...p.shape]);
      for (const o of step.optimizerState)
        feeds[o.name] = new ort.Tensor('float32', new Float32Array(o.shape.reduce((a, d) => a * d, 1)), o.shape);
      feeds.step = new ort.Tensor('float32', Float32Array.of(1), []);
      feeds.learning_rate = new ort.Tensor('float32', Float32Array.of(1e-3), []);
      const draws = mulberry32(99);
      feeds.input = new ort.Tensor(
        'float32',
        Float32Array.from({ length: 2 * 49 }, () => draws()),
        step.batchInputs.input,
      );
      feeds.target = new ort.Tensor(
        'float32',
        Float32Array.from({ length: 2 * 196 }, () => draws()),
        step.batchInputs.target,
      );
      const out = await session.run(feeds);
      await session.release();
      return { step, out };
    };
    const [written, phases] = [await run('resize'), await run('phases')];
    const loss = (r: typeof written) => Number(r.out.loss.data[0]);
    expect(Math.abs(loss(phases) - loss(written))).toBeLessThan(1e-6 * loss(written));
    // The first Adam moment is a tenth of the gradient: the gradients themselves are compared, each
    // against its own size or, for those batch norm makes ~0 (the biases before it), the largest one's.
    const moments = (r: typeof written, name: string) => r.out[`${NEXT_STATE_PREFIX}adam.m/${name}`].data as Float32Array;
    const trainable = written.step.parameters.filter(isTrainable);
    const largest = Math.max(...trainable.map((p) => Math.max(...moments(written, p.name).map(Math.abs))));
    for (const p of trainable) {
      const [a, b] = [moments(written, p.name), moments(phases, p.name)];
      const scale = Math.max(...a.map(Math.abs), 1e-3 * largest);
      const worst = Math.max(...a.map((v, i) => Math.abs(v - b[i])));
      expect(worst, p.name).toBeLessThanOrEqual(1e-4 * scale);
    }
  });
});

describe('the folded training forward pass (what quantisation-aware training starts from)', () => {
  test('gradients of the network with its batch norms folded match finite differences', async () => {
    const specs = await expectNetworkGradients({ foldedBatchNorm: true, batch: 2, seed: 11 });
    expect(specs.some((s) => s.role.startsWith('bn-'))).toBe(false);
  });

  test('the folded step trains conv weights and biases only', () => {
    const step = buildEnhanceTrainingStep({ architecture: tiny, batchSize: 2, patchSize: 6, l2: 0, foldedBatchNorm: true });
    expect(step.parameters.map((p) => p.role).every((r) => r === 'conv-weight' || r === 'conv-bias')).toBe(true);
    expect(step.optimizerState).toHaveLength(2 * step.parameters.length);
  });
});

async function stepSession(batchSize: number, patchSize: number, l2: number) {
  const step = buildEnhanceTrainingStep({ architecture: tiny, batchSize, patchSize, l2 });
  const session = await ort.InferenceSession.create(step.model, { executionProviders: ['cpu'] });
  return { step, session };
}

function initialState(seed: number) {
  const random = mulberry32(seed);
  const state = new Map<string, Float32Array>();
  for (const s of enhanceParameterSpecs(tiny)) {
    const size = s.shape.reduce((p, d) => p * d, 1);
    const value = (): number => {
      switch (s.role) {
        case 'conv-weight':
          return gaussian(random) * Math.sqrt(2 / s.fanIn);
        case 'bn-gamma':
        case 'bn-var':
          return 1;
        default:
          return 0;
      }
    };
    state.set(s.name, Float32Array.from({ length: size }, value));
  }
  return state;
}

describe('the Enhance training step model', () => {
  test('applies Keras Adam to the gradient of its own loss output (checked by finite differences)', async () => {
    const { step, session } = await stepSession(2, 5, 1e-3);
    const random = mulberry32(3);
    const params = initialState(5);
    params.set('conv_in.bias', new Float32Array(tiny.filters).fill(5));
    const feeds: Record<string, ort.Tensor> = {};
    for (const s of step.parameters) feeds[s.name] = new ort.Tensor('float32', params.get(s.name)!, [...s.shape]);
    // Non-trivial moments, as in the middle of a run.
    for (const o of step.optimizerState) {
      const size = o.shape.reduce((p, d) => p * d, 1);
      feeds[o.name] = new ort.Tensor(
        'float32',
        Float32Array.from({ length: size }, () => (o.name.startsWith('adam.v') ? 1e-4 * random() : 1e-3 * gaussian(random))),
        o.shape,
      );
    }
    const t = 7;
    const lr = 1e-3;
    feeds.step = new ort.Tensor('float32', Float32Array.of(t), []);
    feeds.learning_rate = new ort.Tensor('float32', Float32Array.of(lr), []);
    feeds.input = new ort.Tensor(
      'float32',
      Float32Array.from({ length: 2 * 25 }, () => gaussian(random)),
      step.batchInputs.input,
    );
    feeds.target = new ort.Tensor(
      'float32',
      Float32Array.from({ length: 2 * 100 }, () => gaussian(random)),
      step.batchInputs.target,
    );
    const out = await session.run(feeds);
    const { beta1, beta2, epsilon } = KERAS_ADAM;
    const recovered = new Map<string, Float64Array>();
    const lrT = (lr * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t);
    for (const s of step.parameters.filter(isTrainable)) {
      const m = feeds[`adam.m/${s.name}`].data as Float32Array;
      const v = feeds[`adam.v/${s.name}`].data as Float32Array;
      const nextM = out[`${NEXT_STATE_PREFIX}adam.m/${s.name}`].data as Float32Array;
      const nextV = out[`${NEXT_STATE_PREFIX}adam.v/${s.name}`].data as Float32Array;
      const nextP = out[`${NEXT_STATE_PREFIX}${s.name}`].data as Float32Array;
      const p = params.get(s.name)!;
      // Recover the gradient the step used from the first moment, then check the rest of the update.
      const g = Float64Array.from(nextM, (mm, i) => (mm - beta1 * m[i]) / (1 - beta1));
      for (let i = 0; i < p.length; i++) {
        const expectedV = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
        expect(Math.abs(nextV[i] - expectedV)).toBeLessThanOrEqual(1e-6 * Math.abs(expectedV) + 1e-10);
        const expectedP = p[i] - (lrT * nextM[i]) / (Math.sqrt(nextV[i]) + epsilon);
        expect(Math.abs(nextP[i] - expectedP)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(p[i])));
      }
      recovered.set(s.name, g);
    }
    // The recovered gradient against a central difference of the model's own loss output, along one
    // random direction in the space of all trainable parameters.
    const direction = new Map([...recovered].map(([name, g]) => [name, Float64Array.from(g, () => gaussian(random))]));
    const norm = Math.sqrt([...direction.values()].reduce((acc, d) => acc + d.reduce((a, v) => a + v * v, 0), 0));
    const h = 1e-3;
    const lossAt = async (sign: number) => {
      const shifted = { ...feeds };
      for (const [name, d] of direction) {
        const p = params.get(name)!;
        shifted[name] = new ort.Tensor(
          'float32',
          Float32Array.from(p, (x, i) => x + (sign * h * d[i]) / norm),
          feeds[name].dims,
        );
      }
      return Number((await session.run(shifted)).loss.data[0]);
    };
    const numeric = ((await lossAt(1)) - (await lossAt(-1))) / (2 * h);
    let analytic = 0;
    for (const [name, g] of recovered)
      g.forEach((gi, i) => {
        analytic += (gi * direction.get(name)![i]) / norm;
      });
    expect(Math.abs(numeric - analytic), `analytic ${analytic}, numeric ${numeric}`).toBeLessThan(2e-2 * Math.abs(numeric));
    await session.release();
  });

  test('lowers the loss over a few steps on a fixed batch and moves the moving statistics', async () => {
    const { step, session } = await stepSession(4, 6, 1e-4);
    const random = mulberry32(11);
    const state = initialState(12);
    for (const o of step.optimizerState) state.set(o.name, new Float32Array(o.shape.reduce((p, d) => p * d, 1)));
    const input = Float32Array.from({ length: 4 * 36 }, () => random());
    // A target the network can learn: the input repeated 2×2, scaled.
    const target = new Float32Array(4 * 144);
    for (let n = 0; n < 4; n++)
      for (let y = 0; y < 12; y++) for (let x = 0; x < 12; x++) target[n * 144 + y * 12 + x] = 2 * input[n * 36 + (y >> 1) * 6 + (x >> 1)];
    const shapes = new Map([...step.parameters, ...step.optimizerState].map((s) => [s.name, [...s.shape]]));
    const losses: number[] = [];
    for (let t = 1; t <= 30; t++) {
      const feeds: Record<string, ort.Tensor> = {};
      for (const [name, data] of state) feeds[name] = new ort.Tensor('float32', data, shapes.get(name)!);
      feeds.step = new ort.Tensor('float32', Float32Array.of(t), []);
      feeds.learning_rate = new ort.Tensor('float32', Float32Array.of(1e-2), []);
      feeds.input = new ort.Tensor('float32', input, step.batchInputs.input);
      feeds.target = new ort.Tensor('float32', target, step.batchInputs.target);
      const out = await session.run(feeds);
      losses.push(Number(out.loss.data[0]));
      for (const name of state.keys()) state.set(name, out[`${NEXT_STATE_PREFIX}${name}`].data as Float32Array);
    }
    expect(losses[29]).toBeLessThan(0.3 * losses[0]);
    expect(Array.from(state.get('blocks.0.bn1.mean')!).some((v) => v !== 0)).toBe(true);
    await session.release();
  });
});
