import * as ort from 'onnxruntime-node';
import { GraphBuilder, createRandom } from '@enhance/graph-builder';
import { HMI_PSF_PAPER } from './psf.js';
import { convolvePlane } from './convolve.js';
import { samplePsfKernel } from './psf-kernel.js';

export interface ConvolutionTiming {
  readonly imageSize: number;
  readonly kernelSize: number;
  /** Milliseconds for a reflect Pad + Conv graph on onnxruntime-node (CPU), second run; undefined when skipped. */
  readonly onnxConvMs?: number;
  /** Milliseconds for convolvePlane (TypeScript FFT). */
  readonly fftMs: number;
}

/**
 * Times the two ways to convolve with an HMI kernel (paper's PSF at 0.252"/px, 95% and 99% of its
 * energy): the measurement behind the choice of the FFT for degradation and ONNX Conv for
 * Richardson–Lucy. `onnxLimit` skips Conv runs above that many multiply-adds.
 */
export async function measureConvolutionTimings(options: { threads?: number; onnxLimit?: number } = {}): Promise<ConvolutionTiming[]> {
  const { threads = 2, onnxLimit = 2e10 } = options;
  const random = createRandom(1);
  const timings: ConvolutionTiming[] = [];
  for (const [imageSize, energyFraction] of [
    [256, 0.95],
    [512, 0.95],
    [256, 0.99],
    [1000, 0.99],
  ] as const) {
    const kernel = samplePsfKernel(HMI_PSF_PAPER, {
      pixelScaleArcsec: imageSize === 1000 ? 0.0662 : 0.252,
      energyFraction,
      maxRadiusPx: imageSize / 2,
    });
    const image = { width: imageSize, height: imageSize, data: Float64Array.from({ length: imageSize * imageSize }, () => random()) };
    let onnxConvMs: number | undefined;
    if (imageSize * imageSize * kernel.width * kernel.width <= onnxLimit) {
      const r = kernel.radiusPx;
      const b = new GraphBuilder();
      const x = b.input('x', { dataType: 'float32', shape: [1, 1, imageSize, imageSize] });
      const w = b.initializer('w', Float32Array.from(kernel.data), [1, 1, kernel.width, kernel.width]);
      const y = b.conv(b.pad(x, { pads: [0, 0, r, r, 0, 0, r, r], mode: 'reflect' }), w);
      const session = await ort.InferenceSession.create(b.build({ outputs: { y } }), {
        executionProviders: ['cpu'],
        intraOpNumThreads: threads,
      });
      const feed = { x: new ort.Tensor('float32', Float32Array.from(image.data), [1, 1, imageSize, imageSize]) };
      await session.run(feed);
      const start = performance.now();
      await session.run(feed);
      onnxConvMs = performance.now() - start;
      await session.release();
    }
    const start = performance.now();
    convolvePlane(image, kernel, imageSize === 1000 ? 'periodic' : 'reflect');
    timings.push({ imageSize, kernelSize: kernel.width, onnxConvMs, fftMs: performance.now() - start });
  }
  return timings;
}
