import { open, readFile, readdir } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { LimbNormalisationOption, ModelPrecision, QaSummary, TtaOption } from '@enhance/core';

/**
 * One line of a manifest. 'writing' is appended (and synced) just before an output is put in place, 'done'
 * once it is; so a process killed between the two still leaves a line that vouches for the output.
 */
export type ManifestStatus = 'writing' | 'done' | 'skipped' | 'failed' | 'abandoned';

/** What changes an output's bytes besides the input and the model. */
export interface OutputSettings {
  readonly scale: 'auto' | number;
  readonly tileSize: number | null;
  readonly maxMemoryMB: number | null;
  /** --precision; null when not given (the installed fp32 model, or whatever --model is). */
  readonly precision: ModelPrecision | null;
  readonly qa: boolean;
  readonly tta: TtaOption;
  readonly limbNormalisation: LimbNormalisationOption;
}

/**
 * The settings added after the first manifests and jobs were written, at what every output was made
 * with before: a line without them means these, and a job id leaves them out while they have them.
 */
export const EARLIER_SETTINGS = Object.freeze({ precision: null, qa: false, tta: 1, limbNormalisation: 'off' }) satisfies Omit<
  OutputSettings,
  'scale' | 'tileSize' | 'maxMemoryMB'
>;

/** The quality check's summary as a manifest line keeps it (the model card's reference by its largest residual only). */
export type ManifestQa = Omit<QaSummary, 'reference'> & { readonly referenceMaxRelativeResidual: number | null };

export function manifestQa({ reference, ...summary }: QaSummary): ManifestQa {
  return { ...summary, referenceMaxRelativeResidual: reference?.maxRelativeResidual ?? null };
}

export interface ManifestRecord {
  status: ManifestStatus;
  input: string;
  inputSha256: string | null;
  inputBytes: number | null;
  output: string;
  outputSha256: string | null;
  outputBytes: number | null;
  kind: string | null;
  /** The model's file name (as in the output's HISTORY) and its digest. */
  model: string | null;
  modelSha256: string | null;
  settings: OutputSettings;
  device: string | null;
  /** With --qa: the quality check's summary of the output (its map is the output's RESIDUAL HDU). */
  qa: ManifestQa | null;
  /** When the line was written (ISO 8601, UTC). */
  time: string;
  /** Seconds spent on this file (read, network, write). */
  seconds: number | null;
  error: string | null;
  host: string;
  pid: number;
  version: string;
}

/** Every process writing into an output folder has a manifest of its own: manifest.jsonl, manifest.shard-3-of-16.jsonl, manifest.worker.<host>.<pid>.jsonl. */
export const MANIFEST_NAME = /^manifest(\.[A-Za-z0-9_.-]+)?\.jsonl$/;

export function manifestName(suffix?: string): string {
  return suffix ? `manifest.${suffix.replace(/[^A-Za-z0-9_.-]/g, '_')}.jsonl` : 'manifest.jsonl';
}

/** Appends lines to a manifest, each written in one call and synced before `append` returns. */
export class ManifestWriter {
  /** Appends one after the other, so that lines never interleave. */
  private last: Promise<void> = Promise.resolve();

  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
  ) {}

  static async open(path: string): Promise<ManifestWriter> {
    const handle = await open(path, 'a+');
    // A process killed mid-line leaves it unterminated; the next line must not be glued to it.
    const { size } = await handle.stat();
    if (size > 0) {
      const last = Buffer.alloc(1);
      await handle.read(last, 0, 1, size - 1);
      if (last[0] !== 0x0a) await handle.write('\n');
    }
    return new ManifestWriter(path, handle);
  }

  append(record: ManifestRecord): Promise<void> {
    const line = `${JSON.stringify(record)}\n`;
    const appended = this.last.then(async () => {
      await this.handle.write(line);
      await this.handle.datasync();
    });
    this.last = appended.catch(() => undefined);
    return appended;
  }

  async close(): Promise<void> {
    await this.last;
    await this.handle.close();
  }
}

/** The lines of every manifest in a folder that vouch for an output ('writing' or 'done'), by output file name. */
export interface ManifestIndex {
  readonly byOutput: ReadonlyMap<string, readonly ManifestRecord[]>;
  /** Lines that could not be read, other than an unterminated last line (a process killed mid-write). */
  readonly unreadable: readonly string[];
}

export async function readManifests(folder: string): Promise<ManifestIndex> {
  const byOutput = new Map<string, ManifestRecord[]>();
  const unreadable: string[] = [];
  let names: string[];
  try {
    names = (await readdir(folder)).filter((name) => MANIFEST_NAME.test(name)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { byOutput, unreadable };
    throw error;
  }
  for (const name of names) {
    const text = await readFile(join(folder, name), 'utf8');
    const lines = text.split('\n');
    // The last piece is '' after a final newline, or a line cut short by a kill: dropped either way.
    lines.pop();
    lines.forEach((line, index) => {
      if (line.trim() === '') return;
      const record = parseRecord(line);
      if (!record) unreadable.push(`${name}:${index + 1}`);
      else if (record.status === 'writing' || record.status === 'done') {
        const key = basename(record.output);
        byOutput.set(key, [...(byOutput.get(key) ?? []), record]);
      }
    });
  }
  return { byOutput, unreadable };
}

function parseRecord(line: string): ManifestRecord | undefined {
  try {
    const value = JSON.parse(line) as ManifestRecord;
    return typeof value === 'object' && value !== null && typeof value.status === 'string' && typeof value.output === 'string'
      ? value
      : undefined;
  } catch {
    return undefined;
  }
}

/** What an output must have been made from to count as complete. */
export interface OutputIdentity {
  readonly inputSha256: string;
  readonly modelSha256: string;
  readonly settings: OutputSettings;
}

export function sameSettings(a: OutputSettings, b: OutputSettings): boolean {
  const [x, y] = [a, b].map((settings) => ({ ...EARLIER_SETTINGS, ...settings }));
  return (Object.keys(x) as (keyof OutputSettings)[]).every((key) => x[key] === y[key]) && Object.keys(x).length === Object.keys(y).length;
}

/** Whether `record` vouches for `file` (size and SHA-256 as measured now) having been made from `identity`. */
export function vouchesFor(record: ManifestRecord, file: { bytes: number; sha256: string }, identity: OutputIdentity): boolean {
  return (
    record.outputSha256 === file.sha256 &&
    record.outputBytes === file.bytes &&
    record.inputSha256 === identity.inputSha256 &&
    record.modelSha256 === identity.modelSha256 &&
    sameSettings(record.settings, identity.settings)
  );
}
