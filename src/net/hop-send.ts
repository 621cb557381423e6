/**
 * The send half of a hop link (hop-link.ts is the link: sessions and the receive side): the
 * transmit window and its queue, writing a frame with its hop fields (the ack of the other
 * direction rides on it), retransmission on timeout, and the link's unsequenced control frames.
 * A base class, not an object of its own: one object per link as before (no slots, no
 * property more: test/net/footprint-shape) and the same `this.field` reads on the frame path;
 * split from hop-link.ts only to keep each file under the size limit (Round 19). The receive
 * state a frame carries (the next expected sequence number, the ack owed and its deadline) is
 * the link's, declared here abstract; so is going down after too many timeouts.
 */
import type { HalLink } from '../hal.js';
import { assert } from '../util/assert.js';
import { zeros } from '../util/figures.js';
import { filledArray } from '../util/next-id.js';
import { CRC_SIZE, FLAG_ACK_VALID, FLAG_NO_CRC, FLAG_SEQ_VALID, FRAME_VERSION, OFF_LACK, OFF_LSEQ, OFF_TTL, OFF_VERSION_FLAGS } from '../wire/frame.js';
import { NODE_TABLE_SIZE } from '../wire/ids.js';
import { Deadline } from './deadline.js';
import type { DeadlineOwner } from './deadline.js';
import { Fifo } from './fifo.js';
import type { QueueClass } from './queue-class.js';
import { LinkWriter, SourceLinkWriter } from './link-writer.js';
import type { LinkHost } from './link-host.js';
import { TxRing } from './tx-ring.js';
import type { Resender } from './tx-ring.js';
import type { RttEstimate } from './rtt.js';
import { newLinkCounters } from './stats.js';
import type { LinkCounters } from './stats.js';
import { LS_RETRANSMITS, NS_RETRANSMITS } from './stats.js';

/** Room for one LSA per possible origin: a database exchange never finds the queue full. */
const CONTROL_SLACK = NODE_TABLE_SIZE;
/** The tag of the retransmission deadline (the link's ack deadline has another). */
const RTX_TIMER = 0;

/** `L`: the link class itself (HopLink), so this file imports no HopLink (no import cycle). */
export abstract class HopSend<L> implements Resender, DeadlineOwner {
  /** Frames sent here carry our CRC (always on streams; on datagrams only with `datagramCrc`). */
  readonly crc: boolean;
  readonly stats: LinkCounters;
  up = false;

  /** @internal Also for ingress.ts (a frame of another version): its host, without a reference of its own. */
  readonly host: LinkHost<L>;
  protected readonly out: LinkWriter;

  /** Extended (not wrapping) sequence numbers of this session, for the MAC: next to send (and the frame being signed). */
  protected txExt = 0;
  private signExt = 0;
  private readonly signer: ((frame: Uint8Array) => void) | null;

  /** Line time of the largest frame heard from the peer: an ack it owes may wait behind one such. */
  protected peerFrameMs = 0;
  protected localSession = 0;
  protected peerSession = 0;

  /**
   * Per-frame state lives in rings of the window rounded up to a power of two, indexed by
   * `lseq & ring`: the frames in flight (base .. next-1) and the frames held beyond a gap
   * (expected+1 .. expected+window-1) each span less than the window, so no two share a place.
   * Sized by the whole sequence space (256) they cost 23 KiB of chunks per link on Moddable
   * lin (two 256-entry Arrays, three Float64Arrays) for the default window of 8.
   */
  protected readonly ring: number;
  // Transmit side. In flight: base .. next-1 (mod HopLink.LSEQ_SPACE).
  protected readonly slots: (Uint8Array | null)[];
  /**
   * The transmit ring's per-frame numbers, four per place (their layout: tx-ring.ts): a plain
   * Array, 2 XS slots where a Float64Array is 7 (docs/FOOTPRINT.md "Round 19b").
   */
  protected readonly fs: number[];
  /** @internal Frames waiting for the window; read by NetLayer.sendHead (canEnqueue's 'local' rule without a call). */
  readonly queue = new Fifo<Uint8Array>();
  protected base = 0;
  protected next = 0;
  protected rto: number;
  protected readonly rtt: RttEstimate = { srtt: -1, rttvar: 0 };
  protected timeouts = 0;
  protected readonly rtxDeadline: Deadline;

