import { describe, expect, it } from 'vitest';
import { qaReferenceFile, type QualityEvaluation } from './evaluate-quality.js';
import { renderQualitySection } from './model-card-quality.js';

const qaReal: QualityEvaluation['qaReal'] = [
  {
    kind: 'intensity',
    variant: 'full',
    model: 'enhance-intensity.onnx',
    sha256: 'aa',
    image: 'a.fits',
    relativeResidual: 0.004,
    residualP99: 0.02,
    noiseSigma: 0.003,
    fractionAbove3Sigma: 0.2,
    networkSeconds: 2,
    qaSeconds: 0.5,
  },
  {
    kind: 'intensity',
    variant: 'full',
    model: 'enhance-intensity.onnx',
    sha256: 'aa',
    image: 'b.fits',
    relativeResidual: 0.0076,
    residualP99: 0.03,
    noiseSigma: 0.004,
    fractionAbove3Sigma: 0.25,
    networkSeconds: 3,
    qaSeconds: 0.6,
  },
  {
    kind: 'blos',
    variant: 'lite',
    model: 'enhance-blos-lite.onnx',
    sha256: 'bb',
    image: 'c.fits',
    relativeResidual: 0.12,
    residualP99: 40,
    noiseSigma: 8,
    fractionAbove3Sigma: 0.3,
    networkSeconds: 1,
    qaSeconds: 0.4,
  },
];

describe('qaReferenceFile', () => {
  it("keeps each model's largest real-data residual, keyed by the model's SHA-256", () => {
    const file = qaReferenceFile(qaReal, 'npm run evaluate');
    expect(file.models.map((m) => [m.sha256, m.file, m.maxRelativeResidual, m.images.length])).toEqual([
      ['aa', 'enhance-intensity.onnx', 0.0076, 2],
      ['bb', 'enhance-blos-lite.onnx', 0.12, 1],
    ]);
    expect(file.generatedBy).toBe('npm run evaluate');
  });
});

describe('renderQualitySection', () => {
  it('puts the measured numbers in the card: residuals, TTA against tta 1, limb bins', () => {
    const quality: QualityEvaluation = {
      qaReal,
      tta: [
        {
          kind: 'intensity',
          variant: 'full',
          set: 'validation',
          image: 'v',
          tta: 1,
          seconds: 1,
          relativeRmsError: 0.02,
          beyondCutoff: 1e-5,
          streakIndex: 1.2,
        },
        {
          kind: 'intensity',
          variant: 'full',
          set: 'validation',
          image: 'v',
          tta: 8,
          seconds: 8,
          relativeRmsError: 0.019,
          beyondCutoff: 1e-5,
          streakIndex: 1.1,
          relativeSpread: 0.002,
        },
      ],
      limb: [
        {
          variant: 'full',
          image: 'synthetic full disk: strip',
          mode: 'plain (full-frame level)',
          levelOverCentre: 0.93,
          bins: [
            {
              mu: [0.05, 0.15],
              pixels: 10,
              relativeRmsError: 0.022,
              contrast: 0.03,
              targetContrast: 0.028,
              inputContrast: 0.02,
              residual: 0.01,
            },
          ],
          limbRinging: 0.0135,
          skyExcess: -0.005,
        },
      ],
    };
    const text = renderQualitySection(quality).join('\n');
    expect(text).toContain('| intensity full | b.fits | 0.76% |');
    expect(text).toContain('tta 8: validation error -5.0% (mean relative change)');
    expect(text).toContain('8.0× the time');
    expect(text).toContain('| plain (full-frame level) | 0.05–0.15 | 0.930 | 0.0220 | 3.00% | 2.80% | 2.00% | 1.00% | 0.0135 | -0.0050 |');
  });
});
