/**
 * What the DSM's parts (barrier node, managers, request window, push, home, client, sync) need
 * of the Dsm: send a message, record a failure. The Dsm itself is the port, handed to every
 * part, instead of a closure per part and per use: a closure is ~10 XS slots on a board, and
 * a DSM held a dozen of them for its whole life (docs/FOOTPRINT.md "Round 10: Laplace footprint").
 */
import type { Clock, Hal } from '../hal.js';
import type { RangeList } from './range-list.js';
import type { DsmError, DsmFigures, DsmLimits } from './types.js';

export interface DsmPost {
  /** Send `bytes` to rank `to` (this board's own rank: delivered in a later microtask). */
  post(to: number, bytes: Uint8Array): void;
}

export interface DsmFail {
  /** Record a failure that leaves the DSM unusable (the first one is kept); returns it. */
  fail(e: DsmError): DsmError;
}

export type DsmPort = DsmPost & DsmFail;

/** What a wait of a DSM call ends with: notices (barrier, lock), an alloc's verdict (null: agreed), nothing (replies, pushes, a lend). */
export type WaitValue = RangeList | string | null | undefined;

/**
 * How a part tells the Dsm that what its running call waits for is over (a barrier's release,
 * a batch's last reply, a push batch, a lend's end): one call runs at a time, so a part keeps
 * no promise, resolving functions or closure per wait, only the Dsm to call back
 * (docs/FOOTPRINT.md "Round 16: DSM calls without promises"). Either may be called while the
 * part starts the wait; the call goes on in a later promise job.
 */
export interface DsmWaits {
  /** The wait ended with `value`. */
  waitOver(value: WaitValue): void;
  /** The wait failed: the call rejects with `e`. */
  waitFailed(e: Error): void;
}

/**
 * What the Dsm's own parts (sync, home, client) read of it rather than keep a copy each: its
 * rank, size, limits, figures and clock are one property each on the Dsm, where every part held
 * a few (~12 XS slots a board; docs/FOOTPRINT.md "Round 14b: the checkpoint round's slots").
 * Read on message and barrier paths, not in per-byte loops.
 */
export interface DsmShared {
  readonly rank: number;
  readonly size: number;
  readonly limits: DsmLimits;
  readonly figures: DsmFigures;
  readonly clock: Clock & Pick<Hal, 'bytes'>;
}