  /** The receive side's, written into each frame's ack field. */
  protected abstract expected: number;
  /** Frames taken and not yet acknowledged: every frame sent acknowledges them. */
  protected abstract ackOwed: number;
  /** When a standalone LINK_ACK goes out for them: cleared as a frame carries the ack. */
  protected abstract readonly ackDeadline: Deadline;

  protected constructor(hal: HalLink, host: LinkHost<L>, maxFrame: number) {
    this.host = host;
    this.crc = hal.kind === 'stream' || host.opts.datagramCrc;
    this.stats = newLinkCounters();
    const cap = TxRing.size(host.opts.window);
    this.ring = cap - 1;
    this.fs = zeros(4 * cap);
    this.slots = filledArray<Uint8Array | null>(cap, null);
    // A stream target that reads sources gets large frames encoded as it drains (link-writer.ts).
    this.out = hal.kind === 'stream' && hal.writeSource !== undefined
      ? new SourceLinkWriter(hal, host, maxFrame, this.crc, this.stats)
      : new LinkWriter(hal, host, maxFrame, this.crc, this.stats);
    const auth = host.auth;
    this.signer = auth === null ? null : (frame) => auth.sign(frame, this.localSession, this.peerSession, this.signExt);
    this.rto = host.opts.rtoMs;
    this.rtxDeadline = new Deadline(host.clock, this, RTX_TIMER);
  }

  /** Forget everything about the neighbour and start a new session (too many timeouts). */
  abstract down(): void;
  /** A standalone LINK_ACK now (the ack deadline fired). */
  protected abstract sendAck(): void;

  /** Deadline dispatch (deadline.ts: an owner and a tag instead of a closure each). */
  deadline(tag: number): void {
    if (tag === RTX_TIMER) this.onRetransmitTimeout();
    else this.sendAck();
  }

  /** Whether enqueue would take a frame of this class now (NetLayer.send and sendHead write its 'local' rule out: change them with it). */
  canEnqueue(cls: QueueClass): boolean {
    const max = this.host.opts.maxQueue;
    if (cls === 'bulk') {
      const out = this.out;
      return this.up && this.queue.length === 0 && ((this.next - this.base) & 0xff) < this.host.opts.window &&
        (out.frameMs === 0 || out.backlog() < out.frameMs);
    }
    const limit = cls === 'local' ? max : cls === 'transit' ? 2 * max : 2 * max + CONTROL_SLACK;
    return this.up && this.queue.length < limit;
  }

  /** Queue a frame (hop fields are filled at transmission). False when down or full. */
  enqueue(frame: Uint8Array, cls: QueueClass): boolean {
    if (!this.canEnqueue(cls)) return false;
    this.take(frame);
    return true;
  }

