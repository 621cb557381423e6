/**
 * A command run to its end from a test (spawnSync). Its bound is for a loaded 2-core host, where
 * `mcdsm sim` spends ~20 s bundling and starting boards that take 1 s on an idle one: bounds of
 * 30-60 s were killed there, and the test then failed on `code null` with empty output, saying
 * nothing of why. Past the bound this throws, naming the command and the bound.
 */
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';

/** Longest a test's command may run (what test/apps/helpers's mcdsm always allowed). */
export const CHILD_BOUND_MS = 180_000;

export interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
}

export function runChild(cmd: string, args: readonly string[], options: Omit<SpawnSyncOptions, 'encoding'> = {}): Ran {
  const bound = options.timeout ?? CHILD_BOUND_MS;
  const r = spawnSync(cmd, args, { ...options, timeout: bound, encoding: 'utf8' });
  if (r.error !== undefined) {
    const why = (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT' ? `did not end within ${bound} ms (killed)` : r.error.message;
    throw new Error(`${[cmd, ...args].join(' ')}: ${why}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  }
  return { code: r.status, signal: r.signal, out: r.stdout, err: r.stderr };
}
