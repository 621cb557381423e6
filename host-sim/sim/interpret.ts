/**
 * Event interpretation: what the runtime events the boards report (src/events.ts, read with
 * its parser — no detail is parsed by hand here) mean for the run's summary. App results by
 * rank, the fault-tolerance figures (recoveries from the new view's coordinator, checkpoint
 * and memory figures from every board) and the remote-call figures (client reports, server
 * completions for the exactly-once check).
 */
import { BOARD_EVENT, FT_EVENT, RPC_EVENT, parseEvent } from '../../src/events.js';
import type { FtStats } from '../../src/ft/types.js';
import type { RpcCallReport } from '../../src/rpc/types.js';
import type { CheckpointSummary, RecoverySummary, RpcSummary } from './sim-types.js';

/** Events that carry figures for the summary only: they are not app events or fault triggers. */
const FIGURE_EVENTS: ReadonlySet<string> = new Set([FT_EVENT.FT_RECOVERY, FT_EVENT.FT_STATS, RPC_EVENT.CALL, RPC_EVENT.DONE]);

export function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}

export class RunFigures {
  /** What each rank's `main` returned (app-result). */
  readonly results = new Map<number, unknown>();
  /** By epoch. */
  private readonly recoveries = new Map<number, RecoverySummary>();
  /** The last ft-stats of each board. */
  private readonly ftStats = new Map<number, FtStats>();
  /** Remote calls: client reports and function completions per call (`client:call`). */
  private readonly rpcReports: RpcCallReport[] = [];
  private readonly rpcDelivered = new Map<string, number>();
  private readonly rpcCompleted = new Map<string, { n: number; idempotent: boolean }>();

  constructor(private readonly warn: (node: number, message: string) => void) {}

  /**
   * Take a figures event of board `node`; false for any other event (the scheduler handles
   * those: app start, result and error, faults, triggers).
   */
  take(node: number, name: string, value: number, detail: string): boolean {
    if (!FIGURE_EVENTS.has(name)) return false;
    const e = parseEvent(name, value, detail);
    // A board of other code: its figures are left out, and said so.
    const unreadable = (): true => {
      this.warn(node, `unreadable ${name} figures: ${detail.slice(0, 80)}`);
      return true;
    };
    if (e === null) return unreadable();
    switch (e.name) {
      case 'ft-stats':
        if (e.stats === null) return unreadable();
        this.ftStats.set(node, e.stats);
        return true;
      case 'ft-recovery': {
        const r = e.figures;
        if (r === null) return unreadable();
        this.recoveries.set(value, {
          epoch: r.epoch,
          generation: r.generation,
          failed: r.failed,
          replacements: r.replacements,
          ranks: r.ranks,
          shrink: r.shrink,
          detectMs: round3(r.detectMs),
          restoreMs: round3(r.restoreMs),
          totalMs: round3(r.totalMs),
          lostIterations: r.lostIterations,
          bytes: r.bytes,
        });
        return true;
      }
      case 'rpc-done': {
        // From the server whose function finished.
        const key = `${e.client}:${e.call}`;
        const c = this.rpcCompleted.get(key) ?? { n: 0, idempotent: e.idempotent };
        c.n++;
        this.rpcCompleted.set(key, c);
        return true;
      }
      case 'rpc-call': {
        const r = e.report;
        if (r === null) return unreadable();
        this.rpcReports.push(r);
        const key = `${node}:${r.call}`;
        this.rpcDelivered.set(key, (this.rpcDelivered.get(key) ?? 0) + 1);
        return true;
      }
      default:
        return true;
    }
  }

  /** An app-result's value (JSON, or the text when it is not JSON). */
  takeResult(rank: number, detail: string): void {
    const e = parseEvent(BOARD_EVENT.APP_RESULT, rank, detail);
    this.results.set(rank, e !== null && e.name === 'app-result' ? e.result : detail);
  }

  recoverySummaries(): RecoverySummary[] {
    return [...this.recoveries.values()].sort((a, b) => a.epoch - b.epoch);
  }

  rpcSummary(): RpcSummary {
    const byStage = { start: 0, args: 0, compute: 0, result: 0 };
    let lostMs = 0;
    let resentBytes = 0;
    for (const r of this.rpcReports) {
      for (const f of r.failures) {
        if (typeof f.stage === 'string' && f.stage in byStage) byStage[f.stage]++;
        lostMs += typeof f.lostMs === 'number' ? f.lostMs : 0;
        resentBytes += typeof f.resentBytes === 'number' ? f.resentBytes : 0;
      }
    }
    let duplicated = 0;
    for (const n of this.rpcDelivered.values()) if (n > 1) duplicated++;
    for (const c of this.rpcCompleted.values()) if (!c.idempotent && c.n > 1) duplicated++;
    return {
      calls: this.rpcReports.length,
      failed: this.rpcReports.filter((r) => r.ok !== true).length,
      retries: this.rpcReports.reduce((a, r) => a + Math.max(0, r.attempts - 1), 0),
      resumed: this.rpcReports.filter((r) => r.resumed === true).length,
      byStage,
      lostMs: round3(lostMs),
      resentBytes,
      duplicated,
    };
  }

  checkpointSummary(): CheckpointSummary {
    const all = [...this.ftStats.values()];
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    return {
      count: Math.max(0, ...all.map((s) => s.checkpoints.count)),
      bytesSent: sum(all.map((s) => s.checkpoints.bytesSent)),
      changedBytes: sum(all.map((s) => s.checkpoints.changedBytes)),
      maxBoardChangedBytes: Math.max(0, ...all.map((s) => s.checkpoints.changedBytes)),
      fullImageBytes: sum(all.map((s) => s.checkpoints.fullImageBytes)),
      memoryMultiple: round3(Math.max(0, ...all.map((s) => s.memory.peakMultiple))),
    };
  }
}
