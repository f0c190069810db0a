import { join, resolve } from 'node:path';
import { modelFileName } from '@enhance/core';
import type { EnhanceKind, ModelVariant } from '@enhance/core';
import { runtimePackage } from './package-root.js';

/**
 * Where the trained models live: $ENHANCE_MODELS_DIR when set, else the repository's models/ folder
 * (two levels above this package, as laid out in the workspace).
 */
export function modelsDirectory(): string {
  const fromEnvironment = process.env.ENHANCE_MODELS_DIR;
  if (fromEnvironment) return resolve(fromEnvironment);
  return resolve(runtimePackage().root, '..', '..', 'models');
}

export function defaultModelPath(kind: EnhanceKind, variant: ModelVariant = 'full'): string {
  return join(modelsDirectory(), modelFileName(kind, variant));
}
