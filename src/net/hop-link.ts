/**
 * One link seen by the network layer: neighbour sessions (HELLO), per-hop acknowledged
 * delivery (sliding window, cumulative acks in the hop fields, delayed standalone LINK_ACK
 * carrying a selective-ack bitmap, adaptive retransmission timeout with backoff, resending of
 * the gaps the bitmap shows), an in-order, exactly-once receive side that holds frames
 * arriving early, and framing (COBS on stream links). Routing, delivery and fault injection
 * live in NetLayer, reached through `LinkHost`.
 */
import type { Clock, HalLink, LinkKind } from '../hal.js';
import { filledArray } from '../util/next-id.js';
import { copyBytes } from '../wire/bytes.js';
import { CobsDeframer, cobsEncode, cobsEncodedLength } from '../wire/cobs.js';
import { FrameType } from '../wire/frame-types.js';
import type { FrameAuth } from '../wire/auth.js';
import {
  FLAG_ACK_VALID, FLAG_AUTH, FLAG_SEQ_VALID, FRAME_OVERHEAD, OFF_TTL, TAG_SIZE, emptyFrame,
} from '../wire/frame.js';
import type { FrameCodec, FrameFields } from '../wire/frame.js';
import { HELLO_LENGTH, SACK_MAX_LENGTH, readU32, writeHello } from './control.js';
import { Deadline } from './deadline.js';
import { Fifo } from './fifo.js';
import type { ResolvedNetOptions } from './options.js';
import { newLinkStats } from './stats.js';
import type { LinkStats, NetLayerStats } from './stats.js';

/**
 * Who is queueing: a local send (refused first: the caller can wait and retry), a frame in
 * transit (it cannot be refused upstream, so it may use twice the queue), or the layer's own
 * LSAs (256 places more still, so routing keeps working under any load).
 */
export type QueueClass = 'local' | 'transit' | 'control';
const CONTROL_SLACK = 256;
/**
 * Stream links: after this much silence a frame is preceded by an extra 0x00, so a partial
 * frame left in the receiver by line noise ends there instead of spoiling this frame.
 */
const IDLE_DELIMIT_MS = 10;

export interface LinkHost {
  readonly node: number;
  readonly domain: number;
  readonly codec: FrameCodec;
  readonly clock: Clock;
  readonly opts: ResolvedNetOptions;
  readonly stats: NetLayerStats;
  /** The domain key's MAC (docs/PROTOCOL.md §13), null when the domain has no key. */
  readonly auth: FrameAuth | null;
  epoch(): number;
  /** A whole frame taken off the link (deframed), before it is decoded. */
  ingress(link: HopLink, frame: Uint8Array): void;
  /** A sequenced frame, in order and exactly once. `owned`: `frame` is a private copy that may be kept. */
  receive(link: HopLink, frame: Uint8Array, fields: FrameFields, owned: boolean): void;
  /** The link went up, or down (its queue is already dropped). */
  changed(link: HopLink): void;
}

export class HopLink {
  readonly index: number;
  readonly kind: LinkKind;
  /** Frames sent here carry our CRC (always on streams; on datagrams only with `datagramCrc`). */
  readonly crc: boolean;
  readonly stats: LinkStats;
  up = false;
  /** Node id of the neighbour, -1 until a HELLO was heard. */
  peer = -1;

  private readonly hal: HalLink;
  private readonly host: LinkHost;
  private readonly deframer: CobsDeframer | null;
  private readonly wireBuf: Uint8Array | null;
  private readonly ctrl: FrameFields = emptyFrame();
  private readonly ctrlBuf: Uint8Array;
  private readonly helloPayload = new Uint8Array(HELLO_LENGTH);
  private readonly sackPayload = new Uint8Array(SACK_MAX_LENGTH);
  /** Frames held beyond a gap before the gap is resent: 1 on a stream (it never reorders). */
  private readonly lossThreshold: number;
  private readonly rxFields: FrameFields = emptyFrame();

  /** Extended (not wrapping) sequence numbers of this session, for the MAC: next to send, next expected. */
  private txExt = 0;
  private rxExt = 0;
  private readonly slotExt = new Float64Array(256);
  private signExt = 0;
  private readonly signer: ((frame: Uint8Array) => void) | null;

  private lastWrite = -Infinity;
  private localSession = 0;
  private peerSession = 0;
  private lastHeard = 0;

