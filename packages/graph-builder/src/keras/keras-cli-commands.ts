import { access, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ENHANCE_KINDS, type EnhanceKind } from '@enhance/core';
import { CliFileError, CliUsageError, parsedCommand, writeFileAtomically, writeFilesAtomically, type CliCommand } from '@enhance/core/node';
import { convertKerasWeights, type KerasConversionReport } from './convert-keras-weights.js';
import { exportKerasWeights, type KerasExportLayout } from './export-keras-weights.js';
import { KerasConversionError } from './keras-conversion-error.js';

const usageError = (message: string) => new CliUsageError({ message });

async function readInput(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliFileError({
      code: 'CLI_IO',
      file: path,
      message: code === 'ENOENT' ? 'no such file' : `cannot read (${code})`,
      cause: error,
    });
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

async function refuseOverwrite(paths: readonly string[], force: boolean): Promise<void> {
  if (force) return;
  for (const path of paths) {
    if (await exists(path)) {
      throw new KerasConversionError({ message: 'exists; pass --force to overwrite it', code: 'KERAS_OUTPUT_EXISTS', file: path });
    }
  }
}

function parseKind(value: string | undefined): EnhanceKind | undefined {
  if (value === undefined) return undefined;
  const kind = ENHANCE_KINDS.find((k) => k === value);
  if (!kind) throw usageError(`--kind ${JSON.stringify(value)}: expected one of ${ENHANCE_KINDS.join(', ')}`);
  return kind;
}

const ARCHITECTURE_SOURCE_TEXT: Readonly<Record<KerasConversionReport['architectureSource'], string>> = Object.freeze({
  model_json: 'from the model JSON',
  model_config: "from the file's model_config",
  inferred: 'inferred from the weights',
});

export function formatConversionReport(report: KerasConversionReport): string {
  const lines = [
    `source       ${report.fileName} (${report.byteLength} bytes, sha256 ${report.sha256})`,
    `keras        ${report.kerasVersion ?? '(not stated)'}, ${report.backend ?? 'backend not stated'}, ${report.layout} layout`,
    `network      ${report.kind}: ${report.architecture.depth} blocks × ${report.architecture.filters} filters (${ARCHITECTURE_SOURCE_TEXT[report.architectureSource]}), BN epsilon ${report.epsilon}`,
    `layers       ${report.layers.length} weighted layers matched by ${report.layersMatchedBy}, ${report.parameterCount} parameters`,
    ...report.warnings.map((warning) => `warning      ${warning}`),
  ];
  return lines.join('\n');
}

const convertUsage = `Usage: convert --keras <weights.hdf5> [--model-json <model.json>] [--kind intensity|blos] -o <model.onnx> [--force] [--json]

Converts original Enhance Keras 2 weights (save_weights or full-model save, HDF5) to an Enhance ONNX model,
without Python. The architecture comes from --model-json, else the file's own model_config, else it is
inferred from the layer names and weight shapes. The kind is taken from --kind, else from the training
noise in the model JSON (σ 1e-3 intensity, 1e-2 blos), else from the file name.

  --keras        the Keras HDF5 weight file
  --model-json   the model description (model.to_json()), e.g. intensity_model.json
  --kind         intensity | blos
  -o, --output   the ONNX file to write
  --force        overwrite an existing output
  --json         print the conversion report as JSON`;

export const kerasConvertCommand: CliCommand = parsedCommand({
  name: 'convert',
  summary: 'convert original Keras Enhance weights (HDF5) to ONNX',
  usage: convertUsage,
  options: {
    keras: { type: 'string' },
    'model-json': { type: 'string' },
    kind: { type: 'string' },
    output: { type: 'string', short: 'o' },
    force: { type: 'boolean' },
    json: { type: 'boolean' },
  },
  async run({ values, positionals }, io) {
    if (positionals.length > 0) throw usageError(`unexpected argument ${JSON.stringify(positionals[0])} (the weights go after --keras)`);
    const kerasPath = values.keras as string | undefined;
    const output = values.output as string | undefined;
    if (!kerasPath) throw usageError('--keras <weights.hdf5> is required');
    if (!output) throw usageError('-o <model.onnx> is required');
    const kind = parseKind(values.kind as string | undefined);
    const force = values.force === true;
    // Checked before the work and again, race-free, when the file is linked into place.
    await refuseOverwrite([output], force);
    const hdf5 = await readInput(kerasPath);
    const modelJsonPath = values['model-json'] as string | undefined;
    const modelJson = modelJsonPath === undefined ? undefined : new TextDecoder().decode(await readInput(modelJsonPath));
    const { onnx, report } = await convertKerasWeights({ hdf5, modelJson, kind, fileName: kerasPath, modelJsonFileName: modelJsonPath });
    await writeFileAtomically(output, onnx, { overwrite: force });
    io.stdout.write(
      values.json
        ? `${JSON.stringify({ output, ...report })}\n`
        : `${formatConversionReport(report)}\nwrote        ${output} (${onnx.length} bytes)\n`,
    );
    return 0;
  },
});

const exportUsage = `Usage: export-keras <model.onnx> -o <dir/> [--layout save_weights|full_model] [--force]

Writes an Enhance ONNX model back as the original Keras 2 files: <kind>_weights.hdf5 (save_weights
layout, what the original enhance.py loads with model.load_weights) and <kind>_model.json (model.to_json()).
With --layout full_model the HDF5 is a full-model save (model_weights/ and a model_config attribute).

  -o, --output   the folder to write into (created if missing)
  --layout       save_weights (default) | full_model
  --force        overwrite existing files`;

export const kerasExportCommand: CliCommand = parsedCommand({
  name: 'export-keras',
  summary: 'write an Enhance ONNX model as Keras 2 weights (HDF5) and model JSON',
  usage: exportUsage,
  options: {
    output: { type: 'string', short: 'o' },
    layout: { type: 'string' },
    force: { type: 'boolean' },
  },
  async run({ values, positionals }, io) {
    if (positionals.length !== 1) throw usageError(`expected one ONNX model, got ${positionals.length}`);
    const outputDir = values.output as string | undefined;
    if (!outputDir) throw usageError('-o <dir/> is required');
    const layout = (values.layout ?? 'save_weights') as string;
    if (layout !== 'save_weights' && layout !== 'full_model')
      throw usageError(`--layout ${JSON.stringify(layout)}: expected save_weights or full_model`);
    const onnxPath = positionals[0];
    const onnx = await readInput(onnxPath);
    const exported = await exportKerasWeights({ onnx, fileName: onnxPath, layout: layout as KerasExportLayout });
    const weightsPath = join(outputDir, exported.weightsFileName);
    const jsonPath = join(outputDir, exported.modelJsonFileName);
    const force = values.force === true;
    await refuseOverwrite([weightsPath, jsonPath], force);
    await mkdir(outputDir, { recursive: true });
    await writeFilesAtomically(
      [
        { path: weightsPath, bytes: exported.hdf5 },
        { path: jsonPath, bytes: exported.modelJson },
      ],
      { overwrite: force },
    );
    io.stdout.write(
      `wrote ${weightsPath} (${exported.hdf5.length} bytes) and ${jsonPath}: ${exported.kind}, ${exported.architecture.depth} blocks × ${exported.architecture.filters} filters\n`,
    );
    return 0;
  },
});

/** The Keras subcommands, for `enhance-graph` and `enhance` to register. */
export const KERAS_CLI_COMMANDS: readonly CliCommand[] = Object.freeze([kerasConvertCommand, kerasExportCommand]);
