/**
 * The fault-tolerance vocabulary: what goes into a checkpoint (named byte segments from
 * content providers), errors, and the figures the module reports. Everything the board
 * runtime, the DSM or an application touches is declared here.
 */

/** How a checkpoint call waits (AppFt.checkpoint). */
export interface CheckpointCallOptions {
  /**
   * Resolve once this rank's changed bytes are captured (copied), not when the round commits:
   * the app computes on while the delta streams to the buddies as low-priority data, and the
   * round commits when every buddy has it. A failure before the commit rolls every rank back
   * to the last committed generation, as always. The next checkpoint call of the rank waits
   * until this round is decided (committed or aborted). Costs a copy of the changed bytes
   * (checkpoint memory 2 + 2d instead of 2 + d). Default false: resolve at the commit.
   */
  background?: boolean;
}

/** One named piece of a rank's checkpoint: `app`, `dsm/<array>/<page>`, ... */
export interface Segment {
  readonly name: string;
  readonly bytes: Uint8Array;
}

/**
 * A source of checkpoint content for one rank (the DSM's home pages, ...). Segment names are
 * `prefix` or start with `prefix/`; `app` is reserved for the application's own state.
 *
 * `capture` is called when the rank checkpoints; it may return views of live memory. Without
 * `release`, the changed bytes are copied before the checkpoint call returns. `restore` is
 * called once, when the content is added to a run that was restored from a checkpoint, with
 * copies of the segments under `prefix` that the checkpoint holds (possibly none).
 */
export interface CheckpointContent {
  readonly prefix: string;
  capture(): readonly Segment[];
  restore(segments: readonly Segment[]): void;
  /**
   * Optional: the content *lends* what `capture` returned instead of having it copied. The
   * bytes must then stay exactly as captured — whatever the app or other boards write — until
   * FT calls `release()`: once the round is committed (FT has copied them into its image),
   * aborted, or settled by a recovery. A content that can promise this (copy-on-write, or
   * nothing writes to it meanwhile) saves the tentative copy of its changes: with one buddy the
   * checkpoint memory peaks at 2 + d times the state instead of 2 + 2d (d: the changed share).
   */
  release?(): void;
}

export type FtErrorCode =
  | 'BAD_ARG'
  | 'NOT_SERIALIZABLE'
  | 'NOT_RUNNING'
  | 'BUSY'
  | 'TIMEOUT'
  | 'ABORTED'
  | 'MEM_LIMIT'
  | 'UNRECOVERABLE'
  | 'REFUSED';

export class FtError extends Error {
  /**
   * On the prototype, not assigned per instance: Moddable freezes Error.prototype at preload,
   * so `this.name = ...` would throw (its inherited `name` is read-only). See docs/TARGETS.md.
   */
  override get name(): string {
    return 'FtError';
  }

  constructor(
    readonly code: FtErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * `joining`: waiting to be admitted (at boot, after a reboot, after being left out of a view);
 * `running`: member (hosts ranks) or spare; `recovering`: taking part in a recovery;
 * `stopped`: refused or unrecoverable, for good.
 */
export type FtPhase = 'joining' | 'running' | 'recovering' | 'stopped';

/** One recovery, as the board that coordinated it measured it (every board records it). */
export interface FtRecoveryFigures {
  /** Membership epoch the recovery produced. */
  epoch: number;
  /** Checkpoint generation everyone rolled back to (0: the start). */
  generation: number;
  /** Nodes that were dropped from the membership. */
  failed: number[];
  /** Ranks that moved, and the node that holds each of them now. */
  ranks: number[];
  replacements: number[];
  /** True when a survivor took a rank because no spare was left. */
  shrink: boolean;
  /** Last sign of life of the failed node to its suspicion (virtual ms). */
  detectMs: number;
  /** Suspicion to the restart of the application. */
  restoreMs: number;
  totalMs: number;
  /** Progress (iterations) that had been made past the restored checkpoint and is redone. */
  lostIterations: number;
  /** Bytes of checkpoint images copied by the recovery (spare transfers and rebuilt buddy copies). */
  bytes: number;
}

export interface FtCheckpointFigures {
  /** Checkpoints committed (rounds this board took part in). */
  count: number;
  aborted: number;
  /** Generation of the last committed checkpoint (0: none). */
  generation: number;
  /** Progress (iteration) recorded with it. */
  progress: number;
  /** Duration of the last committed checkpoint on this board: call to commit. */
  lastMs: number;
  /** FT payload bytes of checkpoint data frames sent (headers included), all rounds. */
  bytesSent: number;
  /** Bytes of the changed spans those frames carried. */
  changedBytes: number;
  /** Full image bytes of the states checkpointed (what a non-incremental scheme would send), all rounds. */
  fullImageBytes: number;
  lastBytesSent: number;
  lastChangedBytes: number;
  lastFullImageBytes: number;
  /** Last reason a checkpoint was aborted ('' if none). */
  lastAbort: string;
}

export interface FtMemoryFigures {
  /** Committed images of the ranks this board hosts. */
  ownBytes: number;
  /** Committed images this board keeps for other ranks (it is their buddy). */
  wardBytes: number;
  /** Tentative data (own and wards'), not yet committed, that FT holds. */
  pendingBytes: number;
  /** Tentative data referenced in memory lent by contents (theirs, not counted in totalBytes). */
  lentBytes: number;
  totalBytes: number;
  /** Highest totalBytes seen. */
  peakBytes: number;
  /** Size of this board's own checkpointed state (its ranks' images). */
  stateBytes: number;
  /** totalBytes / stateBytes, and the same at the peak of the last checkpoint. */
  multiple: number;
  peakMultiple: number;
  /** Configured limit on totalBytes. */
  limit: number;
}

export interface FtStats {
  phase: FtPhase;
  epoch: number;
  /** Node holding each rank in the current view. */
  rankMap: number[];
  /** Ranks this board hosts. */
  ranks: number[];
  coordinator: number;
  /** Buddy nodes of each hosted rank, and the ranks this board keeps copies for. */
  buddies: number[];
  wards: number[];
  checkpoints: FtCheckpointFigures;
  memory: FtMemoryFigures;
  /** The last few recoveries (RECOVERIES_KEPT in src/ft/recovery.ts), oldest first. */
  recoveries: FtRecoveryFigures[];
  /** Every recovery this board took part in. */
  recoveryCount: number;
  heartbeatsSent: number;
  /** Heartbeats to a ring neighbour left out because other frames to it said as much (docs/FT.md §6). */
  heartbeatsSkipped: number;
  heartbeatsReceived: number;
  suspicions: number;
  framesIn: number;
  framesOut: number;
  /** FT frames dropped as malformed, or from another epoch / phase. */
  malformed: number;
  stale: number;
  /** Control frames the network refused and that were retried. */
  retries: number;
  /** Why the module stopped ('' while it runs). */
  stopReason: string;
}
