import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { ENHANCE_KINDS, EnhancerError, qualityExtensions, readFits, validateForEnhance, writeFits } from '@enhance/core';
import type { EnhanceKind, Enhancer, ScaleOption, SolarImage } from '@enhance/core';
import { createEnhancer } from '../../create-enhancer.js';
import { defaultModelPath } from '../../default-models.js';
import { modelNotInstalledError } from '../../node-backend.js';
import { enhanceOptions, enhancerOptions } from '../enhance-settings.js';
import type { EnhanceSettings } from '../enhance-settings.js';
import { checkQualityCheckInstalled } from '../quality-flags.js';
import { chooseKind, readInput } from '../run-command.js';
import { scaleForImage } from '../scale-for-image.js';
import { manifestQa } from './batch-manifest.js';
import { errorReason } from './error-reason.js';
import type { ManifestQa } from './batch-manifest.js';

export function sha256Of(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Size and SHA-256 of a file, read in chunks; undefined when there is no such file. */
export async function digestFile(path: string): Promise<{ bytes: number; sha256: string } | undefined> {
  const hash = createHash('sha256');
  let bytes = 0;
  try {
    for await (const chunk of createReadStream(path)) {
      hash.update(chunk as Buffer);
      bytes += (chunk as Buffer).length;
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return { bytes, sha256: hash.digest('hex') };
}

/** An input read whole, with its digest (what a manifest line and a queue job are keyed on). */
export interface InputFile {
  readonly path: string;
  readonly bytes: Uint8Array;
  readonly sha256: string;
}

export async function readInputFile(path: string): Promise<InputFile> {
  const bytes = await readInput(path);
  return { path, bytes, sha256: sha256Of(bytes) };
}

/** A model as a manifest and a job name it: the file name (as in the output's HISTORY) and its digest. */
export interface ModelIdentity {
  readonly path: string;
  readonly name: string;
  readonly sha256: string;
}

/**
 * The enhancers of a batch or a worker: one per model, created on first use and kept, so each model is
 * loaded once however many files it enhances (two at most for a batch without --kind: intensity and blos).
 */
export class EnhancerPool {
  private readonly enhancers = new Map<string, Promise<Enhancer>>();
  private readonly digests = new Map<string, Promise<ModelIdentity>>();

  constructor(
    readonly settings: EnhanceSettings,
    private readonly warn: (message: string) => void,
  ) {}

  /** A warning about one input file, named by it (the quality check's, say). */
  warnAbout(inputPath: string, message: string): void {
    this.warn(`${inputPath}: ${message}`);
  }

  modelPath(kind: EnhanceKind): string {
    return this.settings.model ?? defaultModelPath(kind, this.settings.variant, this.settings.precision);
  }

  /** The model a file of `kind` is enhanced with, by digest (hashed once, without loading the network). */
  model(kind: EnhanceKind): Promise<ModelIdentity> {
    const path = this.modelPath(kind);
    let digest = this.digests.get(path);
    if (!digest) {
      digest = hashModel(path, kind, this.settings);
      this.digests.set(path, digest);
      // Not kept when it fails: the next file tries again (a long-lived worker outlasts a storage hiccup).
      digest.catch(() => this.digests.delete(path));
    }
    return digest;
  }

  enhancer(kind: EnhanceKind): Promise<Enhancer> {
    const key = `${kind}\0${this.modelPath(kind)}`;
    let enhancer = this.enhancers.get(key);
    if (!enhancer) {
      enhancer = createEnhancer({ ...enhancerOptions(this.settings, kind), onWarning: this.warn });
      this.enhancers.set(key, enhancer);
      enhancer.catch(() => this.enhancers.delete(key));
    }
    return enhancer;
  }

  /**
   * Before the first file: the quality check's model when --qa asks for it, then the enhancer of each
   * kind the files may have, so that an option that cannot work (an int8 model that is not installed, a
   * --model of another precision or kind, a device that fails) is refused in `enhance run`'s words before
   * anything is written. With --kind, or when no kind works, the first failure is thrown; otherwise each
   * is one warning, and only the files of that kind fail (each with the same reason). Returns the kinds
   * that work.
   */
  async prepare(warn: (message: string) => void): Promise<EnhanceKind[]> {
    await checkQualityCheckInstalled(this.settings.qa);
    const kinds = this.settings.kind ? [this.settings.kind] : [...ENHANCE_KINDS];
    const failures = new Map<EnhanceKind, unknown>();
    for (const kind of kinds) {
      try {
        await this.model(kind);
        await this.enhancer(kind);
      } catch (error) {
        failures.set(kind, error);
      }
    }
    if (failures.size === kinds.length) throw failures.get(kinds[0]);
    for (const [kind, error] of failures) warn(`${errorReason(error)}; ${kind} files will fail`);
    return kinds.filter((kind) => !failures.has(kind));
  }

  async dispose(): Promise<void> {
    const enhancers = await Promise.allSettled(this.enhancers.values());
    this.enhancers.clear();
    for (const result of enhancers) if (result.status === 'fulfilled') await result.value.dispose();
  }
}

async function hashModel(path: string, kind: EnhanceKind, settings: EnhanceSettings): Promise<ModelIdentity> {
  try {
    return { path, name: basename(path), sha256: sha256Of(await readFile(path)) };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // An installed model that is not there: refused in the words `enhance run` gives.
    if (code === 'ENOENT' && !settings.model) throw modelNotInstalledError(kind, settings.variant, settings.precision);
    const message = code === 'ENOENT' ? 'no such model file' : `cannot read the model (${code})`;
    throw new EnhancerError({ code: 'MODEL_NOT_FOUND', file: path, message, cause: error });
  }
}

/** A parsed, checked input, the kind it is enhanced as and the scale it is enhanced with. */
export interface ParsedInput {
  readonly image: SolarImage;
  readonly kind: EnhanceKind;
  readonly scale: ScaleOption;
}

export function parseInput(input: InputFile, settings: EnhanceSettings, warn: (message: string) => void): ParsedInput {
  const image = readFits(input.bytes, { file: input.path });
  validateForEnhance(image, input.path);
  const kind = chooseKind(input.path, image, settings.kind, warn);
  return { image, kind, scale: scaleForImage(input.path, image, kind, settings.scale) };
}

export interface EnhancedOutput {
  readonly bytes: Uint8Array;
  readonly sha256: string;
  readonly device: string;
  readonly model: ModelIdentity;
  /** With --qa: the quality check's summary, for the manifest. */
  readonly qa: ManifestQa | null;
}

/**
 * The output file's bytes for one input: what `enhance run` writes for the same input, model and
 * options, byte for byte (the same HISTORY cards; FITS output carries no time stamp).
 */
export async function enhanceToFits(
  pool: EnhancerPool,
  inputPath: string,
  parsed: ParsedInput,
  { signal, outputPath }: { signal?: AbortSignal; outputPath: string },
): Promise<EnhancedOutput> {
  const model = await pool.model(parsed.kind);
  const enhancer = await pool.enhancer(parsed.kind);
  const result = await enhancer.enhance(parsed.image, {
    ...enhanceOptions(pool.settings, inputPath),
    scale: parsed.scale,
    signal,
    onWarning: (message) => pool.warnAbout(inputPath, message),
  });
  const bytes = writeFits(result.image, { file: outputPath, extensions: qualityExtensions(result) });
  return { bytes, sha256: sha256Of(bytes), device: result.device, model, qa: result.qa ? manifestQa(result.qa.summary) : null };
}
