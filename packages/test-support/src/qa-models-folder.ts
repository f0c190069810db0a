import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sha256Hex } from '@enhance/core';

const shippedRedegradeModel = fileURLToPath(new URL('../../../models/hmi-redegrade.onnx', import.meta.url));

/**
 * Makes `folder` a models folder for the quality check: the shipped re-degradation model and, with
 * `maxRelativeResidual`, a qa-reference.json that gives `model` (an intensity lite model) that residual.
 */
export function writeQaModelsFolder(folder: string, model: Uint8Array, maxRelativeResidual?: number): string {
  mkdirSync(folder, { recursive: true });
  copyFileSync(shippedRedegradeModel, join(folder, 'hmi-redegrade.onnx'));
  if (maxRelativeResidual !== undefined) {
    const images = [{ image: 'real.fits', relativeResidual: maxRelativeResidual, fractionAbove3Sigma: 0 }];
    writeFileSync(
      join(folder, 'qa-reference.json'),
      JSON.stringify({
        generatedBy: 'test',
        definition: 'test',
        models: [{ file: 'random.onnx', sha256: sha256Hex(model), kind: 'intensity', variant: 'lite', maxRelativeResidual, images }],
      }),
    );
  }
  return folder;
}