  // Transmit side: slots indexed by sequence number (mod 256).
  private readonly slots: (Uint8Array | null)[] = filledArray<Uint8Array | null>(256, null);
  private readonly sentAt = new Float64Array(256);
  private readonly retransmitted = new Uint8Array(256);
  private readonly resentAt = new Float64Array(256);
  /** The peer holds this frame (selective ack); it needs no resend. */
  private readonly sacked = new Uint8Array(256);
  private readonly queue = new Fifo<Uint8Array>();
  private base = 0;
  private next = 0;
  private rto: number;
  private srtt = -1;
  private rttvar = 0;
  private timeouts = 0;
  private readonly rtxDeadline: Deadline;

  // Receive side.
  private expected = 0;
  private readonly held: (Uint8Array | null)[] = filledArray<Uint8Array | null>(256, null);
  private heldCount = 0;
  private ackOwed = 0;
  private readonly ackDeadline: Deadline;

  constructor(hal: HalLink, host: LinkHost) {
    this.hal = hal;
    this.host = host;
    this.index = hal.index;
    this.kind = hal.kind;
    this.crc = hal.kind === 'stream' || host.opts.datagramCrc;
    this.stats = newLinkStats(hal.index, hal.kind);
    const maxFrame = FRAME_OVERHEAD + host.codec.maxPayload + (host.auth !== null ? TAG_SIZE : 0);
    if (hal.kind === 'stream') {
      this.deframer = new CobsDeframer(maxFrame, (frame) => this.host.ingress(this, frame), host.opts.bytes);
      this.wireBuf = new Uint8Array(1 + cobsEncodedLength(maxFrame));
    } else {
      this.deframer = null;
      this.wireBuf = null;
    }
    this.ctrlBuf = new Uint8Array(FRAME_OVERHEAD + TAG_SIZE + Math.max(HELLO_LENGTH, SACK_MAX_LENGTH));
    const auth = host.auth;
    this.signer = auth === null ? null : (frame) => auth.sign(frame, this.localSession, this.peerSession, this.signExt);
    this.lossThreshold = hal.kind === 'stream' ? 1 : host.opts.reorderThreshold;
    this.rto = host.opts.rtoMs;
    this.rtxDeadline = new Deadline(host.clock, () => this.onRetransmitTimeout());
    this.ackDeadline = new Deadline(host.clock, () => this.sendAck());
    this.localSession = this.newSession();
  }

  /** Raw bytes from the HAL. */
  input(bytes: Uint8Array): void {
    this.stats.bytesIn += bytes.length;
    this.host.stats.bytesIn += bytes.length;
    if (this.deframer !== null) {
      this.deframer.push(bytes);
      this.stats.overruns = this.deframer.overruns;
      this.stats.garbage = this.deframer.garbage;
    } else {
      this.host.ingress(this, bytes);
    }
  }

  /** Whether enqueue would take a frame of this class now. */
  canEnqueue(cls: QueueClass): boolean {
    const max = this.host.opts.maxQueue;
    const limit = cls === 'local' ? max : cls === 'transit' ? 2 * max : 2 * max + CONTROL_SLACK;
    return this.up && this.queue.length < limit;
  }

  /** Queue a frame (hop fields are filled at transmission). False when down or full. */
  enqueue(frame: Uint8Array, cls: QueueClass): boolean {
    if (!this.canEnqueue(cls)) return false;
    if (this.queue.length === 0 && ((this.next - this.base) & 0xff) < this.host.opts.window) {
      // The usual case: nothing waiting and room in the window, so straight into a slot.
      this.send(frame, this.host.clock.now());
      return true;
    }
    this.queue.push(frame);
    this.pump();
    return true;
  }

  /** A decoded, validated frame of our domain that arrived on this link. */
  onFrame(f: FrameFields, bytes: Uint8Array): void {
    if (!this.authentic(f, bytes)) {
      this.stats.authFailed++;
      this.host.stats.authFailed++;
      return;
    }
    this.lastHeard = this.host.clock.now();
    this.stats.framesIn++;
    if (f.type === FrameType.HELLO) {
      this.onHello(f);
      return;
    }
    if (!this.up) {
      if ((f.flags & FLAG_SEQ_VALID) !== 0) this.stats.noSession++;
      return;
    }
    if ((f.flags & FLAG_ACK_VALID) !== 0) {
      const standalone = f.type === FrameType.LINK_ACK && (f.flags & FLAG_SEQ_VALID) === 0;
      this.onAck(f.lack, standalone ? f.payload : null);
    }
    if ((f.flags & FLAG_SEQ_VALID) !== 0) {
      this.onSequenced(f, bytes);
    } else if (f.type !== FrameType.LINK_ACK) {
      // Only HELLO and LINK_ACK travel unsequenced.
      this.stats.malformed++;
      this.host.stats.malformed++;
    }
  }

