/**
 * One run of the application for one rank: what `main` gets from the fault-tolerance module.
 * A run starts when the membership admits the board (fresh, generation 0) and again after
 * every recovery (restored from the checkpoint everyone rolled back to). A run that was
 * superseded is inactive: its calls return promises that never settle, so the old `main`
 * simply stops where it stands while the new one starts from the checkpoint.
 */
import type { AppState } from './app-state.js';
import { decodeAppState } from './app-state.js';
import type { CheckpointCallOptions, CheckpointContent, Segment } from './types.js';
import { FtError } from './types.js';

/** The part of FaultTolerance a run calls. */
/** What a run calls or closes when it is superseded (FtRun.onRevoke). */
export type RevokeListener = (() => void) | { close(): void };

function callRevoke(l: RevokeListener): void {
  if (typeof l === 'function') l();
  else l.close();
}

export interface FtRunHost {
  checkpointRun(run: FtRun, state: AppState, progress: number, background: boolean): Promise<void>;
  settledRun(run: FtRun): Promise<void>;
  opportunityRun(run: FtRun, progress: number, state: () => AppState): Promise<boolean>;
  yieldRun(run: FtRun): Promise<void>;
  progressRun(run: FtRun, progress: number): void;
}

export const APP_SEGMENT = 'app';

export class FtRun {
  /** False once a rollback (or a stop) superseded this run. */
  active = true;
  /** Last progress value the app reported (iteration), for lost-work figures and `ckpt now`. */
  lastProgress: number;
  readonly contents: CheckpointContent[] = [];
  /** The application state saved with the checkpoint this run starts from; null on a fresh start. */
  readonly restored: AppState;
  private segments: Segment[] | null;
  private revokeListeners: RevokeListener[] = [];

  constructor(
    private readonly host: FtRunHost,
    readonly rank: number,
    readonly epoch: number,
    /** Generation restored (0: fresh start). */
    readonly generation: number,
    /** Progress recorded with that checkpoint. */
    readonly progress: number,
    segments: Segment[],
  ) {
    this.lastProgress = progress;
    const app = segments.find((s) => s.name === APP_SEGMENT);
    this.restored = app === undefined ? null : decodeAppState(app.bytes);
    this.segments = segments;
  }

  /**
   * Add a content provider (the DSM's home pages, ...). If this run was restored, the
   * provider's segments are handed to its `restore` now (copies: the provider may keep them).
   */
  addContent(content: CheckpointContent): void {
    const p = content.prefix;
    if (typeof p !== 'string' || p.length === 0 || p === APP_SEGMENT || p.includes(' ')) {
      throw new FtError('BAD_ARG', `checkpoint content prefix ${JSON.stringify(p)}: expected a word other than "${APP_SEGMENT}"`);
    }
    for (const c of this.contents) {
      if (c.prefix === p || c.prefix.startsWith(p + '/') || p.startsWith(c.prefix + '/')) {
        throw new FtError('BAD_ARG', `checkpoint content prefix "${p}" overlaps "${c.prefix}"`);
      }
    }
    this.contents.push(content);
    if (this.segments !== null && this.generation > 0) {
      const mine = this.segments
        .filter((s) => s.name === p || s.name.startsWith(p + '/'))
        .map((s) => ({ name: s.name, bytes: s.bytes.slice() }));
      content.restore(mine);
    }
  }

  /**
   * Take a coordinated checkpoint: every rank must call it (at the same point of the
   * program); it resolves once every rank's data is stored with its buddies and committed
   * (with `background`: once this rank's data is captured, CheckpointCallOptions).
   * `state` is the app's own state (JSON values or bytes); `progress` its iteration count.
   */
  checkpoint(state: AppState, progress = this.lastProgress, opts?: CheckpointCallOptions): Promise<void> {
    return this.host.checkpointRun(this, state, progress, opts?.background === true);
  }

  /** Settles when this rank has no background checkpoint round open (at once if none is). */
  settled(): Promise<void> {
    return this.host.settledRun(this);
  }

  /**
   * A point where the app could checkpoint (every rank passes it with the same `progress`).
   * Checkpoints when the configured period (`checkpointEvery`) or a `ckpt now` request says
   * so; resolves true when a checkpoint was committed here. `state` is only called then.
   */
  opportunity(progress: number, state: () => AppState): Promise<boolean> {
    return this.host.opportunityRun(this, progress, state);
  }

  /** Let the runtime's timers run (heartbeats): call it in long computations. */
  yield(): Promise<void> {
    return this.host.yieldRun(this);
  }

  /** Report progress (iterations done) without checkpointing. */
  report(progress: number): void {
    this.host.progressRun(this, progress);
  }

  /** The restored segments are no longer needed once the app has added its contents. */
  releaseRestored(): void {
    this.segments = null;
  }

  /**
   * Call `listener` when this run is superseded (a recovery rolls everyone back, or the module
   * stops): the runtime closes what the run opened (its DSM endpoint) at that moment, before
   * any board can start the next run. Called at once if the run is inactive already. An
   * object with `close()` (the DSM, its transport) is closed: no closure to hold per listener.
   */
  onRevoke(listener: RevokeListener): void {
    if (!this.active) {
      callRevoke(listener);
      return;
    }
    this.revokeListeners.push(listener);
  }

  /** Supersede the run (the module calls this). */
  revoke(): void {
    if (!this.active) return;
    this.active = false;
    const ls = this.revokeListeners;
    this.revokeListeners = [];
    for (const l of ls) callRevoke(l);
  }
}
