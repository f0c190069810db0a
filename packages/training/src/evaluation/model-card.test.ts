import { describe, expect, it } from 'vitest';
import type { EnhanceEvaluation } from './evaluate-enhance.js';
import { renderModelCard, trainingRecipeOf } from './model-card.js';
import { HMI_QUIET_SUN_FILE, type PsfSpectrumComparison } from '../physics/psf-spectrum-comparison.js';

const spectrum = (powers: number[]) => ({ frequency: Float64Array.from(powers.map((_, i) => i / 10)), power: Float64Array.from(powers) });
const plane = { width: 1, height: 1, data: new Float64Array(1) };

const psf: PsfSpectrumComparison = {
  hmi: spectrum([1]),
  degraded: { paper: spectrum([1]), wachter: spectrum([1]) },
  rmsLogRatio: { paper: 0.1234, wachter: 0.2346 },
  contrast: { hmi: 0.037, paper: 0.0371, wachter: 0.042 },
  better: 'paper',
  degradedImages: { paper: plane, wachter: plane },
  hmiImage: plane,
};

const evaluation: EnhanceEvaluation = {
  models: [
    {
      kind: 'intensity',
      variant: 'lite',
      file: '/x/models/enhance-intensity-lite.onnx',
      metadata: { weights: 'untrained-he-init seed=3', trained: 'false', parameter_count: '37729' },
    },
  ],
  trainingSets: {},
  validation: [
    {
      kind: 'intensity',
      image: 'block',
      inputSize: [75, 50],
      scores: [{ method: 'bicubic', relativeRmsError: 0.06101, psnrDb: 19.434, seconds: 0.01 }],
    },
  ],
  continuum: [
    {
      image: 'qs.npy',
      method: 'Enhance lite',
      contrastBefore: 0.0377,
      contrastAfter: 0.0702,
      umbralChange: Number.NaN,
      reconvolutionResidual: 0.0412,
    },
  ],
  magnetograms: [
    {
      image: 'b.fits',
      method: 'Enhance lite',
      fluxBefore: 1000,
      fluxAfter: 1020,
      gainNear1kG: 1.35,
      gainPixels: 42,
      reconvolutionResidualGauss: 23.45,
    },
  ],
  // Output power 10× the input's in the 0.05–0.25 band only: +1 dex there, 0 elsewhere.
  spectra: [
    {
      image: 'b.fits',
      kind: 'blos',
      spectra: [
        { method: 'input (bicubic ×2)', spectrum: spectrum([1, 1, 1, 1, 1]) },
        { method: 'Enhance lite', spectrum: spectrum([1, 10, 10, 1, 1]) },
      ],
    },
  ],
  pictures: [],
  liteVsFull: [{ image: 'qs.npy', kind: 'intensity', relativeDifference: 0.0312 }],
  checks: [
    {
      image: 'b.fits',
      kind: 'blos',
      method: 'Enhance lite',
      fluxRatio: 1.02,
      weakFieldRatio: 0.9,
      weakFieldFraction: 0.4,
      redegradedResidual: 0.05,
      beyondCutoff: 2e-4,
      beyondCutoffInput: 1e-5,
      streakIndex: 1.4,
      streakIndexInput: 1.25,
    },
  ],
};