  /**
   * With a domain key: the frame must carry a MAC that is right for this link's sessions and
   * the frame's extended sequence number. Forged, altered and replayed frames fail here (a
   * sequenced frame before the link is up is left to the noSession rule: it is not taken).
   * Without a key, an authenticated frame cannot be checked and is not taken either.
   */
  private authentic(f: FrameFields, bytes: Uint8Array): boolean {
    const auth = this.host.auth;
    const tagged = (bytes[0] & FLAG_AUTH) !== 0;
    if (auth === null) return !tagged;
    if (!tagged) return false;
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
  down(): void {
    const wasUp = this.up;
    this.resetTraffic();
    this.localSession = this.newSession();
    this.peerSession = 0;
    this.up = false;
    if (wasUp) {
      this.stats.downs++;
      this.host.changed(this);
    }
    this.sendHello();
  }

  stop(): void {
    this.rtxDeadline.stop();
    this.ackDeadline.stop();
  }

  snapshot(): LinkStats {
    const s = this.stats;
    s.up = this.up;
    s.peer = this.peer;
    s.inflight = (this.next - this.base) & 0xff;
    s.queued = this.queue.length;
    s.rtoMs = this.rto;
    s.srttMs = this.srtt;
    return { ...s };
  }

  sendHello(): void {
    writeHello(this.helloPayload, this.localSession, this.peerSession, this.index);
    this.sendControl(FrameType.HELLO, 255, this.helloPayload);
  }

  // --- sessions -------------------------------------------------------------------------

  private newSession(): number {
    // 1 .. 2^32-1: zero means "none" in HELLO's echo field.
    return 1 + Math.floor(this.host.opts.random() * 0xfffffffe);
  }

  private onHello(f: FrameFields): void {
    const p = f.payload;
    const session = p.length >= HELLO_LENGTH ? readU32(p, 0) : 0;
    if (session === 0 || f.src === this.host.node || f.src === 255) {
      this.stats.malformed++;
      this.host.stats.malformed++;
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
        this.stats.downs++;
        this.host.changed(this);
      }
    }
    let cameUp = false;
    if (!this.up && echo === this.localSession) {
      this.up = true;
      cameUp = true;
      this.stats.ups++;
    }
    if (this.up && !cameUp && (f.flags & FLAG_ACK_VALID) !== 0) this.onAck(f.lack, null);
    if (learned || cameUp) this.sendHello();
    if (cameUp) this.host.changed(this);
  }

