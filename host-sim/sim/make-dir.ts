/**
 * Making a folder the user named (`--consoles pty:DIR`, `firmware build --out DIR`, `init DIR`).
 *
 * Not `mkdirSync(dir, { recursive: true })`: on a file system that answers ENOENT to a mkdir
 * whose parent exists (/proc, some FUSE mounts), Node's recursive mkdir makes the parent
 * (EEXIST), retries the child (ENOENT) and loops forever: `--consoles pty:/proc/x` hung with no
 * output. Level by level, each mkdir fails at most once and its error names the cause.
 */
import { mkdirSync, statSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** A folder that cannot be made; the message is `cannot create <dir>: <why>`. */
export class DirectoryError extends Error {}

/**
 * Makes `dir` and its missing parents; throws DirectoryError (one line, no stack needed).
 * Returns the folders it made, outermost first (a caller that fails later can take them back).
 */
export function makeDirectory(dir: string): string[] {
  const target = resolve(dir);
  const missing: string[] = [];
  let at = target;
  for (;;) {
    const s = statOrWhy(at);
    if (typeof s === 'string') throw new DirectoryError(`cannot create ${dir}: ${s}`);
    if (s !== null) {
      if (!s.isDirectory()) throw new DirectoryError(`cannot create ${dir}: ${at} is not a directory`);
      break;
    }
    missing.unshift(at);
    const up = dirname(at);
    if (up === at) break;
    at = up;
  }
  for (const d of missing) {
    try {
      mkdirSync(d);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      // Another process made it meanwhile: fine if it is a folder.
      if (err.code === 'EEXIST' && statSync(d).isDirectory()) continue;
      throw new DirectoryError(`cannot create ${dir}: ${why(err, d)}`);
    }
  }
  return missing;
}

function statOrWhy(p: string): Stats | null | string {
  try {
    return statSync(p, { throwIfNoEntry: false }) ?? null;
  } catch (e) {
    // Under a file: keep going up, to name the file that is not a directory.
    if ((e as NodeJS.ErrnoException).code === 'ENOTDIR') return null;
    return why(e as NodeJS.ErrnoException, p);
  }
}

/** The system's reason without Node's "<CODE>: " prefix and ", mkdir '<path>'" suffix. */
function why(err: NodeJS.ErrnoException, p: string): string {
  const parent = dirname(p);
  // mkdir's ENOENT while the parent exists: the parent's file system takes no new folders.
  if (err.code === 'ENOENT') return `${parent} does not take new folders (mkdir ${p}: ENOENT)`;
  const text = err.message.replace(/^[A-Z]+: /, '').replace(/, \w+ '.*'$/, '');
  return `${text} (${err.syscall ?? 'mkdir'} ${p}: ${err.code ?? 'error'})`;
}
