/**
 * One link seen by the network layer: neighbour sessions (HELLO), per-hop acknowledged
 * delivery (sliding window, cumulative acks in the hop fields, delayed standalone LINK_ACK
 * carrying a selective-ack bitmap, adaptive retransmission timeout with backoff, resending of
 * the gaps the bitmap shows), and an in-order, exactly-once receive side that holds frames
 * arriving early. Framing is link-writer.ts (out) and the COBS deframer (in); routing,
 * delivery and fault injection live in NetLayer, reached through `LinkHost`.
 *
 * Sessions, the transmit window and the receive window are one state machine (a HELLO resets
 * both sequence spaces, every frame carries the other direction's ack, the MAC context needs
 * both sessions and both extended sequence numbers), so they stay in one object: the send half
 * (the transmit window, writing frames, retransmission, control frames) is its base class in
 * hop-send.ts, a file of its own only for the size limit (Round 19). What is not part of it
 * lives beside it: the queue classes (queue-class.ts), and the transmit ring's layout and the
 * bookkeeping that only touches the ring (tx-ring.ts: statics over the link's arrays, so no
 * object per link).
 */
import type { HalLink, LinkKind, LinkReceiver } from '../hal.js';
import { assert } from '../util/assert.js';
import { copyBytes } from '../wire/bytes.js';
import { CobsDeframer } from '../wire/cobs.js';
import type { FrameSink } from '../wire/cobs.js';
import { FrameType } from '../wire/frame-types.js';
import type { FrameAuth } from '../wire/auth.js';
import { FLAG_ACK_VALID, FLAG_AUTH, FLAG_SEQ_VALID, FRAME_OVERHEAD, TAG_SIZE } from '../wire/frame.js';
import type { FrameFields } from '../wire/frame.js';
import { BROADCAST_NODE } from '../wire/ids.js';
import { HELLO_LENGTH, SACK_MAX_LENGTH, SackBitmap, readU32, writeHello } from './control.js';
import { Deadline } from './deadline.js';
import { HopSend } from './hop-send.js';
import type { LinkHost } from './link-host.js';
import { MAX_WINDOW } from './options.js';
import { Rtt } from './rtt.js';
import { TxRing } from './tx-ring.js';
import { linkStats } from './stats.js';
import type { LinkStats } from './stats.js';
import { NS_AUTH_FAILED, NS_DUPLICATES, NS_LINK_DROPPED, NS_MALFORMED, LS_AUTH_FAILED, LS_BYTES_IN, LS_DOWNS, LS_DROPPED, LS_DUPLICATES, LS_FRAMES_IN, LS_GARBAGE, LS_MALFORMED, LS_NO_SESSION, LS_OUT_OF_ORDER, LS_OVERRUNS, LS_PEER_VERSION, LS_UPS } from './stats.js';

/** The tag of the link's ack deadline (hop-send.ts's retransmission deadline has 0). */
const ACK_TIMER = 1;

export class HopLink extends HopSend<HopLink> implements LinkReceiver, FrameSink {
  /**
   * Link sequence numbers (lseq, lack) are 8 bits: distances are taken mod LSEQ_SPACE (written
   * `& 0xff`); per-frame state is indexed by them mod the ring (see `ring`). A static, not a module constant:
   * the XS board bundle (one iife) pays a stack slot per module-level binding (docs/MCAPI.md §6).
   */
  static readonly LSEQ_SPACE = 256;

  readonly index: number;
  readonly kind: LinkKind;
  /** Node id of the neighbour, -1 until a HELLO was heard. */
  peer = -1;

  private readonly deframer: CobsDeframer | null;
  /** A HELLO's or LINK_ACK's payload: one buffer, `out.control` copies it (Round 10: conformance slots). */
  private readonly ctrlPayload = new Uint8Array(HELLO_LENGTH > SACK_MAX_LENGTH ? HELLO_LENGTH : SACK_MAX_LENGTH);
  /** Frames held beyond a gap before the gap is resent: 1 on a stream (it never reorders). */
  private readonly lossThreshold: number;

