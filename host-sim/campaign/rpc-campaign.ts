/**
 * Campaigns of remote calls (`mcdsm campaign examples/offload`): many runs of an app that
 * offloads work over `ctx.rpc`, each with one fault on a compute board at a random stage of a
 * call — crashed, hung or cut off from the client when it first enters `rpc-start`, `rpc-args`,
 * `rpc-compute` or `rpc-result` — over lossy links, each compared with the fault-free result.
 *
 * A run is identical (the fault-free result: every call verified by the client against its own
 * computation), wrong (another result, or the client caught a wrong value), duplicated (a call
 * delivered twice, or a non-idempotent call committed twice: the simulator's rpc.duplicated),
 * hung (neither finished nor stopped in time), or stopped (a clean failure with its reason,
 * e.g. RPC_MAYBE_EXECUTED). Required: wrong = duplicated = hung = 0.
 */
import { runPool } from './pool.js';
import { availableParallelism } from 'node:os';
import { Prng } from '../../src/util/prng.js';
import { RPC_STAGES } from '../../src/rpc/index.js';
import { runDomain, type RunOptions } from '../sim/run.js';
import type { SimSummary } from '../sim/simulator.js';

export const RPC_FAULT_KINDS = ['crash', 'hang', 'partition'] as const;
export type RpcFaultKind = (typeof RPC_FAULT_KINDS)[number];
/** Hangs last this long (ms): below and above the client's silence limit (2 s). */
const HANG_MS: [number, number] = [300, 5000];
/** Wall-clock bound of one run. */
export const RPC_RUN_WALL_MS = 120_000;

export type RpcOutcome = 'identical' | 'wrong' | 'duplicated' | 'hung' | 'stopped';

export interface RpcRunPlan {
  index: number;
  seed: number;
  kind: RpcFaultKind;
  stage: string;
  board: number;
  faults: string[];
}

export interface RpcRunReport extends RpcRunPlan {
  outcome: RpcOutcome;
  reason: string;
  fired: number;
  calls: number;
  retries: number;
  duplicated: number;
  virtualMs: number;
}

export interface RpcCampaignResult {
  runs: number;
  fired: number;
  identical: number;
  wrong: number;
  duplicated: number;
  hung: number;
  stopped: number;
  /** Remote calls over all runs, retried attempts, and failures by stage. */
  calls: number;
  retries: number;
  byStage: Record<string, number>;
  reasons: Record<string, number>;
  seeds: { wrong: number[]; duplicated: number[]; hung: number[]; stopped: number[] };
  reference: string;
  maxVirtual: string;
  reports: RpcRunReport[];
}

export interface RpcCampaignOptions {
  base: RunOptions;
  runs: number;
  seed: number;
  boards: number;
  kinds: readonly RpcFaultKind[];
  workers?: number;
  onRun?: (r: RpcRunReport) => void;
  log?: (line: string) => void;
}

export function parseRpcFaultKinds(text: string): RpcFaultKind[] {
  const out: RpcFaultKind[] = [];
  for (const raw of text.split(',').map((s) => s.trim()).filter((s) => s.length > 0)) {
    if (!(RPC_FAULT_KINDS as readonly string[]).includes(raw)) throw new Error(`--faults: "${raw}" is not a fault kind for remote calls (${RPC_FAULT_KINDS.join(', ')})`);
    if (!out.includes(raw as RpcFaultKind)) out.push(raw as RpcFaultKind);
  }
  if (out.length === 0) throw new Error(`--faults: name at least one of ${RPC_FAULT_KINDS.join(', ')}`);
  return out;
}

function runSeed(campaignSeed: number, index: number): number {
  return (Math.imul(campaignSeed >>> 0, 0x9e3779b1) + index * 7919 + 1) >>> 0;
}

/** One fault on a compute board (rank 1..boards-1), at the first time it enters a stage. */
export function planRpcRun(campaignSeed: number, index: number, boards: number, kinds: readonly RpcFaultKind[]): RpcRunPlan {
  const seed = runSeed(campaignSeed, index);
  const rng = new Prng(seed);
  const kind = kinds[rng.below(kinds.length)]!;
  const stage = RPC_STAGES[rng.below(RPC_STAGES.length)]!;
  const board = 1 + rng.below(boards - 1);
  const trigger = `rpc-${stage}`;
  const faults =
    kind === 'crash' ? [`crash:${board}@${trigger}`]
    : kind === 'hang' ? [`hang:${board}@${trigger}:${HANG_MS[0] + rng.below(HANG_MS[1] - HANG_MS[0])}ms`]
    // The board stops hearing the client for good: the client must finish without it.
    : [`partition:${board}@${trigger}:0`];
  return { index, seed, kind, stage, board, faults };
}

