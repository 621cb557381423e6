/**
 * The run's summary (`mcdsm sim --json`, docs/SIMULATOR.md "Output") from the scheduler's slots
 * and links, the interpreted events (interpret.ts) and the fault records (fault-steps.ts).
 */
import type { FaultSteps } from './fault-steps.js';
import { round3, type RunFigures } from './interpret.js';
import type { BoardSummary, LinkSummary, SimConfig, SimSummary } from './sim-types.js';
import type { Slot } from './slot.js';
import type { WireDirection, WireStats } from './wire.js';

export function boardSummaries(slots: readonly Slot[], now: number): BoardSummary[] {
  return slots.map((s) => ({
    node: s.node,
    rank: s.rank,
    engine: s.engine,
    state: s.hungUntil > now ? 'hung' : s.state,
    framesIn: s.framesIn,
    framesOut: s.framesOut,
    bytesIn: s.bytesIn,
    bytesOut: s.bytesOut,
    heapBytes: s.heapBytes,
    heapPeakBytes: s.heapPeakBytes,
    hostMs: Math.round(s.hostMs),
    compute: s.compute,
    cpuMs: round3(s.cpuMs),
    steps: s.steps,
    boots: s.boots,
    ...(s.haltReason !== undefined ? { haltReason: s.haltReason } : {}),
    ...(s.lastEvent !== undefined ? { lastEvent: s.lastEvent } : {}),
  }));
}

export function linkSummaries(cfg: SimConfig, dirs: readonly [WireDirection, WireDirection][]): LinkSummary[] {
  return cfg.topology.edges.map((e, i) => {
    const [ab, ba] = dirs[i]!;
    const sum = (k: keyof WireStats) => ab.stats[k] + ba.stats[k];
    return {
      a: e.a,
      b: e.b,
      kind: e.model.kind === 'uart' ? `uart:${e.model.baud}` : e.model.kind,
      frames: sum('frames'),
      bytes: sum('bytes'),
      lost: sum('lost'),
      corrupted: sum('corrupted'),
      predictedMs: round3(sum('busyMs')),
    };
  });
}

/** Everything the summary is made of, as the scheduler holds it at the end of the run. */
export interface RunState {
  cfg: SimConfig;
  slots: readonly Slot[];
  dirs: readonly [WireDirection, WireDirection][];
  figures: RunFigures;
  steps: FaultSteps;
  stopReason: string;
  traceDigest: string;
  events: number;
  now: number;
  wallMs: number;
  watchdogFired: { board: number; atMs: number }[];
  paced: boolean;
  linkProblems: readonly string[];
}

export function buildSummary(r: RunState): SimSummary {
  const stepFailure = r.stopReason === 'done' ? r.steps.failure(r.cfg.allowUnfiredFaults === true) : null;
  const links = linkSummaries(r.cfg, r.dirs);
  const results: Record<number, unknown> = {};
  for (const [rank, v] of [...r.figures.results.entries()].sort((a, b) => a[0] - b[0])) results[rank] = v;
  return {
    ok: r.stopReason === 'done' && stepFailure === null,
    reason: stepFailure ?? finishedRankNote(r.stopReason, r.figures.results),
    app: { name: r.cfg.app, result: r.figures.results.get(0) ?? null, results },
    traceDigest: r.traceDigest,
    boards: boardSummaries(r.slots, r.now),
    links,
    faults: r.steps.sorted(),
    recoveries: r.figures.recoverySummaries(),
    checkpoints: r.figures.checkpointSummary(),
    wire: { frames: links.reduce((a, l) => a + l.frames, 0), bytes: links.reduce((a, l) => a + l.bytes, 0) },
    events: r.events,
    virtualMs: round3(r.now),
    wallMs: r.wallMs,
    seed: r.cfg.seed,
    cpuNsPerUnit: r.cfg.cpuNsPerUnit ?? 0,
    rpc: r.figures.rpcSummary(),
    watchdog: { limit: r.cfg.watchdog?.label ?? 'off', units: r.cfg.watchdog?.units ?? 0, fired: r.watchdogFired },
    clock: r.paced && r.slots.some((s) => s.isReal) ? 'wall' : 'virtual',
    realBoards: r.slots.filter((s) => s.isReal).map((s) => s.node),
    linkProblems: [...r.linkProblems],
  };
}

/**
 * FT stops a domain without a spare when a rank fails, even a rank that had given its result
 * and that nothing needed any more (docs/FT.md "A member that fails after its app finished";
 * letting it go needs FT to know a rank is done and whose pages are read). What the user then
 * needs is that its result stands (app.results keeps it) and why the ranks still running have
 * none: the stop reason says so, naming the result, rather than only "rank 1 failed".
 */
export function finishedRankNote(reason: string, results: ReadonlyMap<number, unknown>): string {
  const finished: string[] = [];
  for (const m of reason.matchAll(/rank (\d+) \(node \d+\) failed and (?:no spare|the spare|no board)/g)) {
    const rank = Number(m[1]);
    if (results.has(rank)) finished.push(`rank ${rank} had given its result (${JSON.stringify(results.get(rank))}) before it failed`);
  }
  if (finished.length === 0) return reason;
  return `${reason}; ${finished.join(', ')}: the results given stand, the ranks still running were stopped (a spare, or the app's \`shrink\`, lets them finish: docs/FT.md)`;
}
