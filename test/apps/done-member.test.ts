// A member that fails after its app finished (docs/FT.md §13, "A member that fails after its
// app finished"): fault tolerance does not know a rank is done, so what happens depends on
// whether anything still runs when the failure is detected (`timeoutMs`, 2 s by default).
// Real XS boards, a user's app outside examples/, through `simulate()` as a user's test would.
import test from 'ava';
import { simulate } from '../../host-sim/api/index.js';
import { finishedRankNote } from '../../host-sim/sim/summary.js';
import { summaryText } from '../../host-sim/sim/status-view.js';
import { project } from './helpers.js';

/**
 * Every rank writes its mark on its own page, checkpointing every two iterations; rank 1 (and
 * 2) then return, rank 0 lingers `--linger` ms and reads only its own page: nothing needs rank 1
 * any more.
 */
const LATE_APP = `import type { App } from 'mcdsm';

export const app: App = {
  name: 'late',
  ft: true,
  async main(ctx) {
    const linger = Number(ctx.args[ctx.args.indexOf('--linger') + 1] ?? 0);
    const dsm = await ctx.dsm();
    const marks = await dsm.alloc('marks', 'Int32', ctx.boards * 256);
    const restored = ctx.ft?.restored as { i: number } | null | undefined;
    for (let i = restored?.i ?? 0; i < 4; i++) {
      const v = await dsm.acquire(marks, ctx.rank * 256, ctx.rank * 256 + 1, 'rw');
      v[0] = v[0]! + i + 1;
      await dsm.barrier();
      if (i % 2 === 1 && ctx.ft?.recoverable) await ctx.ft.checkpoint({ i: i + 1 }, i + 1);
    }
    if (ctx.rank !== 0) return ctx.rank;
    if (linger > 0) await ctx.sleep(linger);
    return (await dsm.acquire(marks, 0, 1, 'r'))[0]!;
  },
};
`;

const dir = project({ 'app.ts': LATE_APP }, 'mcdsm-done-member-');
const base = { app: './app.ts', cwd: dir, boards: 3, engine: 'xs', topology: 'full', faults: ['crash:1@app-result'] } as const;
/** Rank 0's mark after 4 iterations (1 + 2 + 3 + 4), the other ranks' results their rank. */
const RESULTS = { 0: 10, 1: 1, 2: 2 };

test('every other rank ends before the failure is detected: the run ends ok, no recovery, the spare stays a spare', async (t) => {
  // Rank 0 lingers 500 ms, well inside the 2 s before a silent board is suspected.
  const s = await simulate({ ...base, spares: 1, args: ['--linger', '500'] });
  t.true(s.ok, s.reason);
  t.deepEqual(s.app.results, RESULTS);
  t.deepEqual(s.recoveries, []);
  t.is(s.boards[1]?.haltReason, 'fault crash');
  t.is(s.boards[3]?.state, 'spare');
});

test('a rank still runs when the failure is detected: the spare takes the finished rank, every rank rolls back, same results', async (t) => {
  const s = await simulate({ ...base, spares: 1, args: ['--linger', '6000'] });
  t.true(s.ok, s.reason);
  t.deepEqual(s.app.results, RESULTS);
  t.is(s.recoveries.length, 1, JSON.stringify(s.recoveries));
  t.deepEqual(s.recoveries[0]?.failed, [1]);
  t.deepEqual(s.recoveries[0]?.replacements, [3]);
  t.not(s.boards[3]?.state, 'spare', 'the spare ran rank 1 again from the last checkpoint');
});

test('a rank still runs and there is no spare: the run fails, though nothing needed the finished rank (a known gap); the results given stand and the reason says so', async (t) => {
  const s = await simulate({ ...base, spares: 0, args: ['--linger', '6000'] });
  t.false(s.ok);
  t.regex(s.reason, /rank 1 \(node 1\) failed and no spare is available; the app does not allow running on fewer boards; rank 1 had given its result \(1\) before it failed: the results given stand, the ranks still running were stopped/);
  // Ranks 1 and 2 finished: their results are the fault-free ones; rank 0 was stopped.
  t.deepEqual(s.app.results, { 1: 1, 2: 2 });
  const text = summaryText(s);
  t.regex(text, /\nresult \(rank 0\): none\nresults given: rank 1: 1, rank 2: 2\nrun did not complete: /, 'was "result (rank 0): null" and no word of the others');
});

test('finishedRankNote: only a failed rank that had a result gets the note', (t) => {
  const reason = 'board 0 (rank 0): app failed: rank 2 (node 2) failed and no spare is available; the app does not allow running on fewer boards';
  t.is(finishedRankNote(reason, new Map([[1, 1]])), reason);
  t.regex(finishedRankNote(reason, new Map([[2, null]])), /; rank 2 had given its result \(null\) before it failed: /);
  t.is(finishedRankNote('stalled: no pending events', new Map([[2, 1]])), 'stalled: no pending events');
});
