import { QuantizationError } from './quantization-error.js';
import type { ActivationRange } from './quantization-parameters.js';

/**
 * How the range of each activation is chosen from calibration:
 * - 'minmax': everything seen is representable; one outlier stretches the grid for every other value.
 * - 'percentile': the range keeps the central `percentile`% of the values (both tails cut equally for
 *   a signed tensor, the top only for a non-negative one); values beyond saturate.
 */
export type CalibrationMethod = 'minmax' | 'percentile';
export const CALIBRATION_METHODS: readonly CalibrationMethod[] = Object.freeze(['minmax', 'percentile']);

export interface CalibrationMethodOptions {
  method: CalibrationMethod;
  /** For 'percentile': the share of values kept, in percent (default 99.99). */
  percentile?: number;
}

const HISTOGRAM_BINS = 8192;

/**
 * Per-tensor value statistics gathered over calibration batches, in two passes: the first finds each
 * tensor's extremes, the second fills a fixed histogram over them (so percentiles need no stored
 * values). `observe` is called with the same tensors in both passes.
 */
export class ActivationStatistics {
  private readonly extremes = new Map<string, { min: number; max: number; count: number }>();
  private readonly histograms = new Map<string, Float64Array>();
  private readonly channelSums = new Map<string, { sums: Float64Array; count: number }>();
  private pass: 'extremes' | 'histogram' = 'extremes';

  /** Ends the first pass; every later `observe` fills histograms. */
  startHistogramPass(): void {
    this.pass = 'histogram';
  }

  get names(): string[] {
    return [...this.extremes.keys()];
  }

  /** `dims` [N, C, H, W] (NCHW) makes the first pass also sum each channel, for `channelMeans`. */
  observe(name: string, values: ArrayLike<number>, dims?: readonly number[]): void {
    if (this.pass === 'extremes') {
      if (dims && dims.length === 4) this.sumChannels(name, values, dims);
      const entry = this.extremes.get(name) ?? { min: Number.POSITIVE_INFINITY, max: Number.NEGATIVE_INFINITY, count: 0 };
      for (let i = 0; i < values.length; i++) {
        const v = values[i];
        if (!Number.isFinite(v)) {
          throw new QuantizationError({
            code: 'QUANTIZE_CALIBRATION',
            message: `'${name}' took the non-finite value ${v} in calibration`,
            details: { name },
          });
        }
        if (v < entry.min) entry.min = v;
        if (v > entry.max) entry.max = v;
      }
      entry.count += values.length;
      this.extremes.set(name, entry);
      return;
    }
    const entry = this.extremes.get(name);
    if (!entry) {
      throw new QuantizationError({
        code: 'QUANTIZE_CALIBRATION',
        message: `'${name}' was not seen in the first calibration pass`,
        details: { name },
      });
    }
    let histogram = this.histograms.get(name);
    if (!histogram) this.histograms.set(name, (histogram = new Float64Array(HISTOGRAM_BINS)));
    const width = (entry.max - entry.min) / HISTOGRAM_BINS;
    if (!(width > 0)) {
      histogram[0] += values.length;
      return;
    }
    for (let i = 0; i < values.length; i++) {
      const bin = Math.min(HISTOGRAM_BINS - 1, Math.max(0, Math.floor((values[i] - entry.min) / width)));
      histogram[bin]++;
    }
  }

  /** The range of `name` under `method`; 'percentile' needs the histogram pass. */
  range(name: string, { method, percentile = 99.99 }: CalibrationMethodOptions): ActivationRange {
    const entry = this.extremes.get(name);
    if (!entry) {
      throw new QuantizationError({
        code: 'QUANTIZE_CALIBRATION',
        message: `no calibration values for '${name}'`,
        details: { name, known: this.names },
      });
    }
    if (method === 'minmax') return { min: entry.min, max: entry.max };
    if (!(percentile > 50 && percentile <= 100)) {
      throw new QuantizationError({
        code: 'QUANTIZE_OPTION',
        message: `percentile = ${percentile} is invalid: expected a number in (50, 100]`,
        details: { percentile },
      });
    }
    const histogram = this.histograms.get(name);
    if (!histogram) {
      throw new QuantizationError({
        code: 'QUANTIZE_CALIBRATION',
        message: `'${name}' has no histogram: run the second calibration pass`,
        details: { name },
      });
    }
    const width = (entry.max - entry.min) / HISTOGRAM_BINS;
    if (!(width > 0)) return { min: entry.min, max: entry.max };
    const signed = entry.min < 0 && entry.max > 0;
    const cut = ((1 - percentile / 100) * entry.count) / (signed ? 2 : 1);
    let max = entry.max;
    for (let bin = HISTOGRAM_BINS - 1, above = 0; bin >= 0; bin--) {
      above += histogram[bin];
      if (above > cut) {
        max = entry.min + (bin + 1) * width;
        break;
      }
    }
    let min = entry.min;
    if (signed) {
      for (let bin = 0, below = 0; bin < HISTOGRAM_BINS; bin++) {
        below += histogram[bin];
        if (below > cut) {
          min = entry.min + bin * width;
          break;
        }
      }
    }
    return { min, max };
  }

  private sumChannels(name: string, values: ArrayLike<number>, [batch, channels, height, width]: readonly number[]): void {
    let entry = this.channelSums.get(name);
    if (!entry) this.channelSums.set(name, (entry = { sums: new Float64Array(channels), count: 0 }));
    if (entry.sums.length !== channels) {
      throw new QuantizationError({
        code: 'QUANTIZE_CALIBRATION',
        message: `'${name}' had ${entry.sums.length} channels, now ${channels}`,
        details: { name },
      });
    }
    const plane = height * width;
    for (let n = 0; n < batch; n++) {
      for (let c = 0; c < channels; c++) {
        let sum = 0;
        const start = (n * channels + c) * plane;
        for (let i = start; i < start + plane; i++) sum += values[i];
        entry.sums[c] += sum;
      }
    }
    entry.count += batch * plane;
  }

  /** Mean of each channel of every tensor observed with NCHW dims. */
  channelMeans(): Map<string, Float64Array> {
    return new Map([...this.channelSums].map(([name, { sums, count }]) => [name, sums.map((sum) => sum / count)]));
  }

  /** Extremes and value count of every tensor (for reports and metadata). */
  summary(): Record<string, { min: number; max: number; count: number }> {
    return Object.fromEntries([...this.extremes].map(([name, entry]) => [name, { ...entry }]));
  }
}
