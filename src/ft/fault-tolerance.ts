/**
 * The fault-tolerance module of one board: membership (join handshake, views at epochs),
 * heartbeat failure detection, coordinated checkpoints with a two-phase commit whose data
 * lives in buddy boards' RAM, and recovery (roll everyone back to the last committed
 * checkpoint, a spare takes the failed rank, lost copies are rebuilt). docs/FT.md is the
 * description.
 *
 * This class is the surface the board runtime and the runs use. The protocol lives in
 * functions over the shared state (state.ts): membership.ts, checkpoint.ts, transfer.ts,
 * recovery.ts, on top of the pure parts (detector, images, streams, plan). Everything runs
 * from network callbacks and timers. A phase a fault scenario wants to interrupt
 * (`ckpt-send`, `ckpt-commit`, `recovery-transfer`) is announced with Hal.event first and
 * carried out from a zero-delay timer, so a crash triggered by the event lands before it.
 */
import type { NetFrame } from '../net/net.js';
import { FrameType } from '../wire/frame-types.js';
import type { AppState } from './app-state.js';
import * as ckpt from './checkpoint.js';
import { FtFrame, encodeReason } from './frames.js';
import * as member from './membership.js';
import type { FtOptions, ResolvedFtOptions } from './options.js';
import * as recovery from './recovery.js';
import type { FtRun, FtRunHost } from './run.js';
import { FtState } from './state.js';
import type { FtHal, FtHooks, FtListener, FtNet, OutStream } from './state.js';
import type { RecvStatus } from './stream.js';
import * as transfer from './transfer.js';
import type { FtPhase, FtRecoveryFigures, FtStats } from './types.js';
import { buddiesOf, membersOf, ranksOf, wardsOf } from './view.js';
import { FF_FRAMES_IN, FF_LAST_PEAK_MULTIPLE, FF_PEAK_BYTES, FF_RECOVERY_COUNT, checkpointFigures, ftCounters } from './figures.js';
import { FS_EPOCH, FS_HOLD_TIMER, FS_INCARNATION, FS_LAST_COMMITTED, FS_MAX_EPOCH_SEEN, FS_STARTED, FS_STOP_IS_DOMAIN, FS_TICK_TIMER, FS_VERSION_HASH, FS_VIEW_COORD } from './state-numbers.js';

export type { FtHal, FtListener, FtNet } from './state.js';

export class FaultTolerance implements FtRunHost, FtHooks {
  private readonly ft: FtState;

  constructor(net: FtNet, hal: FtHal, options: FtOptions) {
    this.ft = new FtState(net, hal, options, this);
  }

  get node(): number {
    return this.ft.node;
  }

  get options(): ResolvedFtOptions {
    return this.ft.options;
  }

  /** Hash of options.version, compared in the join handshake. */
  get versionHash(): number {
    return this.ft.figs[FS_VERSION_HASH]!;
  }

  /** Random at boot: a board that restarted is told apart by it. */
  get incarnation(): number {
    return this.ft.figs[FS_INCARNATION]!;
  }

  // ---- the board's side ------------------------------------------------------------------------

  /**
   * Who starts each run (the first one once admitted, then after every recovery) and hears
   * once if the module stops for good (refused, unrecoverable): an object's methods, not
   * closures (docs/FOOTPRINT.md "Round 10: Laplace footprint").
   */
  listen(listener: FtListener): void {
    this.ft.listener = listener;
  }

  /** @internal FtHooks: a ward's previous round committed (learnt from its new delta). */
  applyCommit(round: number): void {
    ckpt.applyCommit(this.ft, round);
  }

  /** @internal FtHooks: a round's delta stream ended. */
  deltaDone(o: OutStream, status: 'stored' | 'unsendable' | RecvStatus): void {
    ckpt.deltaDone(this.ft, o, status);
  }

  /** @internal FtHooks: a frame this board sent itself. */
  ownFrame(f: NetFrame): void {
    this.onFrame(f);
  }

