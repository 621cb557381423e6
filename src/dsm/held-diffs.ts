/**
 * Diffs a home holds back while a checkpoint references (lends) its home pages: FT sends from
 * those pages and copies them only at commit, and the commit reaches boards at different
 * times, so a board that resumed first may already send diffs to a page that is still lent.
 * Such a DIFF is kept unapplied and unacknowledged (its writer's release simply waits) and
 * applied, in arrival order, when the lend ends.
 *
 * The transport reuses its receive buffers, so a held message is copied once (one memcpy);
 * nothing else is. The list is bounded: a writer has at most `window` requests in flight, so
 * `(boards - 1) x window` messages is what well-behaved peers can send (`maxDeferred`). While
 * anything is held, each writer is told every `requestTimeoutMs / 3` that its diff is held
 * (DIFF_HELD), so its request watchdog does not take a long-held diff for a dead home.
 */
import type { Clock } from '../hal.js';
import { copyOf } from './bytes.js';
import type { DiffMsg } from './messages.js';
import type { SharedArrayState } from './shared-array.js';
import { DS_DEFERRED_BYTES, DS_DEFERRED_MESSAGES, DS_DEFERRED_PEAK, DS_DEFERRED_PEAK_BYTES, type DsmFigures } from './types.js';

export interface HeldDiff {
  from: number;
  st: SharedArrayState;
  /** The decoded DIFF over a copy of the whole message the transport delivered. */
  msg: DiffMsg;
}

/** Who tells a writer its diff is held. */
export interface HeldOwner {
  heldNotice(to: number, req: number): void;
}

export class HeldDiffs {
  private list: HeldDiff[] = [];
  private bytesNow = 0;
  private timer = -1;

  constructor(
    private readonly clock: Clock,
    private readonly max: number,
    private readonly keepaliveMs: number,
    private readonly figures: DsmFigures,
    /** Tells `to` that its request `req` is held (sends DIFF_HELD): the Home, not a closure. */
    private readonly owner: HeldOwner,
  ) {}

  get count(): number {
    return this.list.length;
  }

  /** Keep `m` (its bytes copied) until `st` is no longer lent; false when `maxDeferred` are held already. */
  hold(from: number, st: SharedArrayState, m: DiffMsg): boolean {
    if (this.list.length >= this.max) return false;
    const message = m.bytes;
    this.list.push({ from, st, msg: { ...m, bytes: copyOf(message) } });
    this.bytesNow += message.length;
    const f = this.figures;
    f[DS_DEFERRED_MESSAGES]!++;
    f[DS_DEFERRED_BYTES]! += message.length;
    if (this.list.length > f[DS_DEFERRED_PEAK]!) f[DS_DEFERRED_PEAK]! = this.list.length;
    if (this.bytesNow > f[DS_DEFERRED_PEAK_BYTES]!) f[DS_DEFERRED_PEAK_BYTES]! = this.bytesNow;
    if (this.timer < 0) this.timer = this.clock.setTimer(this.keepaliveMs, () => this.keepalive());
    return true;
  }

  /** Remove and return, in arrival order, the held diffs whose array is no longer lent. */
  takeReady(): HeldDiff[] {
    if (this.list.length === 0) return [];
    const ready: HeldDiff[] = [];
    const keep: HeldDiff[] = [];
    for (const h of this.list) (h.st.lends > 0 ? keep : ready).push(h);
    this.list = keep;
    for (const h of ready) this.bytesNow -= h.msg.bytes.length;
    if (keep.length === 0) this.stopTimer();
    return ready;
  }

  /** Forget everything held (the DSM is closed: its run is over). */
  clear(): void {
    this.list = [];
    this.bytesNow = 0;
    this.stopTimer();
  }

  private keepalive(): void {
    this.timer = -1;
    if (this.list.length === 0) return;
    for (const h of this.list) this.owner.heldNotice(h.from, h.msg.req);
    this.timer = this.clock.setTimer(this.keepaliveMs, () => this.keepalive());
  }

  private stopTimer(): void {
    if (this.timer >= 0) this.clock.clearTimer(this.timer);
    this.timer = -1;
  }
}
