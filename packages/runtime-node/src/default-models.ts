import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { modelFileName } from '@enhance/core';
import type { EnhanceKind, ModelPrecision, ModelVariant } from '@enhance/core';
import { runtimePackage } from './package-root.js';

/**
 * Where the trained models live: $ENHANCE_MODELS_DIR when set; else the package's own models/ folder,
 * which `npm pack` fills (an installed package); else the repository's models/ folder two levels above
 * the package (the workspace).
 */
export function modelsDirectory(packageRoot: string = runtimePackage().root): string {
  const fromEnvironment = process.env.ENHANCE_MODELS_DIR;
  if (fromEnvironment) return resolve(fromEnvironment);
  const packaged = resolve(packageRoot, 'models');
  if (existsSync(packaged)) return packaged;
  return resolve(packageRoot, '..', '..', 'models');
}

export function defaultModelPath(kind: EnhanceKind, variant: ModelVariant = 'full', precision: ModelPrecision = 'fp32'): string {
  return join(modelsDirectory(), modelFileName(kind, variant, precision));
}
