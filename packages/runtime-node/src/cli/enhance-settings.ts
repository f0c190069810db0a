import { basename } from 'node:path';
import { ENHANCE_KINDS, devicesFor } from '@enhance/core';
import type {
  EnhanceDevice,
  EnhanceKind,
  EnhanceOptions,
  EnhancerOptions,
  LimbNormalisationOption,
  ModelPrecision,
  ModelVariant,
  ScaleOption,
  TtaOption,
} from '@enhance/core';
import { CliUsageError } from '@enhance/core/node';
import { runtimePackage } from '../package-root.js';
import type { OutputSettings } from './batch/batch-manifest.js';
import { PRECISION_USAGE, parsePrecision } from './parse-precision.js';
import { QUALITY_OPTIONS, parseQualityFlags, qualityUsage } from './quality-flags.js';

/**
 * The options of `enhance run` that `batch`, `submit` and `worker` take too, parsed here once for all
 * of them, so that each means the same, has the same default and is refused in the same words.
 */
export interface EnhanceSettings {
  /** --kind; undefined: each file's own (header, file name, else data). */
  readonly kind: EnhanceKind | undefined;
  /** --model; undefined: the installed model of `variant` and `precision` for each file's kind. */
  readonly model: string | undefined;
  readonly variant: ModelVariant;
  /** --precision; undefined: the installed fp32 model, or whatever --model is. */
  readonly precision: ModelPrecision | undefined;
  readonly device: EnhanceDevice;
  readonly threads: number;
  readonly tileSize: number | undefined;
  readonly maxMemoryMB: number | undefined;
  readonly scale: ScaleOption;
  readonly qa: boolean;
  readonly tta: TtaOption;
  readonly limbNormalisation: LimbNormalisationOption;
}

const NODE_DEVICES = devicesFor('node');

/** parseArgs options of what the output is made with: the model, the network and the quality options. */
export const MODEL_OPTIONS = {
  kind: { type: 'string' },
  model: { type: 'string' },
  lite: { type: 'boolean' },
  precision: { type: 'string' },
  scale: { type: 'string' },
  'tile-size': { type: 'string' },
  'max-memory': { type: 'string' },
  ...QUALITY_OPTIONS,
} as const;

/** parseArgs options of the machine that runs the network (a worker's own, not a job's). */
export const DEVICE_OPTIONS = {
  device: { type: 'string' },
  threads: { type: 'string' },
} as const;

/** Options whose value may be a negative number (`--scale -1`), so that their own check says what is wrong. */
export const NUMERIC_OPTIONS: readonly string[] = ['--scale', '--threads', '--tile-size', '--max-memory'];

/** Help lines of MODEL_OPTIONS for the commands of many files; `summaryIn` says where the quality check's summary goes. */
export function modelUsage(summaryIn: string): string {
  return `  --kind <kind>           intensity | blos (default: each file's own, from its header, else its data)
  --model <file.onnx>     model file (default: the installed trained model for each file's kind)
  --lite                  use the installed lite models (1 block × 32 filters)
${PRECISION_USAGE}
  --scale <value>         auto | a positive number: divisor to network units (default: auto)
  --tile-size <px>        largest tile side fed to the network (default: from --max-memory)
  --max-memory <MiB>      memory budget of one tile (default: 640)
${qualityUsage(summaryIn)}`;
}

export const DEVICE_USAGE = `  --device <device>       ${NODE_DEVICES.join(' | ')} (default: auto)
  --threads <n>           onnxruntime threads (default: one per core)`;

type Values = Record<string, string | boolean | undefined>;

/** The settings of MODEL_OPTIONS and DEVICE_OPTIONS, each checked; a CliUsageError (exit 2) names the first that is wrong. */
export function parseEnhanceSettings(values: Values): EnhanceSettings {
  const text = (name: string) => values[name] as string | undefined;
  const settings = {
    kind: parseKind(text('kind')),
    device: parseDevice(text('device')),
    scale: parseScale(text('scale')),
    threads: parsePositiveInteger('--threads', text('threads'), 0),
    tileSize: text('tile-size') === undefined ? undefined : parsePositiveInteger('--tile-size', text('tile-size'), 3),
    maxMemoryMB: text('max-memory') === undefined ? undefined : parsePositiveNumber('--max-memory', text('max-memory')!),
    ...parseQualityFlags(values),
    precision: parsePrecision(text('precision')),
  };
  if (values.lite && values.model)
    throw new CliUsageError({ message: '--lite picks an installed model; it cannot be combined with --model' });
  return { ...settings, model: text('model'), variant: values.lite ? 'lite' : 'full' };
}

