/**
 * The end-to-end layer's records and what it needs of the hop link and of its host (e2e.ts):
 * types only, in a file of their own so that e2e.ts stays within the file limit and this one
 * adds nothing to a board's bundle.
 */
import type { Clock } from '../hal.js';
import type { ResolvedNetOptions } from './options.js';
import type { RttEstimate } from './rtt.js';
import type { NetCounters } from './stats.js';

/** What e2e needs of a hop link to run a direct stream on it (HopLink; an interface: e2e sits beside it, not above). */
export interface DirectLink {
  readonly peer: number;
  /** Push the frames queued or in flight, not yet acknowledged by the peer, oldest first. */
  pending(out: Uint8Array[]): void;
}

export interface TxStream extends RttEstimate {
  id: number;
  /** The link this stream is direct on; null: not direct (its frames are held here). */
  link: DirectLink | null;
  /**
   * Sequence number of the first frame sent direct in this direct period; -1 after one ended:
   * no frame goes direct again until an end-to-end ack shows the destination still knows the
   * stream (its link may have reset because it restarted: a direct frame that its new
   * incarnation refuses as of an unknown stream would still be acknowledged by the link).
   */
  directFrom: number;
  /** Sequence number of held[0]. */
  base: number;
  next: number;
  /**
   * The frames held, and when each was first sent (-1 once resent: no round-trip sample), in
   * two arrays rather than a record per frame: an Array's items live in an XS board's chunk
   * heap, a record's fields in its slot heap (docs/FOOTPRINT.md, "Round 7: pingpong slots").
   */
  held: Uint8Array[];
  sentAt: number[];
  /** The destination acknowledged something of this stream (so an UNKNOWN means it restarted). */
  acked: boolean;
  resendAt: number;
  lastResend: number;
  rto: number;
  lastProgress: number;
}

export interface RxStream {
  id: number;
  expected: number;
  retired: number[];
  /** An ack is owed (sent by the next frame to that node, or a standalone E2E_ACK). */
  owed: boolean;
  /** A stream id this node knows nothing about, to be reported (0: none). */
  unknown: number;
  /**
   * The owed ack waits until then for a frame to ride on: e2eAckDelayMs after it became owed,
   * or later when an upper layer sends a frame to src by then (holdAck). 0: none. Not cleared
   * when an ack rides on a frame (one write less per frame): a later ack owed before that time
   * waits for it too, which is no longer than a hold may be.
   */
  holdUntil: number;
}

export interface E2eHost {
  readonly clock: Clock;
  /** This node's id (the source of the frames it tracks). */
  readonly node: number;
  readonly opts: ResolvedNetOptions;
  readonly st: NetCounters;
  /** Queue an encoded frame (hop fields unset) towards dst; false when there is no room or route. */
  transmit(dst: number, frame: Uint8Array): boolean;
  /** Send a standalone E2E_ACK payload to dst (best effort). */
  sendAck(dst: number, payload: Uint8Array): void;
  /** Frames accepted for dst will never be delivered (destination gone, restarted or given up). */
  undeliverable(dst: number, frames: number): void;
}
