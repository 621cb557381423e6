/**
 * Requests with a window and a watchdog: at most `window` requests in flight (the rest queued
 * in order), replies matched by request id and sender, and one watchdog that fails everything
 * outstanding when no request made progress for `timeoutMs`. Requests go out in batches, one
 * at a time (the running DSM call's); the Dsm hears once per batch (DsmWaits: `waitOver` when
 * every request in it completed, `waitFailed` at the first failure): a batch holds no promise
 * or resolving functions while it waits (docs/FOOTPRINT.md "Round 16: DSM calls without
 * promises"). What a request carries for its reply (`T`) is the caller's.
 */
import type { DsmPost, DsmWaits } from './port.js';
import type { Clock } from '../hal.js';
import { Deadline, type DeadlineOwner } from '../net/deadline.js';
import { assert } from '../util/assert.js';
import { VARINT_MAX } from './codec.js';

export interface Outgoing<T> {
  to: number;
  req: number;
  bytes: Uint8Array;
  /** What the reply needs to be checked and used. */
  info: T;
}

interface Batch {
  remaining: number;
  settled: boolean;
}

/** A request waiting for its reply. */
export interface Pending<T> {
  readonly to: number;
  readonly info: T;
  /** Handed to the transport (a reply to a request still queued is not a reply). */
  sent: boolean;
  readonly batch: Batch;
}

/** Who gives the error a window's batches fail with when nothing answers: `silent`, the destinations waited on, ascending. */
export interface WindowOwner {
  timedOut(silent: number[]): Error;
}

export class RequestWindow<T> implements DeadlineOwner {
  private nextReq = 1;
  private readonly pending = new Map<number, Pending<T>>();
  /** Requests not sent yet: at most `window` are in flight, so at most that many replies arrive at once. */
  private readonly queue: Outgoing<T>[] = [];
  private inflight = 0;
  /**
   * Fires when no request made progress for timeoutMs. A Deadline, not a raw timer: a timer
   * may fire a hair before `now + delay` in floating point, and re-arming for the remaining
   * 1e-12 ms landed on the same virtual instant forever (issue 11, defect 1).
   */
  private readonly watchdog: Deadline;
  /** The deadline the watchdog is armed for: lastProgress + timeoutMs when armed. */
  private watchdogAt = -1;
  private lastProgress = 0;

  constructor(
    private readonly clock: Clock,
    private readonly window: number,
    private readonly timeoutMs: number,
    /** The Dsm: the requests' way out, and who hears how each batch ends. */
    private readonly port: DsmPost & DsmWaits,
    /** Gives the error every outstanding batch fails with when the watchdog fires. */
    private readonly owner: WindowOwner,
  ) {
    assert(window > 0, 'request window: window must be positive');
    this.watchdog = new Deadline(clock, this);
  }

  /** A fresh request id (ids are never reused). */
  newId(): number {
    assert(this.nextReq <= VARINT_MAX, 'request window: request ids exhausted');
    return this.nextReq++;
  }

  /**
   * Send `list` through the window: true when the Dsm will hear how the batch ends (DsmWaits),
   * false when there is nothing to send (nothing to wait for).
   */
  sendBatch(list: Outgoing<T>[]): boolean {
    if (list.length === 0) return false;
    const batch: Batch = { remaining: list.length, settled: false };
    for (const o of list) {
      assert(!this.pending.has(o.req), 'request window: request id in use');
      if (this.queue.length === 0 && this.inflight < this.window) {
        // Straight out while the window has room and nothing waits before it (a page fetch's
        // request: no queue entry, it leaves sooner; docs/PERFORMANCE.md "Round 17b").
        this.pending.set(o.req, { to: o.to, info: o.info, sent: true, batch });
        this.inflight++;
        this.port.post(o.to, o.bytes);
      } else {
        this.pending.set(o.req, { to: o.to, info: o.info, sent: false, batch });
        this.queue.push(o);
      }
    }
    if (this.watchdogAt < 0) {
      this.lastProgress = this.clock.now();
      this.watchdogAt = this.lastProgress + this.timeoutMs;
      this.watchdog.arm(this.watchdogAt);
    }
    return true;
  }

  /** The sent request `req` to `from`, still waiting for its reply; null when there is none. */
  peek(from: number, req: number): Pending<T> | null {
    const p = this.pending.get(req);
    return p !== undefined && p.sent && p.to === from ? p : null;
  }

  /** The destination of a waiting request is alive (its reply is delayed on purpose): the watchdog waits on. */
  heard(): void {
    this.lastProgress = this.clock.now();
  }

  /** Take the request a reply answers: it leaves the window (the next queued one goes out); null when it matches none. */
  take(from: number, req: number): Pending<T> | null {
    const p = this.peek(from, req);
    if (p) this.taken(req);
    return p;
  }

  /** Take request `req`, which `peek` just found (the caller checked the reply against it first). */
  taken(req: number): void {
    assert(this.inflight > 0, 'request window: a sent request is not in flight');
    this.pending.delete(req);
    this.inflight--;
    if (this.queue.length > 0) this.pump();
    if (this.pending.size > 0) {
      this.lastProgress = this.clock.now();
      return;
    }
    // Nothing left to watch: the next batch sets lastProgress when it arms the watchdog again.
    // The watchdog's timer is left to fire idle rather than cleared here (on the path of every
    // reply: a fetch's, whose page the application waits for) and set again by the next batch:
    // the next arm finds it pending, and a timer that fires finds no deadline or a later one
    // and only sets itself for that (at most one idle turn per timeoutMs).
    this.watchdog.cancel();
    this.watchdogAt = -1;
  }

  /** A taken request succeeded. */
  complete(p: Pending<T>): void {
    const b = p.batch;
    if (b.settled) return;
    assert(b.remaining > 0, 'request window: an open batch has no request left');
    if (--b.remaining === 0) {
      b.settled = true;
      this.port.waitOver(undefined);
    }
  }

  /** A taken request failed: its batch fails with `err` (unless it already ended). */
  reject(p: Pending<T>, err: Error): void {
    if (p.batch.settled) return;
    p.batch.settled = true;
    this.port.waitFailed(err);
  }

  /** Forget everything (the DSM is closed); no batch settles any more. */
  clear(): void {
    this.stopWatchdog();
    this.pending.clear();
    this.queue.length = 0;
    this.inflight = 0;
  }

  private pump(): void {
    while (this.inflight < this.window && this.queue.length > 0) {
      const o = this.queue.shift()!;
      this.inflight++;
      const p = this.pending.get(o.req);
      assert(p !== undefined, 'request window: a queued request is not pending');
      p.sent = true;
      this.port.post(o.to, o.bytes);
    }
  }

  private stopWatchdog(): void {
    this.watchdog.stop();
    this.watchdogAt = -1;
  }

  /** @internal The watchdog's Deadline fired (DeadlineOwner: the window is its owner, no closure). */
  deadline(): void {
    if (this.pending.size === 0) return this.stopWatchdog();
    // Compare deadlines, not `now - lastProgress` with the timeout: the Deadline fires within
    // its epsilon of the due time, and only real progress moves the due time on.
    const due = this.lastProgress + this.timeoutMs;
    if (due > this.watchdogAt) {
      this.watchdogAt = due;
      this.watchdog.arm(due);
      return;
    }
    this.watchdogAt = -1;
    const ranks = new Set<number>();
    for (const p of this.pending.values()) ranks.add(p.to);
    const err = this.owner.timedOut([...ranks].sort((a, b) => a - b));
    for (const p of this.pending.values()) this.reject(p, err);
    this.pending.clear();
    this.queue.length = 0;
    this.inflight = 0;
  }
}
