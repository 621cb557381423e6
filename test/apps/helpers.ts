/** Apps written into temporary folders outside the repository, and the mcdsm command. */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runChild } from '../util/child.js';

/** dist/test/apps/helpers.js -> the repository. */
export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
export const BIN = join(REPO, 'bin', 'mcdsm.js');

/** The folders project() made, removed when the process exits. */
const made: string[] = [];

/** A fresh folder outside the repository with `files` (path -> text) written into it. */
export function project(files: Record<string, string>, prefix = 'mcdsm-app-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  // One exit listener for every folder (a listener each warned past ten projects in a file).
  if (made.length === 0) process.once('exit', () => made.forEach((d) => rmSync(d, { recursive: true, force: true })));
  made.push(dir);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

export function mcdsm(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): { code: number | null; out: string; err: string } {
  const r = runChild(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, ...env } });
  return { code: r.code, out: r.out, err: r.err };
}

/** `mcdsm` as a child that may run for minutes: ava's worker stays responsive (a long spawnSync would stall it). */
export function mcdsmAsync(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, out, err })));
}

/** A small app of the user's: every rank adds its rank + 1 into a shared counter under a lock. */
export const COUNTER_APP = `import type { App } from 'mcdsm';

export const app: App = {
  name: 'my-counter',
  async main(ctx) {
    const dsm = await ctx.dsm();
    const total = await dsm.alloc('total', 'Int32', 1);
    await dsm.lock('total');
    const v = await dsm.acquire(total, 0, 1, 'rw');
    v[0] = v[0]! + ctx.rank + 1;
    dsm.unlock('total');
    await dsm.barrier();
    if (ctx.rank !== 0) return null;
    const r = await dsm.acquire(total, 0, 1, 'r');
    return { mine: true, total: r[0]! };
  },
};
`;