/** The settings that change an output's bytes (besides the input and the model): part of its identity. */
export function outputSettingsOf(settings: EnhanceSettings): OutputSettings {
  return {
    scale: settings.scale,
    tileSize: settings.tileSize ?? null,
    maxMemoryMB: settings.maxMemoryMB ?? null,
    precision: settings.precision ?? null,
    qa: settings.qa,
    tta: settings.tta,
    limbNormalisation: settings.limbNormalisation,
  };
}

/** createEnhancer's options for files of `kind`: the same for `run`, `batch` and a worker. */
export function enhancerOptions(settings: EnhanceSettings, kind: EnhanceKind): EnhancerOptions {
  const { model, variant, precision, device, threads, tileSize, maxMemoryMB } = settings;
  return { kind, model, variant, precision, device, threads, tileSize, maxMemoryMB };
}

/**
 * enhance()'s options for one input, all but its scale (scaleForImage checks that against the image):
 * the quality options and the HISTORY card naming the CLI and the input, which `run` and `batch` write
 * alike, so that their outputs are the same bytes.
 */
export function enhanceOptions(settings: EnhanceSettings, inputPath: string): EnhanceOptions {
  const { qa, tta, limbNormalisation } = settings;
  return {
    qa,
    tta,
    limbNormalisation,
    history: [`enhance CLI ${runtimePackage().version} (@enhance/runtime-node) from ${basename(inputPath)}`],
  };
}

/** The settings a job's output is made with, on a worker's machine (its own device and threads). */
export function settingsOfOutput(
  job: { kind: EnhanceKind | null; model: string | null; variant: ModelVariant; settings: OutputSettings },
  machine: Pick<EnhanceSettings, 'device' | 'threads'>,
): EnhanceSettings {
  const { settings } = job;
  return {
    kind: job.kind ?? undefined,
    model: job.model ?? undefined,
    variant: job.variant,
    precision: settings.precision ?? undefined,
    ...machine,
    tileSize: settings.tileSize ?? undefined,
    maxMemoryMB: settings.maxMemoryMB ?? undefined,
    scale: settings.scale,
    qa: settings.qa,
    tta: settings.tta,
    limbNormalisation: settings.limbNormalisation,
  };
}

export function parseKind(value: string | undefined): EnhanceKind | undefined {
  if (value === undefined) return undefined;
  if (!ENHANCE_KINDS.includes(value as EnhanceKind)) {
    throw new CliUsageError({ message: `--kind ${JSON.stringify(value)} is invalid: expected ${ENHANCE_KINDS.join(' | ')}` });
  }
  return value as EnhanceKind;
}

export function parseDevice(value: string | undefined): EnhanceDevice {
  if (value === undefined) return 'auto';
  if (!NODE_DEVICES.includes(value as EnhanceDevice)) {
    throw new CliUsageError({ message: `--device ${JSON.stringify(value)} is invalid: expected ${NODE_DEVICES.join(' | ')}` });
  }
  return value as EnhanceDevice;
}

/** 'auto' or the number the user typed. */
export function parseScale(value: string | undefined): ScaleOption {
  if (value === undefined || value === 'auto') return 'auto';
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number) || number <= 0) {
    throw new CliUsageError({ message: `--scale ${JSON.stringify(value)} is invalid: expected auto or a finite number > 0` });
  }
  return number;
}

export function parsePositiveInteger(flag: string, value: string | undefined, minimum: number): number {
  if (value === undefined) return 0;
  const number = Number(value);
  if (!/^\d+$/.test(value) || number < minimum) {
    throw new CliUsageError({ message: `${flag} ${JSON.stringify(value)} is invalid: expected an integer ≥ ${minimum}` });
  }
  return number;
}

export function parsePositiveNumber(flag: string, value: string): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number) || number <= 0) {
    throw new CliUsageError({ message: `${flag} ${JSON.stringify(value)} is invalid: expected a number > 0` });
  }
  return number;
}