  /** Extended (not wrapping) sequence number of this session, for the MAC: next expected (hop-send.ts: next to send). */
  private rxExt = 0;
  private lastHeard = 0;

  // Receive side (the transmit side and its ring: hop-send.ts).
  protected override expected = 0;
  /**
   * Frames held beyond a gap, by `lseq & ring`; a place with none is a hole, not a null. An XS
   * array keeps only the items it has (each a slot in one chunk): filled with nulls it was
   * 8 x 32 B of chunks per link on lin for a side that is empty unless a frame was lost, and on
   * a two-link board that was what grew the conformance sender's chunk heap past 32 KiB
   * (docs/FOOTPRINT.md "Round 9: conformance chunks"). Emptied on a reset, holes made by delete.
   */
  private readonly held: (Uint8Array | undefined)[] = [];
  private heldCount = 0;
  protected override ackOwed = 0;
  protected override readonly ackDeadline: Deadline;

  constructor(hal: HalLink, host: LinkHost<HopLink>) {
    const maxFrame = FRAME_OVERHEAD + host.codec.maxPayload + (host.auth !== null ? TAG_SIZE : 0);
    // Both ends must tell new frames from old within the 8-bit sequence space, and a LINK_ACK's
    // bitmap must cover every frame that can be held beyond a gap.
    assert(host.opts.window <= MAX_WINDOW && MAX_WINDOW * 4 <= HopLink.LSEQ_SPACE, 'hop: window within a quarter of the sequence space');
    assert(host.opts.window - 1 <= SACK_MAX_LENGTH * 8, 'hop: the sack bitmap covers the window');
    super(hal, host, maxFrame);
    this.index = hal.index;
    this.kind = hal.kind;
    this.deframer = hal.kind === 'stream'
      ? new CobsDeframer(maxFrame, this, host.opts.bytes)
      : null;
    this.lossThreshold = hal.kind === 'stream' ? 1 : host.opts.reorderThreshold;
    this.ackDeadline = new Deadline(host.clock, this, ACK_TIMER);
    this.localSession = this.newSession();
  }

  /** Raw bytes from the HAL: the link is its `HalLink.receiver` (NetLayer.start). */
  input(bytes: Uint8Array): void {
    this.stats[LS_BYTES_IN]! += bytes.length;
    if (this.deframer !== null) {
      this.deframer.push(bytes);
      this.stats[LS_OVERRUNS]! = this.deframer.overruns;
      this.stats[LS_GARBAGE]! = this.deframer.garbage;
    } else {
      this.host.ingress(this, bytes);
    }
  }

  /** @internal FrameSink: a whole frame out of the link's deframer (stream links). */
  deframed(frame: Uint8Array): void {
    this.host.ingress(this, frame);
  }

