/**
 * Issue 11: a campaign never hangs. Its worker pool stops a worker that falls silent past the
 * run's wall bound (its unreported runs count as hung) and one that said it is done but left
 * something running. The run's bound counts from the run's start, not from the worker's: a
 * worker slow to start (a loaded host) is not called hung, and one that never starts is
 * stopped at the start bound. Real worker threads (test/sim/fixtures/pool-worker.ts).
 */
import test from 'ava';
import { runPool } from '../../host-sim/campaign/pool.js';

interface Plan {
  index: number;
  stuck?: boolean;
  leak?: boolean;
}
interface Report {
  index: number;
  outcome: string;
}

const worker = new URL('./fixtures/pool-worker.js', import.meta.url);

async function pool(plans: Plan[], more: { startDelayMs?: number; startMs?: number } = {}): Promise<{ reports: Report[]; ms: number }> {
  const reports: Report[] = [];
  const t0 = Date.now();
  const { startMs, ...data } = more;
  await runPool<Plan, Report>({
    worker, data, plans, workers: 2, runWallMs: 4000, graceMs: 1000, ...(startMs !== undefined ? { startMs } : {}),
    silent: (p, ms) => ({ index: p.index, outcome: `hung after ${ms} ms` }),
    onReport: (r) => reports.push(r),
  });
  return { reports: reports.sort((a, b) => a.index - b.index), ms: Date.now() - t0 };
}

test('a worker stuck in a run is stopped and its unreported runs come back hung; the other worker finishes', async (t) => {
  const { reports, ms } = await pool([{ index: 0 }, { index: 1 }, { index: 2, stuck: true }, { index: 3 }, { index: 4 }]);
  // Worker 0 has plans 0, 2, 4 (stuck at 2); worker 1 has 1, 3.
  t.deepEqual(reports, [
    { index: 0, outcome: 'identical' },
    { index: 1, outcome: 'identical' },
    { index: 2, outcome: 'hung after 5000 ms' },
    { index: 3, outcome: 'identical' },
    { index: 4, outcome: 'hung after 5000 ms' },
  ]);
  t.true(ms < 20_000, `the pool ended (${ms} ms)`);
});

test('a worker that is done but left a timer running does not keep the campaign waiting', async (t) => {
  const { reports, ms } = await pool([{ index: 0, leak: true }, { index: 1, leak: true }]);
  t.deepEqual(reports.map((r) => r.outcome), ['identical', 'identical']);
  t.true(ms < 5000, `ended on done, not at the 5000 ms silence bound (${ms} ms)`);
});

test('a worker slow to start is not called hung: the run bound counts from the run\'s start', async (t) => {
  // Both workers take 7 s to start, past the run's 5 s bound (4 s + 1 s grace), then run at once.
  // Before, the bound counted from the worker's creation and every run came back hung.
  const { reports } = await pool([{ index: 0 }, { index: 1 }, { index: 2 }], { startDelayMs: 7000 });
  t.deepEqual(reports.map((r) => r.outcome), ['identical', 'identical', 'identical']);
});

test('a worker that never starts a run is stopped at the start bound, its runs hung', async (t) => {
  const { reports, ms } = await pool([{ index: 0 }, { index: 1 }], { startDelayMs: -1, startMs: 1500 });
  t.deepEqual(reports.map((r) => r.outcome), ['hung after 1500 ms', 'hung after 1500 ms']);
  t.true(ms < 20_000, `the pool ended (${ms} ms)`);
});
