/**
 * Fault campaigns: many runs of one app, each with a fault schedule drawn at random from the
 * kinds asked for (crash — sometimes two, the second during the recovery —, reboot, hang,
 * partition + heal) over lossy links on a chosen topology, each compared with the fault-free
 * result and classified (classify.ts). Runs are spread over worker threads (one per core), each
 * run bounded in virtual time and on the wall clock.
 */
import { availableParallelism } from 'node:os';
import { runDomain, runConfig, type RunOptions } from '../sim/run.js';
import { reasonClass, resultDigest, type Outcome } from './classify.js';
import { planRun, runSeed, type FaultKind, type RunPlan } from './schedule.js';
import { runPool } from './pool.js';

/** The longest timeout the runtime itself has (src/dsm: a barrier waits 2 x barrierTimeoutMs). */
const RUNTIME_TIMEOUT_MS = 120_000;

/** Fault-free runs of the first runs' own seeds that bound the time triggers (see runCampaign). */
const HORIZON_PROBES = 3;

/** Wall-clock bound of one run unless the caller sets one: far above any healthy run. */
export const DEFAULT_RUN_WALL_MS = 180_000;

/** A campaign that cannot start: its message is one line for the user; `exitCode` 1 or 2 (usage). */
export class CampaignError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2,
  ) {
    super(message);
  }
}

export interface RunReport extends RunPlan {
  outcome: Outcome;
  reason: string;
  digest: string | null;
  virtualMs: number;
  wallMs: number;
  recoveries: number;
  /** Faults of the schedule the boards applied. */
  fired: number;
}

export interface CampaignSummary {
  runs: number;
  /** Runs whose every scheduled fault fired. */
  fired: number;
  identical: number;
  wrong: number;
  hung: number;
  livelock: number;
  unrecoverable: number;
  stopped: number;
  /** Faults scheduled and fired over all runs. */
  faults: { scheduled: number; fired: number };
  /** Runs whose faults are recoverable by design, and how many of them ended identical. */
  recoverable: { runs: number; identical: number };
  /** Runs not recoverable by design, by why, and what became of them. */
  notRecoverable: Record<string, { runs: number; identical: number; unrecoverable: number; stopped: number }>;
  /** Clean stops and unrecoverable stops by reason (numbers elided). */
  reasons: { stopped: Record<string, number>; unrecoverable: Record<string, number> };
  /** Per fault kind: runs and outcomes. */
  kinds: Record<string, Partial<Record<Outcome, number>> & { runs: number }>;
  seeds: { wrong: number[]; hung: number[]; livelock: number[]; unfired: number[]; missed: number[] };
}

export interface CampaignOptions {
  app: string;
  appArgs: string[];
  boards: number;
  spares: number;
  engine: string;
  runs: number;
  seed: number;
  /** Link of every board pair, loss and corruption included. */
  link: string;
  topology: string;
  kinds: readonly FaultKind[];
  /** CPU model for every run (virtual ns per XS metering unit); absent or 0: off. */
  cpuNsPerUnit?: number;
  /** Iterations of the app, for iter=N triggers (from --iters when the app has it). */
  iterations: number;
  /** The app's checkpoint interval in iterations (0: learn it from the fault-free run). */
  ckptEvery: number;
  workers?: number;
  /** Wall-clock bound of one run (ms). */
  runWallMs?: number;
  onRun?: (r: RunReport) => void;
  log?: (line: string) => void;
}

export interface CampaignResult extends CampaignSummary {
  reference: string;
  /** Virtual-time limit of every run (a --max-virtual value), for replay lines. */
  maxVirtual: string;
  reports: RunReport[];
}