  /** Drop queued and in-flight frames and reset both sequence spaces. */
  private resetTraffic(): void {
    let dropped = this.queue.clear();
    for (let s = 0; s < 256; s++) {
      if (this.slots[s] !== null) {
        this.slots[s] = null;
        dropped++;
      }
      this.held[s] = null;
    }
    this.stats.dropped += dropped;
    this.host.stats.linkDropped += dropped;
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

  // --- transmit side ----------------------------------------------------------------------

  private pump(): void {
    if (this.queue.length === 0) return;
    const window = this.host.opts.window;
    const now = this.host.clock.now();
    while (this.up && ((this.next - this.base) & 0xff) < window && this.queue.length > 0) {
      this.send(this.queue.shift() as Uint8Array, now);
    }
  }

  /** Put a frame in the next slot of the window and transmit it. */
  private send(frame: Uint8Array, now: number): void {
    const s = this.next;
    this.slots[s] = frame;
    this.sentAt[s] = now;
    this.retransmitted[s] = 0;
    this.sacked[s] = 0;
    this.slotExt[s] = this.txExt++;
    this.next = (s + 1) & 0xff;
    this.transmit(s);
    if (!this.rtxDeadline.armed) this.rtxDeadline.arm(now + this.rto);
  }

  private transmit(s: number): void {
    const frame = this.slots[s] as Uint8Array;
    this.signExt = this.slotExt[s];
    this.host.codec.setHop(frame, FLAG_SEQ_VALID | FLAG_ACK_VALID, s, this.expected, frame[OFF_TTL], this.crc, this.signer);
    this.ackSent();
    this.write(frame);
  }

  private retransmit(s: number): void {
    this.retransmitted[s] = 1;
    this.resentAt[s] = this.host.clock.now();
    this.stats.retransmits++;
    this.host.stats.retransmits++;
    this.transmit(s);
  }

  /** A cumulative ack, and (standalone LINK_ACK) the bitmap of frames held beyond it. */
  private onAck(ack: number, sack: Uint8Array | null): void {
    const inflight = (this.next - this.base) & 0xff;
    const d = (ack - this.base) & 0xff;
    if (d > inflight) return; // older than the window, or nonsense
    const now = this.host.clock.now();
    if (d > 0) {
      // Karn: an ack that covers a resent frame gives no sample (it may answer either copy,
      // and frames after a gap waited at the receiver for it). A backed-off timeout stays
      // backed off until a clean sample, else a link slower than the first guess would
      // resend everything.
      let clean = true;
      for (let i = 0; i < d; i++) {
        const s = (this.base + i) & 0xff;
        if (this.retransmitted[s] !== 0) clean = false;
        this.slots[s] = null;
      }
      if (clean) {
        this.rttSample(now - this.sentAt[(ack - 1) & 0xff]);
        this.rto = this.currentRto();
      }
      this.base = ack;
      this.timeouts = 0;
      if (((this.next - this.base) & 0xff) > 0) this.rtxDeadline.arm(now + this.rto);
      else this.rtxDeadline.cancel();
    }
    if (sack !== null && sack.length > 0) this.onSack(sack, now);
    if (d > 0) this.pump();
  }

  /**
   * Bit i (LSB first) of the bitmap says the peer holds frame ack+1+i. A frame not held, with
   * at least lossThreshold held frames above it, is lost: resend it, at most once per round trip.
   */
  private onSack(sack: Uint8Array, now: number): void {
    const inflight = (this.next - this.base) & 0xff;
    const bits = Math.min(sack.length * 8, inflight - 1);
    for (let i = 0; i < bits; i++) {
      if ((sack[i >>> 3] & (1 << (i & 7))) !== 0) this.sacked[(this.base + 1 + i) & 0xff] = 1;
    }
    const guard = this.srtt > 0 ? Math.max(this.srtt, this.host.opts.minRtoMs) : this.rto;
    let heldAbove = 0;
    for (let off = inflight - 1; off >= 0; off--) {
      const s = (this.base + off) & 0xff;
      if (this.sacked[s] !== 0) {
        heldAbove++;
      } else if (heldAbove >= this.lossThreshold && (this.retransmitted[s] === 0 || now - this.resentAt[s] >= guard)) {
        this.retransmit(s);
      }
    }
  }

  private rttSample(r: number): void {
    if (this.srtt < 0) {
      this.srtt = r;
      this.rttvar = r / 2;
    } else {
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - r);
      this.srtt = 0.875 * this.srtt + 0.125 * r;
    }
  }

  private currentRto(): number {
    const o = this.host.opts;
    if (this.srtt < 0) return o.rtoMs;
    const rto = this.srtt + 4 * this.rttvar + o.ackDelayMs;
    return rto < o.minRtoMs ? o.minRtoMs : rto > o.maxRtoMs ? o.maxRtoMs : rto;
  }

  private onRetransmitTimeout(): void {
    if (((this.next - this.base) & 0xff) === 0 || !this.up) return;
    this.timeouts++;
    if (this.timeouts > this.host.opts.maxRetries) {
      this.down();
      return;
    }
    this.rto = Math.min(this.rto * 2, this.host.opts.maxRtoMs);
    this.retransmit(this.base);
    this.rtxDeadline.arm(this.host.clock.now() + this.rto);
  }

  // --- receive side -----------------------------------------------------------------------

