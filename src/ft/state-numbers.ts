/**
 * FtState's numbers (src/ft/state.ts): the base class that holds FT's figures and the state's own
 * numbers in one Float64Array, with the accessors the module's parts read them through.
 */
import { FF_SIZE, newFtFigures } from './figures.js';
import type { FtFigures } from './figures.js';

/**
 * FtState's own numbers (its counters, timers, epochs, rounds and flags) are kept after FT's
figures in the same Float64Array (`FtState.figs`), read and written through accessors on the
class (in flash on a preloaded firmware): an XS object keeps each property in a slot of the
slot heap a Laplace + FT board runs short of, a typed array its numbers in the chunk heap
(docs/FOOTPRINT.md "Round 13: Laplace slots"). Flags are 0 / 1.
 */
const FS_NODE = FF_SIZE + 0;
const FS_VERSION_HASH = FF_SIZE + 1;
const FS_INCARNATION = FF_SIZE + 2;
const FS_EPOCH_V = FF_SIZE + 3;
const FS_MAX_EPOCH_SEEN = FF_SIZE + 4;
const FS_VIEW_COORD = FF_SIZE + 5;
const FS_CHANGES = FF_SIZE + 6;
const FS_TICK_TIMER = FF_SIZE + 7;
const FS_LAST_TICK = FF_SIZE + 8;
const FS_LAST_JOIN_AT = FF_SIZE + 9;
const FS_ISOLATED_SINCE = FF_SIZE + 10;
const FS_JOIN_TARGET = FF_SIZE + 11;
const FS_FURTHEST_HEARD = FF_SIZE + 12;
const FS_RUNNING_TOLD_EPOCH = FF_SIZE + 13;
const FS_RELAYED_COMMITTED = FF_SIZE + 14;
const FS_RELAYED_ABORTED = FF_SIZE + 15;
const FS_LAST_SUSPECT_REPEAT = FF_SIZE + 16;
const FS_LAST_COMMITTED = FF_SIZE + 17;
const FS_LAST_ABORTED = FF_SIZE + 18;
const FS_COMMITTED_PROGRESS = FF_SIZE + 19;
const FS_REQUEST_TARGET = FF_SIZE + 20;
const FS_LAST_ROUND_REPEAT = FF_SIZE + 21;
const FS_PUMP_TIMER = FF_SIZE + 22;
const FS_COMPUTE_AT = FF_SIZE + 23;
const FS_COMPUTE_GAP = FF_SIZE + 24;
const FS_COMPUTE_BURST = FF_SIZE + 25;
const FS_LAST_BURST = FF_SIZE + 26;
const FS_HOLD_TIMER = FF_SIZE + 27;
const FS_RECOVERY_STARTED_AT = FF_SIZE + 28;
const FS_RECOVERY_PROGRESS = FF_SIZE + 29;
const FS_RETRY_TIMER = FF_SIZE + 30;
const FS_STOP_IS_DOMAIN = FF_SIZE + 31;
const FS_STARTED = FF_SIZE + 32;
const FS_ISOLATED = FF_SIZE + 33;
const FS_COUNT = 34;

export class FtNumbers {
  /** Checkpoint figures, counters, memory peaks: one Float64Array indexed by FF_* (figures.ts); the state's own numbers after them (FS_*). */
  readonly figs: FtFigures = newFtFigures(FS_COUNT);

  constructor(node: number, versionHash: number, incarnation: number) {
    const f = this.figs;
    f[FS_NODE] = node;
    f[FS_VERSION_HASH] = versionHash;
    f[FS_INCARNATION] = incarnation;
  }

  get node(): number {
    return this.figs[FS_NODE]!;
  }

  /** Hash of options.version, compared in the join handshake. */
  get versionHash(): number {
    return this.figs[FS_VERSION_HASH]!;
  }

  /** Random at boot: tells a restarted board from the one that was there before. */
  get incarnation(): number {
    return this.figs[FS_INCARNATION]!;
  }

  get epochV(): number {
    return this.figs[FS_EPOCH_V]!;
  }

  set epochV(v: number) {
    this.figs[FS_EPOCH_V] = v;
  }

  get maxEpochSeen(): number {
    return this.figs[FS_MAX_EPOCH_SEEN]!;
  }

  set maxEpochSeen(v: number) {
    this.figs[FS_MAX_EPOCH_SEEN] = v;
  }

  get viewCoord(): number {
    return this.figs[FS_VIEW_COORD]!;
  }

  set viewCoord(v: number) {
    this.figs[FS_VIEW_COORD] = v;
  }

  /** Bumped at every change of epoch or phase; deferred effects of an older state do nothing. */
  get changes(): number {
    return this.figs[FS_CHANGES]!;
  }

  set changes(v: number) {
    this.figs[FS_CHANGES] = v;
  }

  get tickTimer(): number {
    return this.figs[FS_TICK_TIMER]!;
  }

  set tickTimer(v: number) {
    this.figs[FS_TICK_TIMER] = v;
  }

  get lastTick(): number {
    return this.figs[FS_LAST_TICK]!;
  }

  set lastTick(v: number) {
    this.figs[FS_LAST_TICK] = v;
  }

  get lastJoinAt(): number {
    return this.figs[FS_LAST_JOIN_AT]!;
  }

  set lastJoinAt(v: number) {
    this.figs[FS_LAST_JOIN_AT] = v;
  }

  get isolatedSince(): number {
    return this.figs[FS_ISOLATED_SINCE]!;
  }

  set isolatedSince(v: number) {
    this.figs[FS_ISOLATED_SINCE] = v;
  }

  get joinTarget(): number {
    return this.figs[FS_JOIN_TARGET]!;
  }

