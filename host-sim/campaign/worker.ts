/** A campaign worker thread: runs the plans it is given, one after another, and reports each. */
import { parentPort, workerData } from 'node:worker_threads';
import { runDomain, type RunOptions } from '../sim/run.js';
import { classify, resultDigest } from './classify.js';
import type { RunPlan } from './schedule.js';
import type { RunReport } from './campaign.js';

interface Job {
  base: RunOptions;
  expected: string;
  plans: RunPlan[];
}

const job = workerData as Job;
for (const plan of job.plans) {
  let report: RunReport;
  try {
    const s = await runDomain({ ...job.base, seed: String(plan.seed), fault: [plan.fault], allowUnfiredFaults: true });
    report = { ...plan, outcome: classify(s, job.expected), reason: s.reason, digest: resultDigest(s), virtualMs: s.virtualMs, wallMs: s.wallMs, recoveries: s.faults.filter((f) => f.status === 'applied').length };
  } catch (e) {
    report = { ...plan, outcome: 'hung', reason: `simulator error: ${(e as Error).message}`, digest: null, virtualMs: 0, wallMs: 0, recoveries: 0 };
  }
  parentPort!.postMessage(report);
}
