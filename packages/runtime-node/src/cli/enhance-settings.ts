import type { EnhanceDevice, EnhanceKind, ModelVariant, ScaleOption } from '@enhance/core';
import { CliUsageError } from '@enhance/core/node';
import { parseDevice, parseKind, parsePositiveInteger, parsePositiveNumber, parseScale } from '../run-command.js';
import type { OutputSettings } from './batch-manifest.js';

/** The `enhance run` options that a batch, a submission and a worker share. */
export interface EnhanceSettings {
  /** --kind; undefined: each file's own (header, file name, else data). */
  readonly kind: EnhanceKind | undefined;
  /** --model; undefined: the installed model of `variant` for each file's kind. */
  readonly model: string | undefined;
  readonly variant: ModelVariant;
  readonly device: EnhanceDevice;
  readonly threads: number;
  readonly tileSize: number | undefined;
  readonly maxMemoryMB: number | undefined;
  readonly scale: ScaleOption;
}

/** parseArgs options for the model and the network (shared usage text below). */
export const MODEL_OPTIONS = {
  kind: { type: 'string' },
  model: { type: 'string' },
  lite: { type: 'boolean' },
  scale: { type: 'string' },
  'tile-size': { type: 'string' },
  'max-memory': { type: 'string' },
} as const;

export const DEVICE_OPTIONS = {
  device: { type: 'string' },
  threads: { type: 'string' },
} as const;

export const MODEL_USAGE = `  --kind <kind>           intensity | blos (default: each file's own, from its header, else its data)
  --model <file.onnx>     model file (default: the installed trained model for each file's kind)
  --lite                  use the installed lite models (1 block × 32 filters)
  --scale <value>         auto | a positive number: divisor to network units (default: auto)
  --tile-size <px>        largest tile side fed to the network (default: from --max-memory)
  --max-memory <MiB>      memory budget of one tile (default: 640)`;

export const DEVICE_USAGE = `  --device <device>       auto | cpu | cuda (default: auto)
  --threads <n>           onnxruntime threads (default: one per core)`;

type Values = Record<string, string | boolean | undefined>;

export function parseEnhanceSettings(values: Values): EnhanceSettings {
  if (values.lite && values.model) throw new CliUsageError({ message: '--lite picks the installed models; it cannot be combined with --model' });
  return {
    kind: parseKind(values.kind as string | undefined),
    model: values.model as string | undefined,
    variant: values.lite ? 'lite' : 'full',
    device: parseDevice(values.device as string | undefined),
    threads: parsePositiveInteger('--threads', values.threads as string | undefined, 0),
    tileSize: values['tile-size'] === undefined ? undefined : parsePositiveInteger('--tile-size', values['tile-size'] as string, 3),
    maxMemoryMB: values['max-memory'] === undefined ? undefined : parsePositiveNumber('--max-memory', values['max-memory'] as string),
    scale: parseScale(values.scale as string | undefined),
  };
}

/** The settings that change an output's bytes (besides the input and the model): part of its identity. */
export function outputSettingsOf(settings: Pick<EnhanceSettings, 'scale' | 'tileSize' | 'maxMemoryMB'>): OutputSettings {
  return { scale: settings.scale, tileSize: settings.tileSize ?? null, maxMemoryMB: settings.maxMemoryMB ?? null };
}