  private onSequenced(f: FrameFields, bytes: Uint8Array): void {
    const seq = f.lseq;
    const d = (seq - this.expected) & 0xff;
    if (d === 0) {
      this.expected = (seq + 1) & 0xff;
      this.rxExt++;
      this.ackOwed++;
      // A datagram is the HAL's gift (HalLink.onReceive); a deframed frame lives in a reused buffer.
      this.host.receive(this, bytes, f, this.deframer === null);
      while (this.heldCount > 0 && this.up) {
        const held = this.held[this.expected];
        if (held === null) break;
        this.held[this.expected] = null;
        this.heldCount--;
        this.expected = (this.expected + 1) & 0xff;
        this.rxExt++;
        this.ackOwed++;
        this.host.codec.decode(held, this.rxFields, false, true);
        this.host.receive(this, held, this.rxFields, true);
      }
      if (!this.up) return;
      // Still holding frames past a gap: tell the sender at once where the gap is.
      if (this.heldCount > 0 || this.ackOwed >= this.host.opts.ackEvery) this.sendAck();
      else if (this.ackOwed > 0) this.ackDeadline.armNoLaterThan(this.host.clock.now() + this.host.opts.ackDelayMs);
    } else if (d < this.host.opts.window) {
      if (this.held[seq] !== null) {
        this.countDuplicate();
      } else {
        this.held[seq] = this.deframer === null ? bytes : copyBytes(bytes);
        this.heldCount++;
        this.stats.outOfOrder++;
      }
      this.sendAck();
    } else {
      // Behind the window: a retransmission of something delivered; our ack was lost.
      this.countDuplicate();
      this.sendAck();
    }
  }

  private countDuplicate(): void {
    this.stats.duplicates++;
    this.host.stats.duplicates++;
  }

  private ackSent(): void {
    this.ackOwed = 0;
    this.ackDeadline.cancel();
  }

  private sendAck(): void {
    if (!this.up) return;
    let len = 0;
    if (this.heldCount > 0) {
      const sack = this.sackPayload;
      sack.fill(0);
      const window = this.host.opts.window;
      for (let i = 1; i < window; i++) {
        if (this.held[(this.expected + i) & 0xff] === null) continue;
        const bit = i - 1;
        sack[bit >>> 3] |= 1 << (bit & 7);
        len = (bit >>> 3) + 1;
      }
    }
    this.sendControl(FrameType.LINK_ACK, this.peer, this.sackPayload.subarray(0, len));
  }

  // --- output -----------------------------------------------------------------------------

  private sendControl(type: number, dst: number, payload: Uint8Array | null): void {
    const c = this.ctrl;
    c.flags = this.up ? FLAG_ACK_VALID : 0;
    c.type = type;
    c.lseq = 0;
    c.lack = this.up ? this.expected : 0;
    c.domain = this.host.domain;
    c.src = this.host.node;
    c.dst = dst;
    c.ttl = 1;
    c.srcPort = 0;
    c.dstPort = 0;
    c.epoch = this.host.epoch();
    c.payload = payload ?? this.ctrlBuf.subarray(0, 0);
    const auth = this.host.auth;
    const frame = this.host.codec.encode(c, this.ctrlBuf, 0, auth === null, this.crc, auth !== null);
    if (auth !== null) {
      if (type === FrameType.HELLO) auth.sign(frame, 0, 0, 0);
      else auth.sign(frame, this.localSession, this.peerSession, 0);
      this.host.codec.seal(frame, this.crc);
    }
    if (this.up) this.ackSent();
    this.write(frame);
  }

  private write(frame: Uint8Array): void {
    // No copy: HalLink.write copies what the target keeps, so the slot (rewritten for a
    // retransmission) and the encoding buffer (reused) stay ours.
    let out: Uint8Array;
    if (this.wireBuf !== null) {
      const now = this.host.clock.now();
      const lead = now - this.lastWrite >= IDLE_DELIMIT_MS ? 1 : 0;
      this.lastWrite = now;
      // Not named `native`: xsc reads `native(...)` as Moddable's host-function form.
      const encode = this.host.opts.bytes.cobsEncode;
      if (encode !== undefined) {
        out = encode(frame, 0, frame.length, lead === 1);
      } else {
        this.wireBuf[0] = 0;
        const n = cobsEncode(frame, this.wireBuf, lead);
        out = this.wireBuf.subarray(0, lead + n);
      }
    } else {
      out = frame;
    }
    this.stats.framesOut++;
    this.stats.bytesOut += out.length;
    this.host.stats.framesOut++;
    this.host.stats.bytesOut += out.length;
    this.hal.write(out);
  }
}
