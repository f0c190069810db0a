import { mkdir, readdir, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { CliFileError, folderWriteProblem, writeFileAtomically } from '@enhance/core/node';
import { runtimePackage } from '../../package-root.js';
import { ManifestWriter, manifestName, readManifests, vouchesFor } from './batch-manifest.js';
import type { ManifestIndex, ManifestRecord, OutputSettings } from './batch-manifest.js';
import { digestFile } from './enhance-file.js';
import type { EnhancedOutput } from './enhance-file.js';

/** What is at an output's name before it is (re)made. */
export type OutputState =
  | { readonly state: 'absent' }
  /** A line of a manifest vouches for the file: made from the same input, model and settings. */
  | { readonly state: 'complete'; readonly record: ManifestRecord }
  /** Written by a batch or worker into this folder, but not for this input, model and settings (or changed since): redone. */
  | { readonly state: 'stale' }
  /** No manifest of this folder names it: not ours to replace without --force. */
  | { readonly state: 'foreign' };

/** The part of an output's identity that is known before its input is parsed. */
export interface KnownIdentity {
  readonly inputSha256: string;
  readonly settings: OutputSettings;
  /** The digest of the model that enhances a file of `kind` (the kind recorded for the earlier output). */
  modelSha256For(kind: string): Promise<string | undefined>;
}

/** A manifest line as its writer fills it in; the folder adds when, where and which version. */
export type RecordFields = Omit<ManifestRecord, 'time' | 'host' | 'pid' | 'version'>;

/**
 * An output folder shared by batches (shards) and workers: the outputs, one manifest per writing
 * process, and the rules for what an existing output means.
 */
export class OutputFolder {
  private index: ManifestIndex;
  private writer: Promise<ManifestWriter> | undefined;

  private constructor(
    readonly path: string,
    readonly manifestPath: string,
    index: ManifestIndex,
  ) {
    this.index = index;
  }

  /** Creates the folder if need be and checks that files can be created in it, before any work is done. */
  static async open(folder: string, manifestSuffix?: string): Promise<OutputFolder> {
    const path = resolve(folder);
    try {
      await mkdir(path, { recursive: true });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new CliFileError({
        code: 'CLI_OUTPUT',
        file: path,
        message: `cannot create the output folder (${code === 'EEXIST' ? 'a file has that name' : code})`,
        cause: error,
      });
    }
    const problem = await folderWriteProblem(path);
    if (problem) throw new CliFileError({ code: 'CLI_OUTPUT', file: path, message: `cannot write outputs: ${problem}` });
    return new OutputFolder(path, join(path, manifestName(manifestSuffix)), await readManifests(path));
  }

  get unreadableLines(): readonly string[] {
    return this.index.unreadable;
  }

  outputPath(name: string): string {
    return join(this.path, name);
  }

  /** A 'failed' line for `input` with nothing known yet: each field is filled in as it is learnt. */
  blankRecord(input: string, outputName: string, settings: OutputSettings): RecordFields {
    return {
      status: 'failed',
      input,
      inputSha256: null,
      inputBytes: null,
      output: this.outputPath(outputName),
      outputSha256: null,
      outputBytes: null,
      kind: null,
      model: null,
      modelSha256: null,
      settings,
      device: null,
      qa: null,
      seconds: null,
      error: null,
    };
  }

  /**
   * Checks what is at `name`: a manifest line must vouch for the very bytes there (size and SHA-256
   * measured now) and for the input, model and settings, or the file is not complete. Other processes
   * may have written since this folder was opened, so the manifests are read again before a file is
   * called stale or foreign.
   */
  async check(name: string, identity: KnownIdentity): Promise<OutputState> {
    const path = this.outputPath(name);
    let size: number;
    try {
      size = (await stat(path)).size;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'absent' };
      throw new CliFileError({
        code: 'CLI_OUTPUT',
        file: path,
        message: `cannot read (${(error as NodeJS.ErrnoException).code})`,
        cause: error,
      });
    }
    let file: { bytes: number; sha256: string } | undefined;
    for (const fresh of [false, true]) {
      if (fresh) this.index = await readManifests(this.path);
      const records = this.index.byOutput.get(name) ?? [];
      // A 'done' line is cited in preference to the 'writing' line before it.
      for (const record of [...records].sort((a, b) => Number(b.status === 'done') - Number(a.status === 'done'))) {
        if (record.outputBytes !== size || record.kind === null) continue;
        file ??= await digestFile(path);
        if (!file) return { state: 'absent' };
        const modelSha256 = await identity.modelSha256For(record.kind);
        if (modelSha256 && vouchesFor(record, file, { inputSha256: identity.inputSha256, modelSha256, settings: identity.settings })) {
          return { state: 'complete', record };
        }
      }
      if (records.length > 0) return { state: 'stale' };
    }
    return { state: 'foreign' };
  }

  /**
   * Removes temporaries left at `names` by a process killed while writing them (`.<name>.<pid>.<hex>.tmp`).
   * Only for outputs this process is now responsible for: no one else writes them.
   */
  async removeLeftovers(names: Iterable<string>): Promise<number> {
    const wanted = new Set(names);
    let removed = 0;
    for (const entry of await readdir(this.path).catch((error) => Promise.reject(this.folderError(error)))) {
      const match = /^\.(.+)\.\d+\.[0-9a-f]+\.tmp$/.exec(entry);
      if (match && wanted.has(match[1])) {
        await unlink(join(this.path, entry)).catch(() => undefined);
        removed++;
      }
    }
    return removed;
  }

  /**
   * Puts an output in place, never half-written: a 'writing' line (synced) first, then the file
   * (temporary, then a no-clobber link; a rename over the old file when `replace`), then a 'done' line.
   */
  async commit(
    name: string,
    output: EnhancedOutput,
    fields: Omit<RecordFields, 'status' | 'output' | 'outputSha256' | 'outputBytes'>,
    { replace }: { replace: boolean },
  ): Promise<ManifestRecord> {
    const base = { ...fields, output: this.outputPath(name), outputSha256: output.sha256, outputBytes: output.bytes.length };
    await this.record({ ...base, status: 'writing' });
    await writeFileAtomically(this.outputPath(name), output.bytes, { overwrite: replace });
    return this.record({ ...base, status: 'done' });
  }

  async record(fields: RecordFields): Promise<ManifestRecord> {
    const record: ManifestRecord = {
      ...fields,
      time: new Date().toISOString(),
      host: hostname(),
      pid: process.pid,
      version: runtimePackage().version,
    };
    try {
      this.writer ??= ManifestWriter.open(this.manifestPath);
      await (await this.writer).append(record);
    } catch (error) {
      // Opened again next time: the folder may be back (a storage hiccup), and the next line may go through.
      if (
        this.writer &&
        (await this.writer.then(
          () => false,
          () => true,
        ))
      )
        this.writer = undefined;
      throw new CliFileError({
        code: 'CLI_OUTPUT',
        file: this.manifestPath,
        message: `cannot append to the manifest (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
        cause: error,
      });
    }
    if (record.status === 'writing' || record.status === 'done') {
      const key = basename(record.output);
      const byOutput = new Map(this.index.byOutput);
      byOutput.set(key, [...(byOutput.get(key) ?? []), record]);
      this.index = { byOutput, unreadable: this.index.unreadable };
    }
    return record;
  }

  /** The output folder itself failed (gone, unreachable): an error that may pass. */
  private folderError(error: unknown): CliFileError {
    return new CliFileError({
      code: 'CLI_OUTPUT',
      file: this.path,
      message: `cannot read the output folder (${(error as NodeJS.ErrnoException).code})`,
      cause: error,
    });
  }

  async close(): Promise<void> {
    const writer = await this.writer?.catch(() => undefined);
    this.writer = undefined;
    await writer?.close();
  }
}
