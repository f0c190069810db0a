import { describe, expect, it } from 'vitest';
import { FitsHeader } from '@enhance/core';
import type { EnhanceResult, SolarImage } from '@enhance/core';
import { fromTransferredQuality, qualityOptionsOf, toTransferredQuality } from './quality-transfer.js';

describe('quality results across the worker boundary', () => {
  const header = new FitsHeader([{ key: 'BUNIT', value: 'DN/s' }]);
  const residual = { data: Float32Array.from([0.5, Number.NaN, -1, 2]), width: 2, height: 2, header };
  const spread = { data: Float32Array.from({ length: 16 }, (_, i) => i / 10), width: 4, height: 4, header };
  const summary = {
    relativeResidual: 0.004,
    meanAbsoluteResidual: 1,
    residualP99: 2,
    noiseSigma: 0.5,
    fractionAbove3Sigma: 0.1,
    pixels: 3,
    reference: null,
    exceedsReference: false,
  };
  const result = {
    image: spread,
    device: 'wasm',
    scale: 1,
    tiles: 1,
    tilesSkipped: 0,
    timeMs: 1,
    tta: 4 as const,
    limbNormalisation: { applied: false as const, reason: "limbNormalisation is 'off'" },
    qa: { residual, summary },
    spread,
  } as EnhanceResult<SolarImage>;

  it('survives structured clone with its pixel buffers transferred, and comes back with headers', () => {
    const { quality, transfer } = toTransferredQuality(result);
    expect(transfer).toEqual([residual.data.buffer, spread.data.buffer]);
    const back = fromTransferredQuality(structuredClone(quality));
    expect(back.tta).toBe(4);
    expect(back.limbNormalisation).toEqual(result.limbNormalisation);
    expect(back.qa!.summary).toEqual(summary);
    expect(Array.from(back.qa!.residual.data)).toEqual(Array.from(residual.data));
    expect((back.qa!.residual as SolarImage).header.getString('BUNIT')).toBe('DN/s');
    expect(Array.from(back.spread!.data)).toEqual(Array.from(spread.data));
  });

  it('carries only the quality options a run gave', () => {
    expect(qualityOptionsOf({ qa: true, tta: 8 })).toEqual({ qa: true, tta: 8 });
    expect(qualityOptionsOf({})).toEqual({});
    expect(qualityOptionsOf({ limbNormalisation: 'auto', onProgress: () => undefined } as never)).toEqual({ limbNormalisation: 'auto' });
  });
});
