import { existsSync, linkSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { removeFilesInProgress, trackFileInProgress } from './files-in-progress.js';
import type { FileInProgress } from './files-in-progress.js';

let folder = '';
afterEach(() => rmSync(folder, { recursive: true, force: true }));

function staged(name: string, commit: FileInProgress['commit']): FileInProgress {
  const temporary = join(folder, `.${name}.tmp`);
  writeFileSync(temporary, name);
  const { dev, ino } = statSync(temporary);
  return { temporary, target: join(folder, name), commit, identity: { dev, ino }, state: 'writing' };
}

describe('removeFilesInProgress (what an interrupt handler calls)', () => {
  it('removes temporaries, our own links of an unfinished set, never a file someone else put at a target', () => {
    folder = mkdtempSync(join(tmpdir(), 'in-progress-'));
    const writing = staged('writing.fits', 'link');
    const linked = staged('linked.fits', 'link');
    linked.state = 'committing';
    linkSync(linked.temporary, linked.target!);
    const refused = staged('theirs.fits', 'link');
    refused.state = 'committing';
    writeFileSync(refused.target!, 'theirs');
    for (const file of [writing, linked, refused]) trackFileInProgress(file);

    expect(removeFilesInProgress()).toEqual({ left: [] });
    expect(readdirSync(folder)).toEqual(['theirs.fits']);
    // Tracking ends with the removal: a second call finds nothing to do.
    expect(removeFilesInProgress()).toEqual({ left: [] });
  });

  it('reports targets it cannot take back: renamed over, or of a set already complete', () => {
    folder = mkdtempSync(join(tmpdir(), 'in-progress-'));
    const renamed = staged('renamed.fits', 'rename');
    renamed.state = 'committing';
    renameSync(renamed.temporary, renamed.target!);
    const done = staged('done.png', 'link');
    linkSync(done.temporary, done.target!);
    done.state = 'done';
    expect(removeFilesInProgress([renamed, done])).toEqual({ left: [renamed.target, done.target] });
    expect(readdirSync(folder).sort()).toEqual(['done.png', 'renamed.fits']);
    expect(existsSync(done.temporary)).toBe(false);
  });
});