  /** A decoded, validated frame of our domain that arrived on this link. */
  onFrame(f: FrameFields, bytes: Uint8Array): void {
    // Without a key (the usual case, decided here without a call): no frame may carry a MAC.
    const auth = this.host.auth;
    if (auth === null ? (bytes[0]! & FLAG_AUTH) !== 0 : !this.authentic(auth, f, bytes)) {
      this.stats[LS_AUTH_FAILED]!++;
      this.host.st[NS_AUTH_FAILED]!++;
      return;
    }
    const now = this.host.clock.now();
    this.lastHeard = now;
    this.stats[LS_FRAMES_IN]!++;
    const ms = bytes.length * this.out.msPerByte;
    if (ms > this.peerFrameMs) this.peerFrameMs = ms;
    const flags = f.flags;
    const type = f.type;
    if (type === FrameType.HELLO) {
      this.onHello(f);
      return;
    }
    if (!this.up) {
      if ((flags & FLAG_SEQ_VALID) !== 0) this.stats[LS_NO_SESSION]!++;
      return;
    }
    if ((flags & FLAG_ACK_VALID) !== 0) this.onAck(f.lack, type === FrameType.LINK_ACK && (flags & FLAG_SEQ_VALID) === 0 ? f.payload : null, now);
    if ((flags & FLAG_SEQ_VALID) === 0) {
      // Only HELLO and LINK_ACK travel unsequenced.
      if (type !== FrameType.LINK_ACK) {
        this.stats[LS_MALFORMED]!++;
        this.host.st[NS_MALFORMED]!++;
      }
      return;
    }
    const seq = f.lseq;
    if (seq !== this.expected) {
      this.onUnexpected(seq, bytes);
      return;
    }
    // The next in sequence (the usual case), taken here: a call fewer on every frame.
    this.expected = (seq + 1) & 0xff;
    this.rxExt++;
    this.ackOwed++;
    // A datagram is the HAL's gift (HalLink.receiver), and so is a frame of the native
    // deframer (a fresh array): kept without a copy. The JS deframer's live in a reused buffer.
    this.host.receive(this, bytes, f, this.deframer === null || this.deframer.framesOwned);
    while (this.heldCount > 0 && this.up) {
      const held = this.held[this.expected & this.ring];
      if (held === undefined) break;
      delete this.held[this.expected & this.ring];
      this.heldCount--;
      this.expected = (this.expected + 1) & 0xff;
      this.rxExt++;
      this.ackOwed++;
      // Into `f`, read by nobody once `receive` returned: no fields record per link (Round 10).
      this.host.codec.decode(held, f, false, true);
      this.host.receive(this, held, f, true);
    }
    if (!this.up) return;
    // Still holding frames past a gap: tell the sender at once where the gap is.
    if (this.heldCount > 0 || this.ackOwed >= this.host.opts.ackEvery) this.sendAck();
    else if (this.ackOwed > 0) this.ackDeadline.armNoLaterThan(now + (this.deframer === null ? this.host.opts.ackDelayMs : this.host.opts.streamAckDelayMs), now);
  }

  /**
   * With a domain key: the frame must carry a MAC that is right for this link's sessions and
   * the frame's extended sequence number. Forged, altered and replayed frames fail here (a
   * sequenced frame before the link is up is left to the noSession rule: it is not taken).
   * (Without a key, onFrame refuses any frame with a MAC: it cannot be checked.)
   */
  private authentic(auth: FrameAuth, f: FrameFields, bytes: Uint8Array): boolean {
    if ((bytes[0]! & FLAG_AUTH) === 0) return false;
    if (f.type === FrameType.HELLO) return auth.verify(bytes, 0, 0, 0);
    const sequenced = (f.flags & FLAG_SEQ_VALID) !== 0;
    if (!this.up) return sequenced || auth.verify(bytes, this.peerSession, this.localSession, 0);
    let ext = 0;
    if (sequenced) {
      const d = (f.lseq - this.expected) & 0xff;
      ext = d < this.host.opts.window ? this.rxExt + d : this.rxExt - ((this.expected - f.lseq) & 0xff);
    }
    return auth.verify(bytes, this.peerSession, this.localSession, ext);
  }

  /** Periodic: declare a silent neighbour gone, then say HELLO. */
  tick(now: number): void {
    if (this.peerSession !== 0 && now - this.lastHeard > this.host.opts.deadMs) {
      this.down();
      return;
    }
    this.sendHello();
  }

  /** Forget everything about the neighbour and start a new session (as on reset). */
  override down(): void {
    const wasUp = this.up;
    this.resetTraffic();
    this.localSession = this.newSession();
    this.peerSession = 0;
    this.up = false;
    if (wasUp) {
      this.stats[LS_DOWNS]!++;
      this.host.changed(this);
    }
    this.sendHello();
  }

  stop(): void {
    this.rtxDeadline.stop();
    this.ackDeadline.stop();
  }

  snapshot(): LinkStats {
    return linkStats(this.index, this.kind, this.up, this.peer, this.stats, (this.next - this.base) & 0xff, this.queue.length, this.rto, this.rtt.srtt);
  }