describe('renderModelCard', () => {
  const card = renderModelCard({
    evaluation,
    psf,
    figures: [{ caption: 'Fig', path: '../docs/figures/a.png' }],
    generatedAt: '2026-01-01',
    command: 'npm run evaluate',
  });

  it('writes the evaluation numbers into their tables', () => {
    expect(card).toContain('| bicubic | 0.0610 | 19.43 | 0.01 |');
    expect(card).toContain('| qs.npy | Enhance lite | 3.77% | 7.02% | – | 4.12% |');
    expect(card).toContain('| b.fits | Enhance lite | 1.000e+3 | 1.020e+3 | 1.020 | 1.350 (42) | 23.4 |');
    expect(card).toContain('paper PSF 0.123 dex, Wachter PSF 0.235 dex');
    expect(card).toContain('| b.fits | Enhance lite | – | 1.000 | 0.000 |');
    expect(card).toContain('[../docs/figures/a.png](../docs/figures/a.png)');
    expect(card).toContain('| qs.npy | intensity | 3.12% |');
  });

  it("lists the paper's tests with pass or fail and a count per network", () => {
    expect(card).toContain("## The paper's tests, pass or fail");
    expect(card).toContain('| unsigned flux kept | Σ|B| out/in within 0.97–1.03 | blos lite | b.fits | 1.020 | pass |');
    expect(card).toContain('| explains the data | re-degraded residual ≤ 4% | blos lite | b.fits | 5.00% | **FAIL** |');
    expect(card).toContain(
      "| no streaks | added fine detail along one axis ≤ 3× the other | blos lite | b.fits | 1.40× (input's own 1.25×) | pass |",
    );
    // 1.02 flux, 0.9 weak, 5% residual (fail), 0.02% beyond cutoff, 1.4× streak index, 3.12% lite vs full (fail), contrast 7.02%.
    expect(card).toContain('| blos Enhance lite | 4 | 1 |');
    expect(card).toContain('| intensity Enhance lite | 0 | 1 |');
    const quietSun = renderModelCard({
      evaluation: { ...evaluation, continuum: [{ ...evaluation.continuum[0], image: HMI_QUIET_SUN_FILE }] },
      psf,
      figures: [],
      generatedAt: '2026-01-01',
      command: 'npm run evaluate',
    });
    expect(quietSun).toContain(
      `| quiet-Sun contrast ≈ 7% | σ/⟨I⟩ within 6.5%–7.5% | intensity lite | ${HMI_QUIET_SUN_FILE} | 7.02% | pass |`,
    );
  });

  it('shows what the magnetogram validation target itself does to flux and weak fields', () => {
    const withRatios = renderModelCard({
      evaluation: {
        ...evaluation,
        validation: [
          {
            kind: 'blos',
            image: 'frame3',
            inputSize: [100, 100],
            scores: [],
            fieldRatios: [
              { method: 'target 28 cm', fluxRatio: 1.049, weakFieldRatio: 1.165 },
              { method: 'Enhance full', fluxRatio: 1.1, weakFieldRatio: 1.3 },
            ],
          },
        ],
      },
      psf,
      figures: [],
      generatedAt: '2026-01-01',
      command: 'npm run evaluate',
    });
    expect(withRatios).toContain('| target 28 cm | 1.049 | 1.165 |');
    expect(withRatios).toContain('| Enhance full | 1.100 | 1.300 |');
    const withContrasts = renderModelCard({
      evaluation: {
        ...evaluation,
        validation: [
          {
            kind: 'intensity',
            image: 'block',
            inputSize: [75, 50],
            scores: [],
            contrasts: [
              { method: 'input', contrast: 0.0365 },
              { method: 'target 28 cm', contrast: 0.0871 },
            ],
          },
        ],
      },
      psf,
      figures: [],
      generatedAt: '2026-01-01',
      command: 'npm run evaluate',
    });
    expect(withContrasts).toContain('| contrast | 3.65% | 8.71% |');
    const withUmbra = renderModelCard({
      evaluation: {
        ...evaluation,
        validation: [
          {
            kind: 'intensity',
            image: 'spot',
            inputSize: [75, 50],
            scores: [],
            umbralChanges: [
              { method: 'target 28 cm', change: -0.217 },
              { method: 'Enhance full', change: -0.19 },
            ],
          },
        ],
      },
      psf,
      figures: [],
      generatedAt: '2026-01-01',
      command: 'npm run evaluate',
    });
    expect(withUmbra).toContain('| umbral change | -21.7% | -19.0% |');
  });

  it('warns when a network wrecks an umbra, with the computed change', () => {
    const wrecked = renderModelCard({
      evaluation: { ...evaluation, continuum: [{ ...evaluation.continuum[0], image: 'ar.fits', umbralChange: -2.5 }] },
      psf,
      figures: [],
      generatedAt: '2026-01-01',
      command: 'npm run evaluate',
    });
    expect(wrecked).toContain('Enhance lite changes the mean umbral intensity of ar.fits by -250.0%');
    expect(card).not.toContain('do not use it on sunspots');
  });

  it('flags untrained weights', () => {
    expect(card).toContain('untrained (random) weights');
    const trained = renderModelCard({
      evaluation: { ...evaluation, models: [{ ...evaluation.models[0], metadata: { trained: 'true' } }] },
      psf,
      figures: [],
      generatedAt: '2026-01-01',
      command: 'npm run evaluate',
    });
    expect(trained).not.toContain('untrained (random) weights');
  });

  it('says how each network was trained, from its own metadata', () => {
    const metadata = {
      training_recipe: JSON.stringify({
        loss: 'mean squared error + L2 on conv kernels (Keras style, λ·Σw²)',
        l2: 1e-5,
        optimizer: { learning_rate: 1e-4, warmup_steps: 100 },
        batch_size: 32,
      }),
      training_data: JSON.stringify({
        input_noise_sigma: 0.01,
        sunspot_scenes: 6,
        quiet_surroundings_scenes: 6,
        augmentation: { field_scale: { fraction: 0.5, scale: [0.02, 1] } },
        distilled_from: { file: '/w/checkpoints/run/teacher.onnx', sha256: 'abcdef0123456789' },
      }),
      training_compute_seconds: '5400',
    };
    expect(trainingRecipeOf(metadata)).toEqual([
      'Adam, lr 0.0001 (warm-up 100 steps), batch 32',
      'mean squared error + L2 on conv kernels (Keras style, λ·Σw²), λ 0.00001',
      'distilled from teacher.onnx (sha256 abcdef012345…)',
      '6 with synthetic sunspots, 6 with quiet surroundings',
      'field scale (50%: ×0.02–1)',
      '0.01',
      '1.50 h',
    ]);
    const truth = JSON.parse(metadata.training_data);
    delete truth.distilled_from;
    truth.input_noise_sigma = [0.003, 0.012];
    expect(trainingRecipeOf({ ...metadata, training_data: JSON.stringify(truth) })?.[2]).toBe('28 cm truth');
    expect(trainingRecipeOf({ ...metadata, training_data: JSON.stringify(truth) })?.[5]).toBe('0.003–0.012 per patch (log-uniform)');
    // A run that continued another model names it beside its own compute.
    const warm = {
      ...metadata,
      training_warm_start: JSON.stringify({ file: '/w/models/enhance-blos-lite.onnx', sha256: 'x', patchesSeen: 156800, steps: 4900 }),
    };
    expect(trainingRecipeOf(warm)?.[6]).toBe('1.50 h, from enhance-blos-lite.onnx (156,800 patches before)');
    // A converted or untrained model has no training record: no row, and no section for it.
    expect(trainingRecipeOf({ trained: 'false' })).toBeUndefined();
    expect(card).not.toContain('## How each network was trained');
    const trainedCard = renderModelCard({
      evaluation: { ...evaluation, models: [{ ...evaluation.models[0], metadata }] },
      psf,
      figures: [],
      generatedAt: '2026-01-01',
      command: 'npm run evaluate',
    });
    expect(trainedCard).toContain('| enhance-intensity-lite.onnx | Adam, lr 0.0001 (warm-up 100 steps), batch 32 |');
  });

  it("gives the 28 cm target's own re-degraded residual beside the networks', and says when it is beyond 4%", () => {
    const withResiduals: EnhanceEvaluation = {
      ...evaluation,
      validation: [
        ...evaluation.validation,
        {
          kind: 'blos',
          image: 'niris.fits',
          inputSize: [10, 10],
          scores: [],
          residuals: [
            { method: 'target 28 cm', residual: 0.0679 },
            { method: 'Enhance full', residual: 0.0882 },
          ],
        },
        {
          kind: 'blos',
          image: 'niris.fits with a synthetic sunspot',
          inputSize: [10, 10],
          scores: [],
          residuals: [{ method: 'target 28 cm', residual: 0.0552 }],
        },
      ],
    };
    const text = renderModelCard({ evaluation: withResiduals, psf, figures: [], generatedAt: '2026-01-01', command: 'npm run evaluate' });
    expect(text).toContain('| residual | 6.79% | 8.82% |');
    expect(text).toContain('the 28 cm truth itself, degraded the same way, leaves 5.52%–6.79% of its own noise-free input');
    // Below 4% there is nothing to say.
    const low = structuredClone(withResiduals);
    for (const v of low.validation) for (const r of v.residuals ?? []) r.residual = 0.01;
    expect(renderModelCard({ evaluation: low, psf, figures: [], generatedAt: '2026-01-01', command: 'x' })).not.toContain(
      'the 28 cm truth itself',
    );
  });
});
