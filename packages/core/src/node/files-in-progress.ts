import { lstatSync, unlinkSync } from 'node:fs';

/**
 * A file this process is writing: its temporary name, and the output it is meant to become. `identity`
 * (device and inode of the temporary, known once it is created) tells our own hard link at `target`
 * from a file someone else put there.
 */
export interface FileInProgress {
  readonly temporary: string;
  readonly target?: string;
  /** 'link': the target gets a hard link (no-clobber) and is ours only while it is that inode; 'rename': the target is replaced. */
  readonly commit: 'link' | 'rename';
  identity?: { dev: number; ino: number };
  /**
   * 'committing' is set just before the link or rename is issued (from then on the target may be ours);
   * 'done' once every file of the set is in place, when only the temporary is left to remove.
   */
  state: 'writing' | 'committing' | 'done';
}

const inProgress = new Set<FileInProgress>();

/**
 * Registers a file before its temporary is created (an interrupt can arrive between the system call and
 * its callback), so `removeFilesInProgress` knows about it whatever the timing.
 */
export function trackFileInProgress(file: FileInProgress): void {
  inProgress.add(file);
}

export function untrackFileInProgress(file: FileInProgress): void {
  inProgress.delete(file);
}

/**
 * Removes the temporaries of `files` (default: every file this process has in progress), and every
 * target of an unfinished set that is still our own hard link: what an interrupted or failed write must
 * not leave behind. Synchronous, so a signal handler can call it and exit. Returns the targets that stay:
 * those already renamed over (the old file cannot be brought back) and those of a finished set.
 */
export function removeFilesInProgress(files: Iterable<FileInProgress> = inProgress): { left: string[] } {
  const left: string[] = [];
  for (const file of [...files]) {
    // The temporary goes first: once it is gone no link to it can still be made, so the check of the
    // target below cannot be overtaken by a link still in flight.
    const temporaryExisted = unlinkIfPresent(file.temporary);
    if (file.target !== undefined) {
      if (file.state === 'done') left.push(file.target);
      else if (file.state === 'committing' && file.commit === 'rename' && !temporaryExisted) left.push(file.target);
      else if (file.state === 'committing' && file.commit === 'link' && file.identity && isSameFile(file.target, file.identity))
        unlinkIfPresent(file.target);
    }
    inProgress.delete(file);
  }
  return { left };
}

function unlinkIfPresent(path: string): boolean {
  try {
    unlinkSync(path);
    return true;
  } catch {
    return false;
  }
}

function isSameFile(path: string, identity: { dev: number; ino: number }): boolean {
  try {
    const stats = lstatSync(path);
    return stats.dev === identity.dev && stats.ino === identity.ino;
  } catch {
    return false;
  }
}
