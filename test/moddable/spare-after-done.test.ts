// A Moddable-lin board that fails after it finished its app, in a domain with a spare: rank 0
// still needs the page homed on it (its final read), so the spare takes rank 1 over from the last
// checkpoint and the run ends with the fault-free result. The crash comes from
// `--fault crash:1@app-result`: before session 17 no scenario step reached a real board ("board
// 1 was down when the step came due", host-sim/sim/fault-steps.ts), so this case was never run.
import test from 'ava';
import { spawn } from 'node:child_process';
import { BIN, project } from '../apps/helpers.js';
import { moddableSdkOrReport } from './helpers.js';

/** Rank r's mark on a page of its own (homed on board r); rank 0 reads them all at the end. */
const EARLY_DONE_APP = `import type { App } from 'mcdsm';

/** One 1 KiB page of Int32 per rank: rank r's mark is homed on board r. */
const STRIDE = 256;

export const app: App = {
  name: 'early-done',
  ft: true,
  async main(ctx) {
    const dsm = await ctx.dsm();
    const marks = await dsm.alloc('marks', 'Int32', ctx.boards * STRIDE);
    const restored = ctx.ft?.restored as { i: number } | null | undefined;
    for (let i = restored?.i ?? 0; i < 6; i++) {
      const v = await dsm.acquire(marks, ctx.rank * STRIDE, ctx.rank * STRIDE + 1, 'rw');
      v[0] = v[0]! + i + 1;
      await dsm.barrier();
      if (i % 2 === 1 && ctx.ft?.recoverable) await ctx.ft.checkpoint({ i: i + 1 }, i + 1);
    }
    if (ctx.rank !== 0) return ctx.rank;
    // Rank 1 is done (and crashes) while rank 0 waits; its page is read once the spare took
    // rank 1 over (the epoch moved), not after a fixed 3 s: the crash of a board paced to the
    // wall clock can come later than that on a loaded host, and rank 0 then read the page from
    // the live board (no recovery). Without a fault the wait ends at its bound (virtual time).
    for (let w = 0; w < 600 && ctx.ft?.epoch === 0; w++) await ctx.sleep(100);
    const got: number[] = [];
    for (let b = 0; b < ctx.boards; b++) got.push((await dsm.acquire(marks, b * STRIDE, b * STRIDE + 1, 'r'))[0]!);
    return { marks: got };
  },
};
`;

interface Summary {
  ok: boolean;
  reason: string;
  app: { result: unknown };
  boards: { node: number; engine: string; state: string; haltReason?: string }[];
  faults: { board: number; status: string; reason?: string }[];
  recoveries: { failed: number[] }[];
}

/** `mcdsm sim ... --json` as a user runs it (async: a long synchronous wait would stall ava). */
function sim(dir: string, engine: string, fault: string[]): Promise<Summary> {
  const args = ['sim', './app.ts', '--boards', '3', '--spares', '1', '--topology', 'full', '--engine', engine, '--consoles', 'none', '--quiet', '--json', '--max-virtual', '120s', ...fault];
  const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => child.on('exit', (code) => {
    try {
      resolve(JSON.parse(out.trim().split('\n').pop()!) as Summary);
    } catch {
      reject(new Error(`mcdsm sim --engine ${engine}: exit ${String(code)}, no summary: ${err.slice(-2000)}`));
    }
  }));
}

if (moddableSdkOrReport(test) !== null) {
  test('a Moddable board crashes after its app finished: the spare takes its rank, the result is the fault-free one', async (t) => {
    // The first run builds this app's firmware (minutes on a loaded host).
    t.timeout(12 * 60_000);
    const dir = project({ 'app.ts': EARLY_DONE_APP }, 'mcdsm-spare-after-done-');
    const ref = await sim(dir, 'xs', []);
    t.true(ref.ok, ref.reason);
    t.deepEqual(ref.app.result, { marks: [21, 21, 21] });
    const s = await sim(dir, 'xs,moddable,xs,xs', ['--fault', 'crash:1@app-result']);
    t.true(s.ok, s.reason);
    t.is(s.boards[1]?.engine, 'moddable');
    t.is(s.boards[1]?.haltReason, 'fault crash');
    t.like(s.faults.find((f) => f.board === 1), { status: 'applied' });
    t.true(s.recoveries.some((r) => r.failed.includes(1)), JSON.stringify(s.recoveries));
    t.deepEqual(s.app.result, ref.app.result);
  });
}