  set joinTarget(v: number) {
    this.figs[FS_JOIN_TARGET] = v;
  }

  /** The furthest progress heard in this epoch (heartbeats' `furthest`): `ckpt now` chooses from it. */
  get furthestHeard(): number {
    return this.figs[FS_FURTHEST_HEARD]!;
  }

  set furthestHeard(v: number) {
    this.figs[FS_FURTHEST_HEARD] = v;
  }

  /** The epoch in which this board's heartbeat with progress went to the coordinator (-1: none). */
  get runningToldEpoch(): number {
    return this.figs[FS_RUNNING_TOLD_EPOCH]!;
  }

  set runningToldEpoch(v: number) {
    this.figs[FS_RUNNING_TOLD_EPOCH] = v;
  }

  /** The highest committed and aborted rounds members of this view passed on in this epoch (membership.repairDecisions). */
  get relayedCommitted(): number {
    return this.figs[FS_RELAYED_COMMITTED]!;
  }

  set relayedCommitted(v: number) {
    this.figs[FS_RELAYED_COMMITTED] = v;
  }

  get relayedAborted(): number {
    return this.figs[FS_RELAYED_ABORTED]!;
  }

  set relayedAborted(v: number) {
    this.figs[FS_RELAYED_ABORTED] = v;
  }

  /** When SUSPECT reports were last repeated (membership.resend). */
  get lastSuspectRepeat(): number {
    return this.figs[FS_LAST_SUSPECT_REPEAT]!;
  }

  set lastSuspectRepeat(v: number) {
    this.figs[FS_LAST_SUSPECT_REPEAT] = v;
  }

  get lastCommitted(): number {
    return this.figs[FS_LAST_COMMITTED]!;
  }

  set lastCommitted(v: number) {
    this.figs[FS_LAST_COMMITTED] = v;
  }

  get lastAborted(): number {
    return this.figs[FS_LAST_ABORTED]!;
  }

  set lastAborted(v: number) {
    this.figs[FS_LAST_ABORTED] = v;
  }

  get committedProgress(): number {
    return this.figs[FS_COMMITTED_PROGRESS]!;
  }

  set committedProgress(v: number) {
    this.figs[FS_COMMITTED_PROGRESS] = v;
  }

  /** `ckpt now`: the opportunity every rank checkpoints at (-1: none). */
  get requestTarget(): number {
    return this.figs[FS_REQUEST_TARGET]!;
  }

  set requestTarget(v: number) {
    this.figs[FS_REQUEST_TARGET] = v;
  }

  get lastRoundRepeat(): number {
    return this.figs[FS_LAST_ROUND_REPEAT]!;
  }

  set lastRoundRepeat(v: number) {
    this.figs[FS_LAST_ROUND_REPEAT] = v;
  }

  get pumpTimer(): number {
    return this.figs[FS_PUMP_TIMER]!;
  }

  set pumpTimer(v: number) {
    this.figs[FS_PUMP_TIMER] = v;
  }

  /** When the app last called `yield` (-1: never), the usual time between its calls, and the timer that reopens a held stream. */
  get computeAt(): number {
    return this.figs[FS_COMPUTE_AT]!;
  }

  set computeAt(v: number) {
    this.figs[FS_COMPUTE_AT] = v;
  }

  get computeGap(): number {
    return this.figs[FS_COMPUTE_GAP]!;
  }

  set computeGap(v: number) {
    this.figs[FS_COMPUTE_GAP] = v;
  }

  /** Yields in the current compute burst, and in the previous one. */
  get computeBurst(): number {
    return this.figs[FS_COMPUTE_BURST]!;
  }

  set computeBurst(v: number) {
    this.figs[FS_COMPUTE_BURST] = v;
  }

  get lastBurst(): number {
    return this.figs[FS_LAST_BURST]!;
  }

  set lastBurst(v: number) {
    this.figs[FS_LAST_BURST] = v;
  }

  get holdTimer(): number {
    return this.figs[FS_HOLD_TIMER]!;
  }

  set holdTimer(v: number) {
    this.figs[FS_HOLD_TIMER] = v;
  }

  get recoveryStartedAt(): number {
    return this.figs[FS_RECOVERY_STARTED_AT]!;
  }

  set recoveryStartedAt(v: number) {
    this.figs[FS_RECOVERY_STARTED_AT] = v;
  }

  /** Progress the runs had made when the recovery revoked them. */
  get recoveryProgress(): number {
    return this.figs[FS_RECOVERY_PROGRESS]!;
  }

  set recoveryProgress(v: number) {
    this.figs[FS_RECOVERY_PROGRESS] = v;
  }

  get retryTimer(): number {
    return this.figs[FS_RETRY_TIMER]!;
  }

  set retryTimer(v: number) {
    this.figs[FS_RETRY_TIMER] = v;
  }

  /** The stop is the domain's (a recovery found the run cannot go on), not just this board's. */
  get stopIsDomain(): boolean {
    return this.figs[FS_STOP_IS_DOMAIN] === 1;
  }

  set stopIsDomain(v: boolean) {
    this.figs[FS_STOP_IS_DOMAIN] = v ? 1 : 0;
  }

  get started(): boolean {
    return this.figs[FS_STARTED] === 1;
  }

  set started(v: boolean) {
    this.figs[FS_STARTED] = v ? 1 : 0;
  }

  /** Left its run for lack of a quorum (quorum.ts): judges nobody until it is admitted again. */
  get isolated(): boolean {
    return this.figs[FS_ISOLATED] === 1;
  }

  set isolated(v: boolean) {
    this.figs[FS_ISOLATED] = v ? 1 : 0;
  }
}
