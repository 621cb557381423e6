/**
 * What the DSM's parts (barrier node, managers, request window, push, home, client, sync) need
 * of the Dsm: send a message, record a failure. The Dsm itself is the port, handed to every
 * part, instead of a closure per part and per use: a closure is ~10 XS slots on a board, and
 * a DSM held a dozen of them for its whole life (docs/FOOTPRINT.md "Round 10: Laplace footprint").
 */
import type { Clock, Hal } from '../hal.js';
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
