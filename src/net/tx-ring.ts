/**
 * The hop link's transmit ring (hop-link.ts): the frames in flight, one place each, and their
 * per-frame numbers, with the bookkeeping on them that needs none of the link's other state:
 * the ring's size, finding the frames a selective ack shows lost, listing what is still
 * unacknowledged, and emptying it on a reset. Statics of one class over arrays the link owns:
 * no object or closure per link (test/net/footprint-shape), and one module-level binding (see
 * HopLink.LSEQ_SPACE). Sending, acks and timeouts stay in the link, HopLink and its send half
 * HopSend (they need the sessions and the receive side's ack), and so does freeing the places an
 * ack covers (HopLink.onAck): on the frame path, a
 * call there cost bench mcapi msg24 +74 XS units a round trip (+0.4 %, Round 12).
 *
 * A ring has the window rounded up to a power of two places, indexed by `lseq & ring` (`ring`
 * is the size minus one). Its numbers are one plain Array, four per place, place r's at
 * (r << 2) + 0: flags (1 resent: Karn, no RTT sample; 2 held by the peer: sacked, no resend;
 * 0 while the place is free, cleared on ack and reset, so sending writes none), 1: when it left
 * the link, 2: when its last resend left, 3: its extended sequence number (the MAC's). One typed
 * array with literal offsets: ~27 XS slots per link fewer than five views of two buffers, and
 * no more units on the frame path (docs/FOOTPRINT.md "Round 11: conformance slots"); a plain
 * Array rather than a Float64Array, 5 slots fewer again ("Round 19b").
 */
import { SackBitmap } from './control.js';
import type { Fifo } from './fifo.js';

/** What resendLost resends through: the link (HopLink.retransmit), no closure. */
export interface Resender {
  /** Resend frame `s`; returns when it will have left the link. */
  retransmit(s: number): number;
}

export class TxRing {
  /** Places for a window: the window rounded up to a power of two (the index is a mask). */
  static size(window: number): number {
    let cap = 1;
    while (cap < window) cap <<= 1;
    return cap;
  }

  /**
   * The peer's LINK_ACK bitmap: bit i (LSB first) says it holds frame base+1+i. Marks those
   * (flag 2), then resends each frame not held with at least `lossThreshold` held frames above
   * it, at most once per `guard` (about a round trip). Off the frame path: a bitmap is sent
   * only while the peer holds frames beyond a gap.
   */
  static resendLost(link: Resender, sack: Uint8Array, fs: number[], ring: number, base: number, inflight: number, lossThreshold: number, guard: number, now: number): void {
    SackBitmap.mark(sack, Math.min(sack.length * 8, inflight - 1), base + 1, fs, ring, 2); // flag 2: held by the peer
    let heldAbove = 0;
    for (let off = inflight - 1; off >= 0; off--) {
      const s = (base + off) & 0xff;
      const i = (s & ring) << 2;
      const flags = fs[i]!;
      if ((flags & 2) !== 0) { // held by the peer
        heldAbove++;
      } else if (heldAbove >= lossThreshold && ((flags & 1) === 0 || now - fs[i + 2]! >= guard)) { // not resent, or resent a guard ago
        link.retransmit(s);
      }
    }
  }

  /** Append the frames in flight (base .. next-1), oldest first, then the queued ones. */
  static pending(slots: (Uint8Array | null)[], ring: number, base: number, next: number, queue: Fifo<Uint8Array>, out: Uint8Array[]): void {
    for (let s = base; s !== next; s = (s + 1) & 0xff) out.push(slots[s & ring] as Uint8Array);
    queue.pushTo(out);
  }

  /** Empty every place and its numbers; returns how many frames were dropped. */
  static clear(slots: (Uint8Array | null)[], fs: number[]): number {
    let dropped = 0;
    for (let s = 0; s < slots.length; s++) {
      if (slots[s] !== null) {
        slots[s] = null;
        dropped++;
      }
    }
    fs.fill(0);
    return dropped;
  }
}