function resultKey(s: SimSummary): string {
  return JSON.stringify(s.app.result);
}

export function classifyRpc(s: SimSummary, expected: string): RpcOutcome {
  if (s.rpc.duplicated > 0) return 'duplicated';
  if (s.ok) return resultKey(s) === expected ? 'identical' : 'wrong';
  // The example's client throws when a result differs from its own computation.
  if (/computed here|is not \d+ float64 values/.test(s.reason)) return 'wrong';
  if (/^virtual time limit|^stalled|^livelock|^wall time limit/.test(s.reason)) return 'hung';
  return 'stopped';
}

export async function runRpcCampaign(o: RpcCampaignOptions): Promise<RpcCampaignResult> {
  const log = o.log ?? (() => undefined);
  if (o.boards < 3) throw new Error('an RPC campaign needs at least 3 boards: a client and two compute boards (one to lose, one to finish)');
  const ref = await runDomain({ ...o.base, seed: String(o.seed) });
  if (!ref.ok) throw new Error(`the fault-free run failed: ${ref.reason}`);
  const expected = resultKey(ref);
  log(`fault-free run: ${expected}, ${Math.round(ref.virtualMs)} ms virtual, ${ref.rpc.calls} calls`);
  // Every stage is bounded (start-up, chunk and silence limits, passes over the list): a run
  // that takes this long has stopped making progress.
  const maxVirtual = `${Math.ceil((ref.virtualMs * 4 + 120_000) / 1000)}s`;
  const base: RunOptions = { ...o.base, maxVirtual };
  const plans = Array.from({ length: o.runs }, (_, i) => planRpcRun(o.seed, i, o.boards, o.kinds));
  const nWorkers = Math.max(1, Math.min(o.workers ?? availableParallelism(), plans.length));
  const reports: RpcRunReport[] = [];
  await runPool({
    worker: new URL('./rpc-worker.js', import.meta.url), data: { base, expected, maxWallMs: RPC_RUN_WALL_MS }, plans, workers: nWorkers, runWallMs: RPC_RUN_WALL_MS,
    silent: (p, ms): RpcRunReport => ({
      ...p, outcome: 'hung', reason: `no report within ${ms} ms of wall time: the campaign worker was stopped`, fired: 0, calls: 0, retries: 0, duplicated: 0, virtualMs: 0,
    }),
    onReport: (r) => {
      reports.push(r);
      o.onRun?.(r);
    },
  });
  reports.sort((a, b) => a.index - b.index);
  const count = (k: RpcOutcome) => reports.filter((r) => r.outcome === k).length;
  const seedsOf = (k: RpcOutcome) => reports.filter((r) => r.outcome === k).map((r) => r.seed);
  const reasons: Record<string, number> = {};
  for (const r of reports.filter((x) => x.outcome === 'stopped')) {
    const key = r.reason.replace(/^board \d+ \(rank \d+\): /, '').replace(/\b\d+(\.\d+)?\b/g, 'N').slice(0, 160);
    reasons[key] = (reasons[key] ?? 0) + 1;
  }
  const byStage: Record<string, number> = {};
  for (const r of reports) byStage[r.stage] = (byStage[r.stage] ?? 0) + 1;
  return {
    runs: reports.length,
    fired: reports.filter((r) => r.fired >= r.faults.length).length,
    identical: count('identical'),
    wrong: count('wrong'),
    duplicated: count('duplicated'),
    hung: count('hung'),
    stopped: count('stopped'),
    calls: reports.reduce((a, r) => a + r.calls, 0),
    retries: reports.reduce((a, r) => a + r.retries, 0),
    byStage,
    reasons,
    seeds: { wrong: seedsOf('wrong'), duplicated: seedsOf('duplicated'), hung: seedsOf('hung'), stopped: seedsOf('stopped') },
    reference: expected,
    maxVirtual,
    reports,
  };
}
