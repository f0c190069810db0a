import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InferenceSession, Tensor, env } from 'onnxruntime-node';
import { EnhancerError } from '@enhance/core';
import type { ConcreteDevice, EnhanceBackend, EnhanceKind, ModelPrecision, ModelVariant } from '@enhance/core';
import { cudaProviderInstalled } from './cuda-provider.js';
import { defaultModelPath, modelsDirectory } from './default-models.js';

// onnxruntime's native logger writes straight to stderr (a missing CUDA library prints a multi-line
// error even when the fallback to CPU works). Every failure also reaches us as a JS error, which the
// enhancer reports once, so only fatal native messages are let through.
if (env.logLevel === 'warning') env.logLevel = 'fatal';

export const nodeBackend: EnhanceBackend = Object.freeze({
  platform: 'node' as const,
  InferenceSession,
  Tensor,
  loadModel: (path: string) => readModelFile(path),
  // Without this, 'auto' on every CPU-only install would try CUDA and warn that its library is missing.
  notInstalled: (device: ConcreteDevice) =>
    device === 'cuda' && !cudaProviderInstalled()
      ? "onnxruntime-node's CUDA provider is not installed (see the README: GPU (CUDA) opt-in)"
      : undefined,
  loadDefaultModel(kind: EnhanceKind, variant: ModelVariant, precision: ModelPrecision = 'fp32') {
    return readInstalledFile(defaultModelPath(kind, variant, precision), () => modelNotInstalledError(kind, variant, precision));
  },
  loadSupportFile(name: string) {
    const path = join(modelsDirectory(), name);
    return readInstalledFile(
      path,
      () =>
        new EnhancerError({
          code: 'MODEL_NOT_INSTALLED',
          file: path,
          message: `${name} is not installed beside the models (npm run export:redegrade writes the quality check's model, npm run evaluate its reference)`,
          details: { name, path },
        }),
    );
  },
});

/** The refusal when no trained model of a kind, variant and precision is installed: the library's and every command's words. */
export function modelNotInstalledError(kind: EnhanceKind, variant: ModelVariant, precision: ModelPrecision = 'fp32'): EnhancerError {
  const path = defaultModelPath(kind, variant, precision);
  return new EnhancerError({
    code: 'MODEL_NOT_INSTALLED',
    file: path,
    message: `no trained ${kind} model (${variant}${precision === 'fp32' ? '' : `, ${precision}`}) is installed; give a model file (the 'model' option, or --model on the command line)${precision === 'fp32' ? '' : `, or regenerate the ${precision} models with npm run quantize`}`,
    details: { kind, variant, precision, path },
  });
}

/** A file that ships with the package: missing is MODEL_NOT_INSTALLED (the error `missing` makes), unreadable is MODEL_IO. */
async function readInstalledFile(path: string, missing: () => EnhancerError) {
  try {
    return { bytes: new Uint8Array(await readFile(path)), source: path };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw modelReadError(path, error);
    throw missing();
  }
}

async function readModelFile(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (error) {
    throw modelReadError(path, error);
  }
}

function modelReadError(path: string, error: unknown): EnhancerError {
  const code = (error as NodeJS.ErrnoException).code;
  const reason =
    code === 'ENOENT'
      ? 'no such model file'
      : code === 'EISDIR'
        ? 'is a directory, not a model file'
        : `cannot read the model (${code ?? String(error)})`;
  return new EnhancerError({ code: 'MODEL_NOT_FOUND', file: path, message: reason, cause: error, details: { path } });
}
