import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import {
  EnhanceError,
  detectEnhanceKind,
  devicesFor,
  kindFromData,
  qualityExtensions,
  readFits,
  renderEnhancePreview,
  validateForEnhance,
  writeFits,
} from '@enhance/core';
import type { EnhanceKind, FitsHeader, KindDetection } from '@enhance/core';
import { createEnhancer } from '../create-enhancer.js';
import { PRECISION_USAGE } from './parse-precision.js';
import { runtimePackage } from '../package-root.js';
import { CliFileError, CliUsageError, exitOnInterrupt, parsedCommand, writeFilesAtomically, type CliCommand } from '@enhance/core/node';
import { checkOutputs } from './check-outputs.js';
import {
  DEVICE_OPTIONS,
  MODEL_OPTIONS,
  NUMERIC_OPTIONS,
  enhanceOptions,
  enhancerOptions,
  parseEnhanceSettings,
} from './enhance-settings.js';
import { createProgressBar } from './progress-bar.js';
import { checkQualityCheckInstalled, qualitySummary, qualityUsage } from './quality-flags.js';
import { scaleForImage } from './scale-for-image.js';

const NODE_DEVICES = devicesFor('node');

const usage = `Usage: enhance run <in.fits> -o <out.fits> [options]

Deconvolves and super-resolves (×2) an HMI continuum image or magnetogram.

Options:
  -o, --output <file>     output FITS file (required; never overwritten without --force, even if
                          another run creates it meanwhile)
  --kind <kind>           intensity | blos (default: from the header's BUNIT, CONTENT or HMI series,
                          else from the data, with a warning)
  --model <file.onnx>     model file (default: the installed trained model for the kind)
  --lite                  use the installed lite model (1 block × 32 filters)
${PRECISION_USAGE}
  --device <device>       ${NODE_DEVICES.join(' | ')} (default: auto)
  --scale <value>         auto | a positive number: divisor to network units (default: auto)
  --png <file>            also write a PNG preview: input (nearest ×2) | output
${qualityUsage('in --json')}
  --threads <n>           onnxruntime threads (default: one per core)
  --tile-size <px>        largest tile side fed to the network (default: from --max-memory)
  --max-memory <MiB>      memory budget of one tile (default: 640)
  --force                 overwrite existing output files
  --json                  print a JSON summary on stdout
  -h, --help              show this help`;

export const runCommand: CliCommand = parsedCommand({
  name: 'run',
  summary: 'enhance a FITS image (×2 super-resolution and deconvolution)',
  usage,
  options: {
    output: { type: 'string', short: 'o' },
    png: { type: 'string' },
    force: { type: 'boolean' },
    json: { type: 'boolean' },
    ...MODEL_OPTIONS,
    ...DEVICE_OPTIONS,
  },
  numericOptions: NUMERIC_OPTIONS,
  async run({ values, positionals }, io) {
    if (positionals.length !== 1) {
      throw new CliUsageError({
        message: `expected one input file, got ${positionals.length}${positionals.length ? `: ${positionals.join(' ')}` : ''}`,
      });
    }
    const inputPath = positionals[0];
    if (!values.output) throw new CliUsageError({ message: 'missing -o <out.fits>' });
    const outputPath = values.output;
    const settings = parseEnhanceSettings(values);

    const force = values.force === true;
    const progressBar = createProgressBar(io.stderr, basename(inputPath));
    // From here on SIGINT/SIGTERM remove what this run has started to write, in one line, exit 130/143.
    const stopHandlingInterrupts = exitOnInterrupt({ program: 'enhance', stderr: io.stderr, beforeExit: () => progressBar.finish() });
    try {
      // Every refusal happens before any work, so a mistake costs nothing and leaves nothing behind.
      const outputs = [outputPath, ...(values.png ? [values.png] : [])];
      await checkOutputs(inputPath, outputs, force);
      // The file's bytes are not kept: for a 4096² image they are 64 MiB more held during the run.
      const image = readFits(await readInput(inputPath), { file: inputPath });
      const { nanCount } = validateForEnhance(image, inputPath);
      const warn = (message: string) => io.stderr.write(`enhance: warning: ${message}\n`);
      const kind = chooseKind(inputPath, image, settings.kind, warn);
      const scale = scaleForImage(inputPath, image, kind, settings.scale);
      await checkQualityCheckInstalled(settings.qa);
      const { version } = runtimePackage();
      const enhancer = await createEnhancer({
        ...enhancerOptions(settings, kind),
        onWarning: warn,
        onProgress: values.json ? undefined : (event) => progressBar.update(event),
      });
      try {
        const result = await enhancer
          .enhance(image, { ...enhanceOptions(settings, inputPath), scale, onWarning: (message) => warn(`${inputPath}: ${message}`) })
          .catch((error: unknown) => {
            throw namedByInput(error, inputPath);
          });
        progressBar.finish();
        const files = [{ path: outputPath, bytes: writeFits(result.image, { file: outputPath, extensions: qualityExtensions(result) }) }];
        if (values.png) {
          files.push({ path: values.png, bytes: renderEnhancePreview({ kind, input: image, output: result.image }) });
        }
        await writeOutputs(files, force);
        const summary = {
          input: inputPath,
          output: outputPath,
          png: values.png ?? null,
          kind,
          model: enhancer.info.source,
          trained: enhancer.info.trained,
          device: result.device,
          scale: result.scale,
          inputSize: [image.width, image.height],
          outputSize: [result.image.width, result.image.height],
          nanPixels: nanCount,
          tiles: result.tiles,
          timeMs: Math.round(result.timeMs),
          ...qualitySummary(result),
          version,
        };
        if (values.json) io.stdout.write(`${JSON.stringify(summary)}\n`);
        else if (io.stderr.isTTY) {
          io.stderr.write(
            `${outputPath}: ${result.image.width}×${result.image.height} ${kind}, ${result.device}, ${result.tiles} tile(s), ${(result.timeMs / 1000).toFixed(2)} s\n`,
          );
        }
        return 0;
      } finally {
        progressBar.finish();
        await enhancer.dispose();
      }
    } finally {
      stopHandlingInterrupts();
    }
  },
});