  sendHello(): void {
    writeHello(this.ctrlPayload, this.localSession, this.peerSession, this.index);
    this.sendControl(FrameType.HELLO, BROADCAST_NODE, this.ctrlPayload, HELLO_LENGTH);
  }

  // --- sessions -------------------------------------------------------------------------

  private newSession(): number {
    // 1 .. 2^32-1: zero means "none" in HELLO's echo field.
    return 1 + Math.floor(this.host.opts.host.random() * 0xfffffffe);
  }

  private onHello(f: FrameFields): void {
    const p = f.payload;
    const session = p.length >= HELLO_LENGTH ? readU32(p, 0) : 0;
    if (session === 0 || f.src === this.host.node || f.src === BROADCAST_NODE) {
      this.stats[LS_MALFORMED]!++;
      this.host.st[NS_MALFORMED]!++;
      return;
    }
    const echo = readU32(p, 4);
    let learned = false;
    if (session !== this.peerSession || f.src !== this.peer) {
      // A new neighbour, or the same one restarted its side: old sequence state means nothing.
      const wasUp = this.up;
      if (this.peerSession !== 0) this.resetTraffic();
      this.peerSession = session;
      this.peer = f.src;
      this.up = false;
      learned = true;
      if (wasUp) {
        this.stats[LS_DOWNS]!++;
        this.host.changed(this);
      }
    }
    let cameUp = false;
    if (!this.up && echo === this.localSession) {
      this.up = true;
      cameUp = true;
      this.stats[LS_UPS]!++;
      // The neighbour speaks our version now: another one later is news again (ingress.ts otherVersion).
      this.stats[LS_PEER_VERSION] = 0;
    }
    if (this.up && !cameUp && (f.flags & FLAG_ACK_VALID) !== 0) this.onAck(f.lack, null, this.host.clock.now());
    if (learned || cameUp) this.sendHello();
    if (cameUp) this.host.changed(this);
  }

  /** Drop queued and in-flight frames and reset both sequence spaces. */
  private resetTraffic(): void {
    // Before anything is dropped: a direct e2e stream's only copies of its frames are here.
    this.host.linkReset(this);
    const dropped = this.queue.clear() + TxRing.clear(this.slots, this.fs);
    this.held.length = 0;
    this.stats[LS_DROPPED]! += dropped;
    this.host.st[NS_LINK_DROPPED]! += dropped;
    this.base = 0;
    this.next = 0;
    this.txExt = 0;
    this.rxExt = 0;
    this.timeouts = 0;
    this.rto = this.currentRto();
    this.rtxDeadline.cancel();
    this.expected = 0;
    this.heldCount = 0;
    this.ackOwed = 0;
    this.ackDeadline.cancel();
  }

  /** A cumulative ack, and (standalone LINK_ACK) the bitmap of frames held beyond it. */
  private onAck(ack: number, sack: Uint8Array | null, now: number): void {
    const inflight = (this.next - this.base) & 0xff;
    const d = (ack - this.base) & 0xff;
    if (d > inflight) return; // older than the window, or nonsense
    if (d > 0) {
      // Karn: an ack that covers a resent frame gives no sample (it may answer either copy,
      // and frames after a gap waited at the receiver for it). A backed-off timeout stays
      // backed off until a clean sample, else a link slower than the first guess would
      // resend everything.
      // Inline, not a TxRing static: as a call it cost bench mcapi msg24 +74 XS units (+0.4 %).
      let clean = true;
      const fs = this.fs;
      for (let i = 0; i < d; i++) {
        const s = (this.base + i) & this.ring;
        const k = s << 2;
        if (fs[k] !== 0) {
          if ((fs[k]! & 1) !== 0) clean = false; // resent
          fs[k] = 0; // the place is free: no flags
        }
        this.slots[s] = null;
      }
      if (clean) {
        const o = this.host.opts;
        // Never below zero, should the target's rate be a little off.
        const sample = now - fs[(((ack - 1) & this.ring) << 2) + 1]!; // sent at
        this.rto = Rtt.update(this.rtt, sample > 0 ? sample : 0, this.deframer === null ? o.ackDelayMs : o.streamAckDelayMs, o.minRtoMs, o.maxRtoMs);
      }
      this.base = ack;
      this.timeouts = 0;
      if (((this.next - this.base) & 0xff) > 0) {
        // The oldest frame still out may not have left yet (queued behind others): count from then.
        const i = (ack & this.ring) << 2;
        const left = (fs[i]! & 1) !== 0 ? fs[i + 2]! : fs[i + 1]!; // resent ? resent at : sent at
        this.armRetransmit(left > now ? left : now);
      } else {
        this.rtxDeadline.cancel();
      }
    }
    if (sack !== null && sack.length > 0) this.onSack(sack, now);
    if (d > 0 && this.queue.length > 0) this.pump();
  }