  /** @internal FtHooks: a recovery copy was installed. */
  copyInstalled(): void {
    recovery.checkReady(this.ft);
  }

  /** Register with the network and start the join handshake and heartbeats. */
  start(): void {
    const ft = this.ft;
    if (ft.figs[FS_STARTED] === 1) return;
    ft.figs[FS_STARTED] = 1;
    const now = ft.hal.now();
    for (const n of membersOf(ft.map)) ft.detector.watch(n, now);
    // Any frame of the layers above the network is a sign of life (heartbeats are one of them).
    ft.net.register(FrameType.MCAPI_FIRST, FrameType.DSM_LAST, (f) => ft.detector.heard(f.src, ft.hal.now()));
    ft.net.register(FrameType.FT_FIRST, FrameType.FT_LAST, (f) => this.onFrame(f));
    // Checkpoint data is large and not urgent: it must not hold up the application's frames.
    ft.net.lowPriority(FtFrame.CKPT_DATA, FtFrame.CKPT_DATA);
    member.tick(ft);
  }

  /** Stop timers (the board is going away). */
  stop(): void {
    const ft = this.ft;
    ft.figs[FS_STARTED] = 0;
    if (ft.figs[FS_TICK_TIMER]! >= 0) ft.hal.clearTimer(ft.figs[FS_TICK_TIMER]!);
    ft.figs[FS_TICK_TIMER] = -1;
    // A background delta held for the app's compute phase must not be pumped by a stopped board.
    if (ft.figs[FS_HOLD_TIMER]! >= 0) ft.hal.clearTimer(ft.figs[FS_HOLD_TIMER]!);
    ft.figs[FS_HOLD_TIMER] = -1;
  }

  get phase(): FtPhase {
    return this.ft.phaseV;
  }

  get epoch(): number {
    return this.ft.figs[FS_EPOCH]!;
  }

  /** Node of each rank in the current view. */
  rankMap(): number[] {
    return this.ft.map.slice();
  }

  /** Ranks this board runs now. */
  hostedRanks(): number[] {
    return this.ft.phaseV === 'running' ? ranksOf(this.ft.map, this.ft.node) : [];
  }

  /** The last committed checkpoint generation (0: none). */
  get generation(): number {
    return this.ft.figs[FS_LAST_COMMITTED]!;
  }

  get stopReason(): string {
    return this.ft.stopReasonV;
  }

  /** The figures of the last recovery this board took part in (null: none yet). */
  lastRecovery(): FtRecoveryFigures | null {
    const r = this.ft.recoveries[this.ft.recoveries.length - 1];
    return r === undefined ? null : { ...r, failed: r.failed.slice(), ranks: r.ranks.slice(), replacements: r.replacements.slice() };
  }

  /**
   * `ckpt now`: ask every rank to checkpoint at its next opportunity; resolves when a
   * checkpoint commits after the request (or rejects on abort / timeout).
   */
  requestCheckpoint(): Promise<{ generation: number; progress: number }> {
    return ckpt.requestCheckpoint(this.ft);
  }

  stats(): FtStats {
    const ft = this.ft;
    const m = ft.memoryParts();
    const total = m.own + m.ward + m.pending;
    const mine = this.hostedRanks();
    const buddies = new Set<number>();
    for (const r of mine) for (const b of buddiesOf(ft.map, r, ft.options.buddies)) buddies.add(b);
    return {
      phase: ft.phaseV,
      epoch: ft.figs[FS_EPOCH]!,
      rankMap: ft.map.slice(),
      ranks: mine,
      coordinator: ft.figs[FS_VIEW_COORD]!,
      buddies: [...buddies].sort((a, b) => a - b),
      wards: ft.phaseV === 'running' ? wardsOf(ft.map, ft.node, ft.options.buddies) : [],
      checkpoints: checkpointFigures(ft.figs, ft.lastAbort),
      memory: {
        ownBytes: m.own,
        wardBytes: m.ward,
        pendingBytes: m.pending,
        lentBytes: m.lent,
        totalBytes: total,
        peakBytes: ft.figs[FF_PEAK_BYTES]!,
        stateBytes: m.state,
        multiple: m.state > 0 ? total / m.state : 0,
        peakMultiple: ft.figs[FF_LAST_PEAK_MULTIPLE]!,
        limit: ft.options.maxStoreBytes,
      },
      recoveries: ft.recoveries.map((r) => ({ ...r, failed: r.failed.slice(), ranks: r.ranks.slice(), replacements: r.replacements.slice() })),
      recoveryCount: ft.figs[FF_RECOVERY_COUNT]!,
      ...ftCounters(ft.figs),
      stopReason: ft.stopReasonV,
    };
  }