/**
 * The --kind given, else core's detection (header, file name, data). One warning line when the kind came
 * from the data, or when the --kind given contradicts the header or the data (a magnetogram run as
 * intensity would be divided by a meaningless "quiet-Sun level").
 */
export function chooseKind(
  inputPath: string,
  image: { data: Float32Array; header: FitsHeader },
  kindOption: EnhanceKind | undefined,
  warn: (message: string) => void,
): EnhanceKind {
  const detection = detectEnhanceKind(image, { fileName: basename(inputPath) });
  const headerCards = `BUNIT = ${JSON.stringify(image.header.get('BUNIT') ?? null)}, CONTENT = ${JSON.stringify(image.header.get('CONTENT') ?? null)}`;
  if (kindOption) {
    const fromData = detection.decidedBy === 'data' ? detection : kindFromData(image.data);
    const contrary = [detection, fromData].find((found) => found.kind !== undefined && found.kind !== kindOption);
    if (contrary) warn(`${inputPath}: ${describeEvidence(contrary)} but --kind ${kindOption} was given; using ${kindOption}`);
    return kindOption;
  }
  if (!detection.kind) {
    const why =
      detection.decidedBy === 'data'
        ? `the header does not tell (${headerCards}) and the data do not either (${detection.reason})`
        : detection.reason;
    throw new CliUsageError({ file: inputPath, message: `cannot tell the kind: ${why}; pass --kind intensity|blos` });
  }
  if (detection.decidedBy === 'data') {
    warn(
      `${inputPath}: the header does not tell the kind (${headerCards}); '${detection.kind}' from the data (${detection.reason}); pass --kind to choose`,
    );
  }
  return detection.kind;
}

function describeEvidence(detection: KindDetection): string {
  if (detection.decidedBy === 'data') return `the data look like '${detection.kind}' (${detection.reason})`;
  return `the ${detection.decidedBy === 'header' ? 'header' : 'file name'} describes a '${detection.kind}' image (${detection.reason})`;
}

export async function readInput(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, not a FITS file' : `cannot read (${code})`;
    throw new CliFileError({ code: 'CLI_INPUT', file: path, message: reason, cause: error });
  }
}

/**
 * No-clobber at the final step (a hard link refuses an existing name): an output created by another
 * process after our check is not replaced, and the outputs this run had already linked are removed.
 */
async function writeOutputs(files: { path: string; bytes: Uint8Array }[], force: boolean): Promise<void> {
  try {
    await writeFilesAtomically(files, { overwrite: force });
  } catch (error) {
    if (!EnhanceError.isInstance(error) || error.file === undefined) throw error;
    if (error.code === 'CLI_OUTPUT_EXISTS') {
      throw new CliFileError({
        code: 'CLI_OUTPUT_EXISTS',
        file: error.file,
        message: 'already exists: another process created it while this run was working (use --force to overwrite); nothing written',
        cause: error,
      });
    }
    const code = ((error as Error).cause as NodeJS.ErrnoException | undefined)?.code;
    throw new CliFileError({ code: 'CLI_OUTPUT', file: error.file, message: `cannot write (${code ?? error.message})`, cause: error });
  }
}

/** The enhancer does not know the image's file name; its image errors get the input's here. */
function namedByInput(error: unknown, inputPath: string): unknown {
  if (!EnhanceError.isInstance(error) || error.file !== undefined) return error;
  return new EnhanceError({ code: error.code, message: error.message, file: inputPath, cause: error });
}