  /**
   * Queue a frame canEnqueue took in this turn, fresh from FrameCodec.originate (NetLayer.send
   * and sendHead ask before they build one): its hop fields, its flags other than AUTH and its
   * CRC field are still zero. (A frame forwarded or resent, which may carry another link's CRC,
   * goes through enqueue.)
   */
  admit(frame: Uint8Array): void {
    const s = this.next;
    if (this.queue.length === 0 && ((s - this.base) & 0xff) < this.host.opts.window && this.signer === null) {
      // The usual case (nothing waiting, room in the window, no key): send's and transmit's
      // work in one method, two calls fewer before the frame is written (docs/PERFORMANCE.md
      // "Round 19").
      const r = s & this.ring;
      if (this.slots[r] !== null) assert(false, 'hop: a new frame never takes the slot of an unacknowledged one');
      this.slots[r] = frame;
      const fs = this.fs;
      const i = r << 2;
      fs[i + 3] = this.txExt++; // its extended sequence number
      this.next = (s + 1) & 0xff;
      frame[OFF_LSEQ] = s;
      frame[OFF_LACK] = this.expected;
      if (this.crc) {
        frame[OFF_VERSION_FLAGS] = (FRAME_VERSION << 4) | FLAG_SEQ_VALID | FLAG_ACK_VALID;
        this.host.codec.seal(frame, true);
      } else {
        // Fresh: its CRC field is zero already (transmit zeroes a frame's that may carry one).
        frame[OFF_VERSION_FLAGS] = (FRAME_VERSION << 4) | FLAG_SEQ_VALID | FLAG_ACK_VALID | FLAG_NO_CRC;
      }
      // As in transmit: the ack rides on the frame, its deadline cleared after the write.
      this.ackOwed = 0;
      const out = this.out;
      out.write(frame);
      this.ackDeadline.stop();
      const left = out.departed;
      fs[i + 1] = left; // sent at
      this.rtxDeadline.armIfIdle(left + this.rto + this.peerFrameMs);
      return;
    }
    this.take(frame);
  }

  /** Into a slot when nothing waits and the window has room, else into the queue. */
  private take(frame: Uint8Array): void {
    if (this.queue.length === 0 && ((this.next - this.base) & 0xff) < this.host.opts.window) {
      this.send(frame);
      return;
    }
    this.queue.push(frame);
    // Only here, off the fast path above: canEnqueue bounds every class by the control limit.
    assert(this.queue.length <= 2 * this.host.opts.maxQueue + CONTROL_SLACK, 'hop: the queue stays within its largest class limit');
    this.pump();
  }

  /**
   * The frames queued or in flight, not yet acknowledged by the peer, oldest first (e2e takes
   * back a direct stream's from here, e2e-types.ts `DirectLink`).
   */
  pending(out: Uint8Array[]): void {
    TxRing.pending(this.slots, this.ring, this.base, this.next, this.queue, out);
  }

  // --- transmit side ----------------------------------------------------------------------

  protected pump(): void {
    if (this.queue.length === 0) return;
    const window = this.host.opts.window;
    while (this.up && ((this.next - this.base) & 0xff) < window && this.queue.length > 0) {
      this.send(this.queue.shift() as Uint8Array);
    }
  }

  /** Put a frame in the next slot of the window and transmit it. */
  private send(frame: Uint8Array): void {
    const s = this.next;
    const r = s & this.ring;
    // Callers keep next - base below the window, so the slot is never an unacknowledged frame's
    // (the test inline, assert's call only to throw: ~20 XS units a frame).
    if (this.slots[r] !== null) assert(false, 'hop: a new frame never takes the slot of an unacknowledged one');
    this.slots[r] = frame;
    // Its flags are 0 already: cleared when the frame that had the place was acknowledged.
    const fs = this.fs;
    const i = r << 2;
    fs[i + 3] = this.txExt++; // its extended sequence number
    this.next = (s + 1) & 0xff;
    // Times count from when the frame has left (after the frames queued ahead of it in the
    // target's transmit buffer, and its own bytes): the peer cannot ack it sooner.
    const left = this.transmit(s);
    fs[i + 1] = left; // sent at
    // armRetransmit's deadline, without its call and the `armed` getter's.
    this.rtxDeadline.armIfIdle(left + this.rto + this.peerFrameMs);
  }

