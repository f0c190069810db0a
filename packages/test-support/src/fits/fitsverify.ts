import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** CFITSIO's validator (Debian package fitsverify); tests that need it skip when it is absent. */
export const FITSVERIFY = '/usr/bin/fitsverify';
export const hasFitsverify = existsSync(FITSVERIFY);

/**
 * Writes the bytes to a scratch file and runs fitsverify on it. Returns the full report when it
 * found anything (its exit status is the number of errors plus warnings), '' when the file passed.
 */
export function fitsverifyReport(bytes: Uint8Array, name: string): string {
  const scratch = mkdtempSync(path.join(tmpdir(), 'enhance-fitsverify-'));
  const file = path.join(scratch, name);
  try {
    writeFileSync(file, bytes);
    execFileSync(FITSVERIFY, ['-q', file], { encoding: 'utf8' });
    return '';
  } catch (error) {
    try {
      return execFileSync(FITSVERIFY, [file], { encoding: 'utf8' });
    } catch (failure) {
      return (failure as { stdout: string }).stdout || String(failure);
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
