#!/usr/bin/env node
import { resolve } from 'node:path';
import { EnhanceError, REDEGRADE_MODEL_FILE } from '@enhance/core';
import { parseScriptArguments, writeFilesAtomically } from '@enhance/core/node';
import { redegradeModelForRecipe } from '../data/redegrade-model.js';

const HELP = `Usage: npm run export:redegrade -- [options]

Writes the quality check's model: the training degradation (HMI PSF, 99% of its energy, at 0.252"/px,
then the 2×2 mean) as ONNX, which the runtimes use for --qa / qa: true. Regenerate it whenever the
training recipe changes.

  --out FILE    where to write it (default models/${REDEGRADE_MODEL_FILE})
  -h, --help    this text
`;

const values = parseScriptArguments('export:redegrade', HELP, { out: { type: 'string', default: `models/${REDEGRADE_MODEL_FILE}` } });
try {
  const bytes = redegradeModelForRecipe();
  await writeFilesAtomically([{ path: resolve(values.out), bytes }], { overwrite: true });
  process.stderr.write(`wrote ${values.out} (${bytes.length} bytes)\n`);
} catch (error) {
  process.stderr.write(`export:redegrade: ${EnhanceError.isInstance(error) ? `${error.code}: ${error.message}` : String(error)}\n`);
  process.exitCode = 1;
}
