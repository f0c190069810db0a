import type { InferenceSession } from 'onnxruntime-common';
import { SCALE_FACTOR } from '../kinds.js';
import type { EnhanceBackend } from './enhance-backend.js';
import { EnhancerError } from './enhancer-errors.js';
import type { NetworkRun } from './run-tiles.js';

/**
 * The session as a function of one plane, after checking that the model has one input and one output
 * (else the session is released and MODEL_IO thrown); each run checks the output's shape too.
 */
export async function networkRunner(backend: EnhanceBackend, session: InferenceSession, source: string): Promise<NetworkRun> {
  const inputName = session.inputNames[0];
  const outputName = session.outputNames[0];
  if (session.inputNames.length !== 1 || session.outputNames.length !== 1) {
    await session.release();
    throw new EnhancerError({
      code: 'MODEL_IO',
      file: source,
      message: `expected one input and one output, found inputs [${session.inputNames.join(', ')}] and outputs [${session.outputNames.join(', ')}]`,
      details: { inputs: session.inputNames, outputs: session.outputNames },
    });
  }
  return async (input) => {
    const feeds = { [inputName]: new backend.Tensor('float32', input.data, [1, 1, input.height, input.width]) };
    const results = await session.run(feeds);
    const result = results[outputName];
    const expectedDims = [1, 1, input.height * SCALE_FACTOR, input.width * SCALE_FACTOR];
    if (result.dims.length !== 4 || result.dims.some((dim, axis) => dim !== expectedDims[axis])) {
      throw new EnhancerError({
        code: 'MODEL_IO',
        file: source,
        message: `output '${outputName}' has shape [${result.dims.join(', ')}] for an input of [1, 1, ${input.height}, ${input.width}]: expected [${expectedDims.join(', ')}]`,
        details: { inputDims: [1, 1, input.height, input.width], outputDims: result.dims },
      });
    }
    const values = ((await result.getData()) as Float32Array).slice();
    result.dispose();
    return values;
  };
}