  // ---- runs (FtRunHost) --------------------------------------------------------------------------

  checkpointRun(run: FtRun, state: AppState, progress: number, background: boolean): Promise<void> {
    return ckpt.checkpointRun(this.ft, run, state, progress, background);
  }

  settledRun(run: FtRun): Promise<void> {
    return ckpt.settledRun(this.ft, run);
  }

  opportunityRun(run: FtRun, progress: number, state: () => AppState): Promise<boolean> {
    return ckpt.opportunityRun(this.ft, run, progress, state);
  }

  yieldRun(run: FtRun): Promise<void> {
    return ckpt.yieldRun(this.ft, run);
  }

  progressRun(run: FtRun, progress: number): void {
    ckpt.progressRun(this.ft, run, progress);
  }

  // ---- frames ------------------------------------------------------------------------------------

  private onFrame(f: NetFrame): void {
    const ft = this.ft;
    ft.figs[FF_FRAMES_IN]!++;
    if (ft.phaseV === 'stopped') {
      // A board that joins a run that has stopped learns why instead of waiting forever.
      if (f.type === FtFrame.JOIN && ft.figs[FS_STOP_IS_DOMAIN] === 1) ft.sendCtl(f.src, FtFrame.STOP, encodeReason(ft.stopReasonV));
      return;
    }
    ft.detector.heard(f.src, ft.hal.now());
    if (f.epoch > ft.figs[FS_MAX_EPOCH_SEEN]!) ft.figs[FS_MAX_EPOCH_SEEN] = f.epoch;
    switch (f.type) {
      case FtFrame.HEARTBEAT: return member.onHeartbeat(ft, f);
      case FtFrame.JOIN: return member.onJoin(ft, f);
      case FtFrame.VIEW: return member.onView(ft, f);
      case FtFrame.REFUSE: return member.onRefuse(ft, f);
      case FtFrame.SUSPECT: return member.onSuspectReport(ft, f);
      case FtFrame.STOP: return member.onStopFrame(ft, f);
      case FtFrame.CKPT_START: return ckpt.onCkptStart(ft, f);
      case FtFrame.CKPT_STORED: return ckpt.onCkptStored(ft, f);
      case FtFrame.CKPT_COMMIT: return ckpt.onCkptCommit(ft, f);
      case FtFrame.CKPT_ABORT: return ckpt.onCkptAbort(ft, f);
      case FtFrame.CKPT_REFUSE: return ckpt.onCkptRefuse(ft, f);
      case FtFrame.CKPT_REQUEST: return ckpt.onCkptRequest(ft, f);
      case FtFrame.CKPT_AT: return ckpt.onCkptAt(ft, f);
      case FtFrame.CKPT_DATA: return transfer.onData(ft, f);
      case FtFrame.CKPT_ACK: return transfer.onAck(ft, f);
      case FtFrame.REC_BEGIN: return recovery.onRecBegin(ft, f);
      case FtFrame.REC_STATE: return recovery.onRecState(ft, f);
      case FtFrame.REC_PLAN: return recovery.onRecPlan(ft, f);
      case FtFrame.REC_READY: return recovery.onRecReady(ft, f);
      case FtFrame.REC_RESUME: return recovery.onRecResume(ft, f);
      default: return ft.malformed();
    }
  }
}
