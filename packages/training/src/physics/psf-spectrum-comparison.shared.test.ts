import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { comparePsfSpectra } from './psf-spectrum-comparison.js';

const sharedDir = fileURLToPath(new URL('../../../../../shared', import.meta.url));

describe('paper Fig. 4: degraded MURaM against HMI quiet Sun', () => {
  it("the paper's PSF matches HMI's spectrum better than Wachter's, which leaves stronger tails", async () => {
    const result = await comparePsfSpectra(sharedDir);
    expect(result.better).toBe('paper');
    expect(result.rmsLogRatio.paper).toBeLessThan(result.rmsLogRatio.wachter);
    // Wachter's narrower core leaves more power near Nyquist (the paper's reason to widen it).
    const last = (s: { frequency: Float64Array; power: Float64Array }) => s.power[s.frequency.findIndex((f) => f >= 0.45)];
    expect(last(result.degraded.wachter)).toBeGreaterThan(last(result.degraded.paper));
    // numpy on the calibration patch: std/mean = 0.0377.
    expect(result.contrast.hmi).toBeCloseTo(0.0377, 4);
    expect(result.hmiImage.width).toBe(130);
    expect(result.degradedImages.paper.width).toBe(131);
  });
});
