import { existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { modelFileName } from '@enhance/core';
import type { EnhanceKind, ModelPrecision, ModelVariant } from '@enhance/core';
import { runtimePackage } from './package-root.js';

/**
 * Where the trained models live: $ENHANCE_MODELS_DIR when set; in the workspace (the package sits in
 * packages/ beside the repository's models/), the repository's models/ — a copy that `npm pack` left in
 * the package's own folder must never shadow models trained or evaluated since; else the package's own
 * models/, which `npm pack` fills (an installed package).
 */
export function modelsDirectory(packageRoot: string = runtimePackage().root): string {
  const fromEnvironment = process.env.ENHANCE_MODELS_DIR;
  if (fromEnvironment) return resolve(fromEnvironment);
  const repository = resolve(packageRoot, '..', '..', 'models');
  if (basename(dirname(resolve(packageRoot))) === 'packages' && existsSync(repository)) return repository;
  const packaged = resolve(packageRoot, 'models');
  if (existsSync(packaged)) return packaged;
  return repository;
}

export function defaultModelPath(kind: EnhanceKind, variant: ModelVariant = 'full', precision: ModelPrecision = 'fp32'): string {
  return join(modelsDirectory(), modelFileName(kind, variant, precision));
}
