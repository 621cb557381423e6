/**
 * Fault campaigns: many runs of one app, each with one crash placed at random (a virtual time,
 * an iteration or a protocol phase, on any board, spares included) over lossy links, each
 * compared with the fault-free result. Runs are spread over worker threads (one per core).
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { runDomain, type RunOptions } from '../sim/run.js';
import { resultDigest, type Outcome } from './classify.js';
import { planRun, type RunPlan } from './schedule.js';

export interface RunReport extends RunPlan {
  outcome: Outcome;
  reason: string;
  digest: string | null;
  virtualMs: number;
  wallMs: number;
  recoveries: number;
}

export interface CampaignSummary {
  runs: number;
  identical: number;
  wrong: number;
  hung: number;
  unrecoverable: number;
  seeds: { wrong: number[]; hung: number[] };
}

export interface CampaignOptions {
  app: string;
  appArgs: string[];
  boards: number;
  spares: number;
  engine: string;
  runs: number;
  seed: number;
  /** Link of every board pair; loss and corruption are added on top. */
  link: string;
  topology: string;
  loss: number;
  corrupt: number;
  /** CPU model for every run (virtual ns per XS metering unit); absent or 0: off. */
  cpuNsPerUnit?: number;
  /** Iterations of the app, for iter=N triggers (from --iters when the app has it). */
  iterations: number;
  workers?: number;
  onRun?: (r: RunReport) => void;
  log?: (line: string) => void;
}

export async function runCampaign(o: CampaignOptions): Promise<CampaignSummary & { reference: string; reports: RunReport[] }> {
  const log = o.log ?? (() => {});
  const common: RunOptions = {
    app: o.app, appArgs: o.appArgs, boards: String(o.boards), spares: String(o.spares), engine: o.engine, topology: o.topology,
    ...(o.cpuNsPerUnit ? { cpu: String(o.cpuNsPerUnit) } : {}),
  };
  const ref = await runDomain({ ...common, link: o.link, seed: String(o.seed) });
  const expected = resultDigest(ref);
  if (!ref.ok || expected === null) throw new Error(`the fault-free run did not produce a result digest: ${ref.reason}`);
  log(`fault-free run: digest ${expected}, ${Math.round(ref.virtualMs)} ms virtual`);
  const base: RunOptions = {
    ...common,
    link: `${o.link},loss=${o.loss},corrupt=${o.corrupt}`,
    // A run that takes far longer than the fault-free one is hung, not slow.
    maxVirtual: `${Math.ceil((ref.virtualMs * 4 + 60_000) / 1000)}s`,
  };
  const plans = Array.from({ length: o.runs }, (_, i) => planRun(o.seed, i, o.boards + o.spares, ref.virtualMs, o.iterations));
  const nWorkers = Math.max(1, Math.min(o.workers ?? availableParallelism(), plans.length));
  const reports: RunReport[] = [];
  await Promise.all(
    Array.from({ length: nWorkers }, (_, w) =>
      new Promise<void>((resolve, reject) => {
        const mine = plans.filter((_, i) => i % nWorkers === w);
        const worker = new Worker(new URL('./worker.js', import.meta.url), { workerData: { base, expected, plans: mine } });
        worker.on('message', (r: RunReport) => {
          reports.push(r);
          o.onRun?.(r);
        });
        worker.on('error', reject);
        worker.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`campaign worker exited with ${code}`))));
      }),
    ),
  );
  reports.sort((a, b) => a.index - b.index);
  const count = (k: Outcome) => reports.filter((r) => r.outcome === k).length;
  return {
    runs: reports.length,
    identical: count('identical'),
    wrong: count('wrong'),
    hung: count('hung'),
    unrecoverable: count('unrecoverable'),
    seeds: { wrong: reports.filter((r) => r.outcome === 'wrong').map((r) => r.seed), hung: reports.filter((r) => r.outcome === 'hung').map((r) => r.seed) },
    reference: expected,
    reports,
  };
}
