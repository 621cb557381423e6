/** A campaign worker thread: runs the plans it is given, one after another, and reports each. */
import { parentPort, workerData } from 'node:worker_threads';
import { runDomain, type RunOptions } from '../sim/run.js';
import { classify, resultDigest } from './classify.js';
import type { RunPlan } from './schedule.js';
import type { RunReport } from './campaign.js';
import type { WorkerMessage } from './pool.js';

interface Job {
  base: RunOptions;
  expected: string;
  plans: RunPlan[];
  /** Wall-clock bound of one run (ms): a run that takes longer is reported as a livelock. */
  maxWallMs: number;
}

const job = workerData as Job;
for (const plan of job.plans) {
  // The pool's bound on this run counts from here, not from the worker's start (host-sim/campaign/pool.ts).
  parentPort!.postMessage({ t: 'start', index: plan.index } satisfies WorkerMessage<RunReport>);
  let report: RunReport;
  try {
    // Unfired faults are counted here, not refused: allowUnfiredFaults keeps the run going.
    const s = await runDomain({ ...job.base, seed: String(plan.seed), fault: plan.faults, maxWallMs: job.maxWallMs, allowUnfiredFaults: true });
    const fired = s.faults.filter((f) => f.source === 'scenario' && f.status === 'applied').length;
    report = {
      ...plan, outcome: classify(s, job.expected), reason: s.reason, digest: resultDigest(s), virtualMs: s.virtualMs, wallMs: s.wallMs,
      recoveries: s.recoveries.length, fired,
    };
  } catch (e) {
    report = { ...plan, outcome: 'stopped', reason: `simulator error: ${(e as Error).message}`, digest: null, virtualMs: 0, wallMs: 0, recoveries: 0, fired: 0 };
  }
  parentPort!.postMessage({ t: 'report', report } satisfies WorkerMessage<RunReport>);
}
parentPort!.postMessage({ t: 'done' } satisfies WorkerMessage<RunReport>);
