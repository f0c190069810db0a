import * as ort from 'onnxruntime-node';
import { GraphBuilder } from '@enhance/graph-builder';
import type { ImagePlane } from '../physics/image-plane.js';
import { EvaluationError } from './evaluation-error.js';

/** A ×2 method applied to one image: H×W in, 2H×2W out. */
export interface ImageMethod {
  readonly name: string;
  run(image: ImagePlane): Promise<ImagePlane>;
  release(): Promise<void>;
}

/**
 * Wraps an ONNX model with one [N|1, 1, H, W] float32 input and one output as an ImageMethod, run by
 * onnxruntime-node on the CPU.
 */
export async function onnxImageMethod(name: string, model: Uint8Array | string, options: { threads?: number } = {}): Promise<ImageMethod> {
  const file = typeof model === 'string' ? model : undefined;
  let session: ort.InferenceSession;
  try {
    const sessionOptions: ort.InferenceSession.SessionOptions = { executionProviders: ['cpu'], intraOpNumThreads: options.threads ?? 2 };
    session =
      typeof model === 'string'
        ? await ort.InferenceSession.create(model, sessionOptions)
        : await ort.InferenceSession.create(model, sessionOptions);
  } catch (cause) {
    throw new EvaluationError({ message: `cannot load the ${name} model`, code: 'EVALUATION_MODEL', file, cause });
  }
  const [inputName] = session.inputNames;
  const [outputName] = session.outputNames;
  return {
    name,
    async run(image) {
      const feed = { [inputName]: new ort.Tensor('float32', Float32Array.from(image.data), [1, 1, image.height, image.width]) };
      const result = (await session.run(feed))[outputName];
      const [, , height, width] = result.dims;
      if (width !== 2 * image.width || height !== 2 * image.height) {
        throw new EvaluationError({
          message: `${name}: a ${image.width}×${image.height} input gave ${width}×${height}, expected ${2 * image.width}×${2 * image.height}`,
          code: 'EVALUATION_MODEL',
          file,
        });
      }
      return { width, height, data: Float64Array.from(result.data as Float32Array) };
    },
    release: () => session.release(),
  };
}

/**
 * Bicubic ×2 as an ONNX Resize: Keys' cubic convolution with a = −0.5 (the classic bicubic), pixel
 * centres at half-pixel positions (a pixel's centre stays put in sky coordinates).
 */
export function createBicubicModel(): Uint8Array {
  const b = new GraphBuilder();
  const image = b.input('image', { dataType: 'float32', shape: ['N', 1, 'H', 'W'] });
  const upsampled = b.resize(image, {
    scales: [1, 1, 2, 2],
    mode: 'cubic',
    cubicCoeffA: -0.5,
    coordinateTransformationMode: 'half_pixel',
    label: 'bicubic',
  });
  return b.build({ outputs: { upsampled }, graphName: 'bicubic_x2', producerName: '@enhance/training' });
}

/** Bilinear ×2 (half-pixel centres), to bring an input onto an output grid for pixel-by-pixel comparisons. */
export function createBilinearModel(): Uint8Array {
  const b = new GraphBuilder();
  const image = b.input('image', { dataType: 'float32', shape: ['N', 1, 'H', 'W'] });
  const upsampled = b.resize(image, {
    scales: [1, 1, 2, 2],
    mode: 'linear',
    coordinateTransformationMode: 'half_pixel',
    label: 'bilinear',
  });
  return b.build({ outputs: { upsampled }, graphName: 'bilinear_x2', producerName: '@enhance/training' });
}