export async function runCampaign(o: CampaignOptions): Promise<CampaignResult> {
  const log = o.log ?? (() => {});
  const common: RunOptions = {
    app: o.app, appArgs: o.appArgs, boards: String(o.boards), spares: String(o.spares), engine: o.engine, topology: o.topology, link: o.link,
    ...(o.cpuNsPerUnit ? { cpu: String(o.cpuNsPerUnit) } : {}),
  };
  const ref = await runDomain({ ...common, seed: String(o.seed) });
  const expected = resultDigest(ref);
  if (!ref.ok) throw new CampaignError(`the fault-free run of ${o.app} failed: ${ref.reason}`, 1);
  if (expected === null) {
    throw new CampaignError(
      `${o.app}: a campaign compares every run's result with the fault-free one by its digest, and rank 0's result has none ` +
        `(${JSON.stringify(ref.app.result)}); campaign an app whose rank 0 returns { digest: string, ... }, like laplace`,
      2,
    );
  }
  log(`fault-free run: digest ${expected}, ${Math.round(ref.virtualMs)} ms virtual`);
  // Time triggers must fall inside the run they are scheduled in, and how long a run lasts
  // depends on its seed (losses and retransmissions: 697 to 953 ms for one slice's seeds). So
  // the horizon is the shortest of the reference and the fault-free runs of the first runs'
  // own seeds, each of which must give the reference's result.
  let horizonMs = ref.virtualMs;
  for (let i = 0; i < Math.min(HORIZON_PROBES, o.runs); i++) {
    const seed = runSeed(o.seed, i);
    const probe = await runDomain({ ...common, seed: String(seed) });
    if (!probe.ok || resultDigest(probe) !== expected) {
      throw new Error(`the fault-free run with seed ${seed} did not give the reference result: ${probe.ok ? `digest ${resultDigest(probe)}` : probe.reason}`);
    }
    horizonMs = Math.min(horizonMs, probe.virtualMs);
  }
  if (horizonMs < ref.virtualMs) log(`time triggers fall within ${Math.round(horizonMs)} ms (the shortest fault-free run of ${Math.min(HORIZON_PROBES, o.runs) + 1} seeds)`);
  // A run that takes far longer than the fault-free one is hung, not slow — but only once the
  // longest timeout of the runtime (a DSM barrier's, 2 x 60 s) had its chance to end it cleanly.
  const maxVirtual = `${Math.ceil((ref.virtualMs * 4 + RUNTIME_TIMEOUT_MS + 30_000) / 1000)}s`;
  const base: RunOptions = { ...common, maxVirtual };
  const edges = runConfig(common).topology.edges.map((e) => ({ a: e.a, b: e.b }));
  // Checkpoint interval: as given, else from the fault-free run (never below the real one).
  const ckptEvery = o.ckptEvery > 0 ? o.ckptEvery : ref.checkpoints.count > 0 && o.iterations > 0 ? Math.ceil(o.iterations / ref.checkpoints.count) : 0;
  const ctx = { boards: o.boards, spares: o.spares, edges, horizonMs, iterations: o.iterations, ckptEvery, kinds: o.kinds };
  const plans = Array.from({ length: o.runs }, (_, i) => planRun(o.seed, i, ctx));
  const nWorkers = Math.max(1, Math.min(o.workers ?? availableParallelism(), plans.length));
  const reports: RunReport[] = [];
  const maxWallMs = o.runWallMs ?? DEFAULT_RUN_WALL_MS;
  await runPool({
    worker: new URL('./worker.js', import.meta.url), data: { base, expected, maxWallMs }, plans, workers: nWorkers, runWallMs: maxWallMs,
    silent: (p, ms): RunReport => ({
      ...p, outcome: 'hung', reason: `no report within ${ms} ms of wall time: the campaign worker was stopped`, digest: null, virtualMs: 0, wallMs: ms, recoveries: 0, fired: 0,
    }),
    onReport: (r) => {
      reports.push(r);
      o.onRun?.(r);
    },
  });
  reports.sort((a, b) => a.index - b.index);
  return { ...summarize(reports), reference: expected, maxVirtual, reports };
}

export function summarize(reports: readonly RunReport[]): CampaignSummary {
  const count = (k: Outcome) => reports.filter((r) => r.outcome === k).length;
  const seedsOf = (f: (r: RunReport) => boolean) => reports.filter(f).map((r) => r.seed);
  const tally = (rs: RunReport[]): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const r of rs) out[reasonClass(r.reason)] = (out[reasonClass(r.reason)] ?? 0) + 1;
    return out;
  };
  const notRecoverable: CampaignSummary['notRecoverable'] = {};
  const kinds: CampaignSummary['kinds'] = {};
  for (const r of reports) {
    const k = (kinds[r.kind] ??= { runs: 0 });
    k.runs++;
    k[r.outcome] = (k[r.outcome] ?? 0) + 1;
    if (r.notRecoverable === null) continue;
    const n = (notRecoverable[r.notRecoverable] ??= { runs: 0, identical: 0, unrecoverable: 0, stopped: 0 });
    n.runs++;
    if (r.outcome === 'identical' || r.outcome === 'unrecoverable' || r.outcome === 'stopped') n[r.outcome]++;
  }
  const recoverable = reports.filter((r) => r.notRecoverable === null);
  const allFired = (r: RunReport) => r.fired >= r.faults.length;
  return {
    runs: reports.length,
    fired: reports.filter(allFired).length,
    identical: count('identical'),
    wrong: count('wrong'),
    hung: count('hung'),
    livelock: count('livelock'),
    unrecoverable: count('unrecoverable'),
    stopped: count('stopped'),
    faults: { scheduled: reports.reduce((a, r) => a + r.faults.length, 0), fired: reports.reduce((a, r) => a + Math.min(r.fired, r.faults.length), 0) },
    recoverable: { runs: recoverable.length, identical: recoverable.filter((r) => r.outcome === 'identical').length },
    notRecoverable,
    reasons: { stopped: tally(reports.filter((r) => r.outcome === 'stopped')), unrecoverable: tally(reports.filter((r) => r.outcome === 'unrecoverable')) },
    kinds,
    seeds: {
      wrong: seedsOf((r) => r.outcome === 'wrong'),
      hung: seedsOf((r) => r.outcome === 'hung'),
      livelock: seedsOf((r) => r.outcome === 'livelock'),
      unfired: seedsOf((r) => !allFired(r)),
      missed: seedsOf((r) => r.notRecoverable === null && r.outcome !== 'identical'),
    },
  };
}
