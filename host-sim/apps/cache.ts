/**
 * The bundle cache: a second run of an unchanged app starts at once. An entry is valid while
 * every file that went into it (the app's sources, the packages and runtime modules it
 * bundled, the declarations it was checked against) still has the content hash it had.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { HostError } from '../sim/link-model.js';
import { DirectoryError, makeDirectory } from '../sim/make-dir.js';

export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * Where bundles of an app are kept: $MCDSM_CACHE_DIR, else node_modules/.cache/mcdsm/apps of
 * the nearest project above the app (where build tools keep their caches), else a folder in
 * the system's temp directory.
 */
export function cacheRoot(appDir: string): string {
  const forced = process.env['MCDSM_CACHE_DIR'];
  if (forced !== undefined && forced !== '') return resolve(forced);
  for (let dir = resolve(appDir); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'node_modules'))) return join(dir, 'node_modules', '.cache', 'mcdsm', 'apps');
    if (dirname(dir) === dir) break;
  }
  let user = 'user';
  try {
    user = userInfo().username;
  } catch {
    // No user name (containers): one shared folder is still correct, entries are content-checked.
  }
  return join(tmpdir(), `mcdsm-apps-${user}`);
}

export type FileHashes = Record<string, string>;

export function hashFiles(files: Iterable<string>): FileHashes {
  const out: FileHashes = {};
  for (const f of files) out[f] = sha256(readFileSync(f));
  return out;
}

/** True when every file still exists with the same content. */
export function stillValid(hashes: FileHashes): boolean {
  for (const [file, hash] of Object.entries(hashes)) {
    let data: Buffer;
    try {
      data = readFileSync(file);
    } catch {
      return false;
    }
    if (sha256(data) !== hash) return false;
  }
  return true;
}

export function readJson<T>(file: string): T | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return null;
  }
}

/** Write-then-rename: a run that reads the cache meanwhile sees the old or the new file, never half. */
export function writeAtomic(file: string, data: string): void {
  try {
    // Level by level (make-dir.ts): MCDSM_CACHE_DIR=/proc/x hung in a recursive mkdir.
    makeDirectory(dirname(file));
  } catch (e) {
    if (!(e instanceof DirectoryError)) throw e;
    const forced = process.env['MCDSM_CACHE_DIR'];
    throw new HostError(`the app bundle cache${forced !== undefined && forced !== '' ? ` (MCDSM_CACHE_DIR=${forced})` : ''}: ${e.message}`);
  }
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}
