/** A worker thread of an RPC campaign: runs its plans one after another and reports each. */
import { parentPort, workerData } from 'node:worker_threads';
import { runDomain, type RunOptions } from '../sim/run.js';
import { classifyRpc, type RpcRunPlan, type RpcRunReport } from './rpc-campaign.js';
import type { WorkerMessage } from './pool.js';

interface Job {
  base: RunOptions;
  expected: string;
  plans: RpcRunPlan[];
  maxWallMs: number;
}

const job = workerData as Job;
for (const plan of job.plans) {
  // The pool's bound on this run counts from here, not from the worker's start (host-sim/campaign/pool.ts).
  parentPort!.postMessage({ t: 'start', index: plan.index } satisfies WorkerMessage<RpcRunReport>);
  let report: RpcRunReport;
  try {
    const s = await runDomain({ ...job.base, seed: String(plan.seed), fault: plan.faults, maxWallMs: job.maxWallMs, allowUnfiredFaults: true });
    report = {
      ...plan,
      outcome: classifyRpc(s, job.expected),
      reason: s.reason,
      fired: s.faults.filter((f) => f.source === 'scenario' && f.status === 'applied').length,
      calls: s.rpc.calls,
      retries: s.rpc.retries,
      duplicated: s.rpc.duplicated,
      virtualMs: s.virtualMs,
    };
  } catch (e) {
    report = { ...plan, outcome: 'stopped', reason: `simulator error: ${(e as Error).message}`, fired: 0, calls: 0, retries: 0, duplicated: 0, virtualMs: 0 };
  }
  parentPort!.postMessage({ t: 'report', report } satisfies WorkerMessage<RpcRunReport>);
}
parentPort!.postMessage({ t: 'done' } satisfies WorkerMessage<RpcRunReport>);