  /** The peer's bitmap of frames it holds beyond the ack: resend the lost ones (tx-ring.ts). */
  private onSack(sack: Uint8Array, now: number): void {
    const srtt = this.rtt.srtt;
    const guard = srtt > 0 ? Math.max(srtt, this.host.opts.minRtoMs) : this.rto;
    TxRing.resendLost(this, sack, this.fs, this.ring, this.base, (this.next - this.base) & 0xff, this.lossThreshold, guard, now);
  }

  private currentRto(): number {
    const o = this.host.opts;
    return Rtt.rto(this.rtt, this.deframer === null ? o.ackDelayMs : o.streamAckDelayMs, o.rtoMs, o.minRtoMs, o.maxRtoMs);
  }

  // --- receive side -----------------------------------------------------------------------

  /** A sequenced frame that is not the next expected (onFrame takes that one): held beyond a gap, or a duplicate. */
  private onUnexpected(seq: number, bytes: Uint8Array): void {
    if (((seq - this.expected) & 0xff) >= this.host.opts.window || this.held[seq & this.ring] !== undefined) {
      // Behind the window (a retransmission of something delivered: our ack was lost), or held already.
      this.countDuplicate();
    } else {
      this.held[seq & this.ring] = this.deframer === null || this.deframer.framesOwned ? bytes : copyBytes(bytes);
      this.heldCount++;
      assert(this.heldCount < this.host.opts.window, 'hop: frames held beyond a gap fit the window');
      this.stats[LS_OUT_OF_ORDER]!++;
    }
    this.sendAck();
  }

  /**
   * NetLayer.answering: the layer above sends the peer a frame before this turn ends, and this
   * link is its route. If that frame would leave at once (nothing queued, room in the window),
   * the ack owed rides on it: nothing is owed any more (onFrame arms no deadline), and the
   * deadline is held for when it would have been due, without a timer (`transmit` stops it;
   * `unanswered` sets the timer should the answer not go).
   */
  answering(): void {
    if (this.ackOwed > 0 && this.queue.length === 0 && ((this.next - this.base) & 0xff) < this.host.opts.window) {
      this.ackOwed = 0;
      this.ackDeadline.hold(this.lastHeard + (this.deframer === null ? this.host.opts.ackDelayMs : this.host.opts.streamAckDelayMs));
    }
  }

  /** An answer `answering` counted on will not go this turn: the held ack deadline gets its timer. */
  unanswered(): void {
    this.ackDeadline.release();
  }

  private countDuplicate(): void {
    this.stats[LS_DUPLICATES]!++;
    this.host.st[NS_DUPLICATES]!++;
  }

  protected override sendAck(): void {
    if (!this.up) return;
    const len = this.heldCount > 0 ? SackBitmap.write(this.held, this.ring, this.expected, this.host.opts.window, this.ctrlPayload) : 0;
    this.sendControl(FrameType.LINK_ACK, this.peer, this.ctrlPayload, len);
  }

}