  /** Write frame `s` (its hop fields filled now); returns when it will have left the link. */
  private transmit(s: number): number {
    const frame = this.slots[s & this.ring] as Uint8Array;
    if (this.signer === null) {
      // No key, so no MAC: setHop's work without its call, its ttl rewrite and its AUTH bit.
      frame[OFF_LSEQ] = s;
      frame[OFF_LACK] = this.expected;
      if (this.crc) {
        frame[OFF_VERSION_FLAGS] = (FRAME_VERSION << 4) | FLAG_SEQ_VALID | FLAG_ACK_VALID;
        this.host.codec.seal(frame, true);
      } else {
        // seal(frame, false) without its call: NO_CRC, and a zero field (a frame forwarded
        // from a stream link, or resent by e2e after one, may still carry a CRC there).
        frame[OFF_VERSION_FLAGS] = (FRAME_VERSION << 4) | FLAG_SEQ_VALID | FLAG_ACK_VALID | FLAG_NO_CRC;
        const end = frame.length - CRC_SIZE;
        frame[end] = 0;
        frame[end + 1] = 0;
        frame[end + 2] = 0;
        frame[end + 3] = 0;
      }
    } else {
      this.signExt = this.fs[((s & this.ring) << 2) + 3]!; // the frame's extended sequence number
      this.host.codec.setHop(frame, FLAG_SEQ_VALID | FLAG_ACK_VALID, s, this.expected, frame[OFF_TTL]!, this.crc, this.signer);
    }
    // ackSent's work inline (the ack rides on this frame): one call fewer per frame. The frame
    // first: a board's UART or socket sends it when it is written, and the ack deadline's clear
    // (a timer call into the HAL) is nothing the frame needs (docs/PERFORMANCE.md "Round 18").
    this.ackOwed = 0;
    this.out.write(frame);
    this.ackDeadline.stop();
    return this.out.departed;
  }

  /** @internal Resend frame `s`; returns when it will have left the link (also TxRing.resendLost). */
  retransmit(s: number): number {
    const fs = this.fs;
    const i = (s & this.ring) << 2;
    fs[i] = fs[i]! | 1; // resent
    this.stats[LS_RETRANSMITS]!++;
    this.host.st[NS_RETRANSMITS]!++;
    const left = this.transmit(s);
    fs[i + 2] = left; // resent at
    return left;
  }

  /**
   * The retransmission deadline of a frame that has left at `left`: the timeout, plus the line
   * time of the largest frame heard from the peer, which its ack may have to wait behind (on a
   * UART a frame is not interrupted: 45 ms for 4 KiB at 921600 baud). Without the second term
   * a round trip learned while the peer sent small frames times out each time it sends a large
   * one, and Karn's rule discards the very samples that would have taught it. The largest the
   * peer has sent, not the largest it could: where it only sends small frames, losses are
   * still found as soon as before.
   */
  protected armRetransmit(left: number): void {
    this.rtxDeadline.arm(left + this.rto + this.peerFrameMs);
  }

  private onRetransmitTimeout(): void {
    if (((this.next - this.base) & 0xff) === 0 || !this.up) return;
    this.timeouts++;
    if (this.timeouts > this.host.opts.maxRetries) {
      this.down();
      return;
    }
    this.rto = Math.min(this.rto * 2, this.host.opts.maxRtoMs);
    this.armRetransmit(this.retransmit(this.base));
  }

  // --- output -----------------------------------------------------------------------------

  private ackSent(): void {
    this.ackOwed = 0;
    // Cleared, not left to fire: the ack rode on a frame (the usual case on a busy link), and a
    // timer that fires with nothing to do is a board step of its own (docs/PERFORMANCE.md, round 6).
    this.ackDeadline.stop();
  }

  /** An unsequenced frame of the link's own with payload[0, n). */
  protected sendControl(type: number, dst: number, payload: Uint8Array, n: number): void {
    const up = this.up;
    // Written after the ack is marked sent, as it always was: nothing below reads that state.
    if (up) this.ackSent();
    this.out.control(type, dst, up ? this.expected : -1, payload, n, this.localSession, this.peerSession);
  }
}
