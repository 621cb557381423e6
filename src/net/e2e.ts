/**
 * End-to-end delivery between node pairs (docs/PROTOCOL.md §8): every unicast frame of an
 * upper layer carries a 12-byte prefix in front of its payload — the sender's stream id and
 * the frame's sequence number in the stream source -> destination, and a piggybacked
 * cumulative ack for the reverse stream. The sender keeps each frame until the destination
 * acknowledges it and resends what is unacknowledged after a timeout, after a route change
 * (a link went down with frames queued on it, or came back), or when the receiver reports a
 * gap; the receiver takes frames in sequence, exactly once, and drops duplicates.
 *
 * Per-hop ARQ (hop-link.ts) still repairs line noise within a hop in a few ms; this layer
 * covers what per-hop ARQ loses: frames queued on a link that goes down, dropped at a full
 * forwarding queue, or discarded during a partition.
 *
 * One sequence space on a one-hop route (docs/PROTOCOL.md §8 "Direct streams"): a stream is
 * *direct* while the destination is the neighbour at the end of its route's link and every
 * frame of it since it last held nothing went on that link. The hop link delivers in order,
 * exactly once per session, and acknowledges only what the peer's e2e took, so a direct frame
 * is numbered (the prefix, flagged DIRECT) but not held, timed or acknowledged end to end: the
 * hop link's slot is its only copy. When direct ends (the link resets: down, or the peer's
 * session changed; or the route moved), the frames the link holds unacknowledged come back
 * here with their numbers (`reclaim`) and go by go-back-N like any, so the receiver drops
 * what it had already taken and acknowledges the rest.
 *
 * Stream ids (random, never 0) stand for the incarnation of a sender's stream towards one
 * destination: a rebooted board, or a stream given up, starts a new id at sequence 0, and a
 * receiver adopts a new id only at sequence 0 and never an id it retired. A receiver that
 * knows nothing of a stream that was already acknowledged (it rebooted) says so, and the
 * sender turns what it held into a definite failure (`undeliverable`). So is a destination
 * that acknowledges nothing for `e2eGiveUpMs`, or one the layers above declare dead.
 */
import { assert } from '../util/assert.js';
import { copyBytes } from '../wire/bytes.js';
import { HEADER_SIZE, OFF_DST, OFF_SRC, OFF_TYPE } from '../wire/frame.js';
import { readU32, writeU32 } from './control.js';
import { Deadline } from './deadline.js';
import { Rtt } from './rtt.js';
import type { DirectLink, E2eHost, RxStream, TxStream } from './e2e-types.js';
import { NS_E2E_ABANDONED, NS_E2E_ACKS_OUT, NS_E2E_DUPLICATES, NS_E2E_GIVEN_UP, NS_E2E_OUT_OF_ORDER, NS_E2E_RESENT, NS_E2E_RESETS, NS_E2E_STALE, NS_E2E_STREAMS } from './stats.js';

/** The first upper-layer frame type (upper.ts FIRST_UPPER_TYPE): only those carry the prefix. */
const FIRST_E2E_TYPE = 0x10;
/** Bytes the e2e prefix adds to every unicast upper-layer frame. */
export const E2E_HEADER = 12;
/** E2E_ACK payload: u32 stream, u16 next expected, u8 flags. */
export const E2E_ACK_LENGTH = 7;
/** E2E_ACK flag: the sender of the ack holds no state for this stream (it restarted). */
export const E2E_ACK_UNKNOWN = 0x1;
/**
 * The DIRECT flag: bit 7 of the prefix's last stream byte (ids are 31 bits). The frame was
 * sent on a direct stream: its hop ack stands for the end-to-end one, so none is owed for it.
 */
const DIRECT_BIT = 0x80;
/** Stream ids are below this (the top bit of the stream field is DIRECT_BIT). */
const STREAM_ID_SPACE = 0x80000000;
/** Stream ids a receiver remembers as retired per source, so a late frame cannot revive one. */
const RETIRED_IDS = 4;
/** Serial arithmetic on 16-bit sequence numbers (written `& 0xffff`): a distance at or beyond this is "behind". */
const SEQ_HALF = 0x8000;

const P_STREAM = HEADER_SIZE;
const P_SEQ = HEADER_SIZE + 4;
const P_ACK_STREAM = HEADER_SIZE + 6;
const P_ACK = HEADER_SIZE + 10;
/** Where the DIRECT flag sits: the stream field's high byte. */
const P_DIRECT = P_STREAM + 3;
/** Tags of the layer's deadlines. */
const RTX_TIMER = 0;
const ACK_TIMER = 1;

export type { DirectLink, E2eHost } from './e2e-types.js';

export class E2eLayer {
  private readonly host: E2eHost;
  private readonly tx = new Map<number, TxStream>();
  private readonly rx = new Map<number, RxStream>();
  private heldBytes = 0;
  private readonly rtxDeadline: Deadline;
  private readonly ackDeadline: Deadline;
  private readonly ackPayload = new Uint8Array(E2E_ACK_LENGTH);
  /** Mixed into stream ids so that a board restarted with the same random seed still differs. */
  private idSalt: number;

  constructor(host: E2eHost) {
    this.host = host;
    assert(host.opts.e2eWindow < SEQ_HALF, 'e2e: the window is below half the sequence space');
    this.rtxDeadline = new Deadline(host.clock, this, RTX_TIMER);
    this.ackDeadline = new Deadline(host.clock, this, ACK_TIMER);
    this.idSalt = Math.floor(host.clock.now() * 1000) >>> 0;
  }

  /** Deadline dispatch (deadline.ts). */
  deadline(tag: number): void {
    if (tag === RTX_TIMER) this.onTimer();
    else this.flushAcks();
  }

  stop(): void {
    this.rtxDeadline.stop();
    this.ackDeadline.stop();
  }

  /** Whether a frame of `length` payload bytes for dst may be accepted now (bounded memory). */
  canAccept(dst: number, length: number): boolean {
    const s = this.tx.get(dst);
    const o = this.host.opts;
    if (s !== undefined && s.held.length >= o.e2eWindow) return false;
    return this.heldBytes + length <= o.e2eMaxBytes || this.heldBytes === 0;
  }

  /**
   * Number a freshly built frame for dst (its prefix, at the start of its payload, still zero
   * as FrameCodec.originate left it) and piggyback the ack owed to dst. Call right before its
   * first transmission on `link`. Returns null when the stream is direct on `link`, the first
   * hop it goes to (the hop link's slot is then the frame's only copy); else the stream, which
   * the caller gives to `hold` with the frame once it is written: what only a resend needs is
   * not on the frame's way out (docs/PERFORMANCE.md "Round 18").
   */
  track(dst: number, frame: Uint8Array, link: DirectLink): TxStream | null {
    const s = this.tx.get(dst) ?? this.stream(dst);
    // The route moved off the link this stream was direct on: what that link still holds comes back.
    if (s.link !== null && s.link !== link) this.reclaim(dst, s);
    // writeU32's work inline (a call fewer a frame); ids are 31 bits, so the shifts are safe
    // on every engine (Lua's `bit` included: control.ts's writeU32 takes any u32).
    const id = s.id;
    frame[P_STREAM] = id & 0xff;
    frame[P_STREAM + 1] = (id >>> 8) & 0xff;
    frame[P_STREAM + 2] = (id >>> 16) & 0xff;
    frame[P_STREAM + 3] = id >>> 24;
    const seq = s.next;
    frame[P_SEQ] = seq & 0xff;
    frame[P_SEQ + 1] = seq >>> 8;
    // piggyback's work inline (a fresh frame's prefix is zero: "no ack" needs no store), and
    // only when an ack is owed: the last one sent said the same (lost only with a frame that
    // is resent, with a fresh ack).
    const r = this.rx.get(dst);
    if (r !== undefined && r.owed && r.id !== 0) {
      const ack = r.id;
      frame[P_ACK_STREAM] = ack & 0xff;
      frame[P_ACK_STREAM + 1] = (ack >>> 8) & 0xff;
      frame[P_ACK_STREAM + 2] = (ack >>> 16) & 0xff;
      frame[P_ACK_STREAM + 3] = ack >>> 24;
      frame[P_ACK] = r.expected & 0xff;
      frame[P_ACK + 1] = r.expected >>> 8;
      r.owed = false;
    }
    s.next = (seq + 1) & 0xffff;
    if (s.held.length === 0 && s.directFrom >= 0 && link.peer === dst) {
      // Direct: nothing of the stream is held (so nothing is on another path to be overtaken)
      // and the frame goes to the destination itself, whose hop ack means its e2e took it.
      frame[P_DIRECT] = frame[P_DIRECT]! | DIRECT_BIT;
      if (s.link === null) {
        s.link = link;
        s.directFrom = seq;
      }
      s.base = s.next; // nothing held: base .. next-1 is empty
      return null;
    }
    return s;
  }

  /**
   * Hold `frame`, the one `track` numbered last for stream `s` (not direct), until it is
   * acknowledged: called right after its first transmission (NetLayer.send), in the same turn.
   */
  hold(s: TxStream, frame: Uint8Array): void {
    const now = this.host.clock.now();
    if (s.held.length === 0) {
      s.lastProgress = now;
      s.resendAt = now + s.rto;
      this.rtxDeadline.armNoLaterThan(s.resendAt);
    }
    s.held.push(frame);
    s.sentAt.push(now);
    this.heldBytes += frame.length;
    // Per pair: what is held is exactly base .. next-1 (so never more than the window canAccept allows).
    if (((s.next - s.base) & 0xffff) !== s.held.length) assert(false, 'e2e: held frames are exactly base..next-1');
  }

  /**
   * A unicast upper-layer frame for this node, prefix at payload[0..12). Returns whether its
   * payload is to be delivered (new and in sequence); acks are processed in any case.
   */
  accept(src: number, p: Uint8Array): boolean {
    // The counters are read where they are counted (an in-order frame counts nothing).
    // readU32's arithmetic inline (unsigned on every engine, Lua's included): two calls fewer a
    // frame. The clock is read only where it is used: an in-order direct frame without an ack
    // (a one-hop ping-pong's every frame) needs none.
    // No ack (a direct stream's frames carry none): told by one test, not the field's value.
    if ((p[6]! | p[7]! | p[8]! | p[9]!) !== 0) this.onAck(src, p[6]! + p[7]! * 256 + p[8]! * 65536 + p[9]! * 16777216, p[10]! | (p[11]! << 8), false, this.host.clock.now());
    const top = p[3]!;
    const id = p[0]! + p[1]! * 256 + p[2]! * 65536 + (top & 0x7f) * 16777216;
    const seq = p[4]! | (p[5]! << 8);
    let r = this.rx.get(src);
    if (r === undefined || r.id !== id) {
      if (id === 0 || (r !== undefined && r.retired.includes(id))) {
        this.host.st[NS_E2E_STALE]!++;
        return false;
      }
      if (seq !== 0) {
        // The first frame of a new stream was lost (it will be resent), or we restarted and
        // know nothing of a stream the sender thinks we know: tell it.
        this.host.st[NS_E2E_OUT_OF_ORDER]!++;
        this.owe(src).unknown = id;
        return false;
      }
      if (r === undefined) {
        r = { id, expected: 0, retired: [], owed: false, unknown: 0, holdUntil: 0 };
        this.rx.set(src, r);
      } else {
        if (r.id !== 0) r.retired.push(r.id);
        if (r.retired.length > RETIRED_IDS) r.retired.shift();
        assert(r.retired.length <= RETIRED_IDS, 'e2e: retired stream ids are bounded');
        r.id = id;
        r.expected = 0;
      }
      if (r.unknown === id) r.unknown = 0;
      this.host.st[NS_E2E_STREAMS]!++;
    }
    const d = (seq - r.expected) & 0xffff;
    if (d === 0) {
      r.expected = (r.expected + 1) & 0xffff;
      // A direct frame's hop ack is its end-to-end one: nothing owed.
      if (top < DIRECT_BIT) this.markOwed(r, this.host.clock.now());
      return true;
    }
    this.markOwed(r, this.host.clock.now());
    if (d < SEQ_HALF) this.host.st[NS_E2E_OUT_OF_ORDER]!++;
    else this.host.st[NS_E2E_DUPLICATES]!++;
    return false;
  }

  /** An E2E_ACK frame from src. False when its payload is malformed. */
  onAckFrame(src: number, p: Uint8Array): boolean {
    if (p.length < E2E_ACK_LENGTH) return false;
    const stream = readU32(p, 0);
    if (stream === 0) return false;
    this.onAck(src, stream, p[4]! | (p[5]! << 8), (p[6]! & E2E_ACK_UNKNOWN) !== 0, this.host.clock.now());
    return true;
  }

  /** Routes changed: frames queued on a link that went down may be gone; resend soon. */
  routeChanged(): void {
    const now = this.host.clock.now();
    const guard = this.host.opts.e2eMinRtoMs;
    for (const s of this.tx.values()) {
      if (s.held.length === 0 || now - s.lastResend < guard) continue;
      s.resendAt = now;
      this.rtxDeadline.armNoLaterThan(now);
    }
  }

  /** The layers above declared dst dead: what is held for it will never be delivered. */
  abandon(dst: number): void {
    const s = this.tx.get(dst);
    if (s === undefined) return;
    if (s.link !== null) this.reclaim(dst, s);
    if (s.held.length === 0) return;
    this.restart(dst, s);
  }

  /**
   * `link` is about to drop what it queued and holds unacknowledged (it went down, or its peer
   * has a new session): every stream direct on it takes its frames back, to be resent by
   * go-back-N on whatever route there is.
   */
  linkReset(link: DirectLink): void {
    for (const [dst, s] of this.tx) {
      if (s.link === link) this.reclaim(dst, s);
    }
  }

  /**
   * A value that changes whenever a new frame to dst is numbered (its stream id and next
   * sequence number; 0 before the first): the layers above compare two readings to learn
   * whether they sent dst anything in between (FT's heartbeats, docs/FT.md §6).
   */
  sentMark(dst: number): number {
    const s = this.tx.get(dst);
    return s === undefined ? 0 : s.id * 0x10000 + s.next;
  }

  /** Frames not yet acknowledged for every destination, direct ones on their link included (diagnostics). */
  heldFrames(): number {
    let n = 0;
    for (const [dst, s] of this.tx) n += s.link === null ? s.held.length : this.directPending(dst, s, null);
    return n;
  }

  /** Write the ack owed to dst into an outgoing frame's prefix (ack stream 0: none). */
  piggyback(dst: number, frame: Uint8Array): void {
    const r = this.rx.get(dst);
    if (r === undefined || r.id === 0) {
      writeU32(frame, P_ACK_STREAM, 0);
      frame[P_ACK] = 0;
      frame[P_ACK + 1] = 0;
      return;
    }
    writeU32(frame, P_ACK_STREAM, r.id);
    frame[P_ACK] = r.expected & 0xff;
    frame[P_ACK + 1] = r.expected >>> 8;
    r.owed = false;
  }

  /**
   * An upper layer will send a frame to `src` within `ms` (MCAPI holding a message's
   * acceptance to ride on a message going back, docs/MCAPI.md): the ack owed to src waits
   * for that frame instead of going alone first. Never past half the shortest retransmission
   * timeout, so no frame is resent for it.
   */
  holdAck(src: number, ms: number): void {
    const r = this.rx.get(src);
    if (r === undefined || !r.owed) return;
    const until = this.host.clock.now() + Math.min(ms, this.host.opts.e2eMinRtoMs / 2);
    if (until > r.holdUntil) r.holdUntil = until;
  }

  // --- sender ---------------------------------------------------------------------------

  private newId(): number {
    for (;;) {
      // xor of signed 32-bit operands, back to unsigned by arithmetic: the same on every engine,
      // Lua 5.1's `bit` included (it takes int32 operands and returns signed results).
      const r = Math.floor(this.host.opts.host.random() * 0x100000000);
      const salt = this.idSalt;
      const x = (r >= 0x80000000 ? r - 0x100000000 : r) ^ (salt >= 0x80000000 ? salt - 0x100000000 : salt);
      // 31 bits: the stream field's top bit is the DIRECT flag.
      const id = (x < 0 ? x + 0x100000000 : x) % STREAM_ID_SPACE;
      this.idSalt = ((this.idSalt % 0x1000000) * 31 + (id % 0x1000000) + 1) >>> 0;
      if (id !== 0) return id;
    }
  }

  private stream(dst: number): TxStream {
    let s = this.tx.get(dst);
    if (s === undefined) {
      s = {
        id: this.newId(), link: null, directFrom: 0, base: 0, next: 0, held: [], sentAt: [], acked: false, resendAt: 0, lastResend: -Infinity,
        rto: this.host.opts.e2eRtoMs, srtt: -1, rttvar: 0, lastProgress: 0,
      };
      this.tx.set(dst, s);
    }
    return s;
  }

  private onAck(src: number, stream: number, ack: number, unknown: boolean, now: number): void {
    const s = this.tx.get(src);
    if (s === undefined || s.id !== stream) return;
    if (unknown) {
      // (A direct stream's link reset when the peer restarted, before any frame could reach
      // its new incarnation; a stray UNKNOWN still finds whatever the link holds.)
      if (s.link !== null) this.reclaim(src, s);
      if (s.acked) {
        // The destination acknowledged this stream before and now knows nothing of it: it
        // restarted, and what it had not yet acknowledged is gone with it.
        this.host.st[NS_E2E_RESETS]!++;
        this.restart(src, s);
      } else if (s.held.length > 0 && now - s.lastResend >= this.host.opts.e2eMinRtoMs) {
        s.resendAt = now; // our first frame was lost: resend from sequence 0
        this.rtxDeadline.armNoLaterThan(now);
      }
      return;
    }
    const d = (ack - s.base) & 0xffff;
    if (d === 0 || d > s.held.length) return;
    s.acked = true;
    if (s.directFrom < 0) s.directFrom = 0; // confirmed: it may go direct again once nothing is held
    let clean = true;
    let last = -1;
    for (let i = 0; i < d; i++) {
      const frame = s.held.shift() as Uint8Array;
      last = s.sentAt.shift() as number;
      if (last < 0) clean = false;
      this.heldBytes -= frame.length;
    }
    // The newest frame acked gives the sample (unless it was resent); the timeout moves only
    // when none of them was resent (Karn).
    if (clean) s.rto = Rtt.update(s, now - last, 0, this.host.opts.e2eMinRtoMs, this.host.opts.e2eMaxRtoMs);
    else if (last >= 0) Rtt.sample(s, now - last);
    s.base = ack;
    if (((s.next - s.base) & 0xffff) !== s.held.length) assert(false, 'e2e: an ack leaves exactly base..next-1 held');
    s.lastProgress = now;
    if (s.held.length > 0) {
      s.resendAt = now + s.rto;
      this.rtxDeadline.armNoLaterThan(s.resendAt);
    }
  }


  /**
   * The frames of direct stream `s` that its link has not had acknowledged, oldest first, into
   * `out` (when given); returns how many. They are the stream's newest: everything it sent
   * since it went direct went on that link, in order, and the link is acknowledged in order.
   * Told apart from the link's other frames by source, destination and the stream field.
   */
  private directPending(dst: number, s: TxStream, out: Uint8Array[] | null): number {
    const all: Uint8Array[] = [];
    (s.link as DirectLink).pending(all);
    const node = this.host.node;
    const field = s.id + DIRECT_BIT * 16777216; // the stream field with the DIRECT flag
    const span = (s.next - s.directFrom) & 0xffff;
    let n = 0;
    for (const f of all) {
      if (f.length < HEADER_SIZE + E2E_HEADER || f[OFF_SRC] !== node || f[OFF_DST] !== dst || f[OFF_TYPE]! < FIRST_E2E_TYPE) continue;
      // Of this direct period only: a frame of an earlier one, reclaimed when the route moved
      // off a link that is still up, may wait there still (it was resent, and is acknowledged).
      if (readU32(f, P_STREAM) !== field || (((f[P_SEQ]! | (f[P_SEQ + 1]! << 8)) - s.directFrom) & 0xffff) >= span) continue;
      n++;
      if (out !== null) out.push(f);
    }
    return n;
  }

  /**
   * End direct stream `s`: what its link still holds unacknowledged becomes held here (base
   * moves back to the first of them) and is resent at once by go-back-N, with fresh acks and
   * without the DIRECT flag, on the route there is now. The receiver drops any it already took
   * (a hop ack lost with the link) as duplicates and acknowledges end to end.
   */
  private reclaim(dst: number, s: TxStream): void {
    const frames: Uint8Array[] = [];
    const k = this.directPending(dst, s, frames);
    assert(s.held.length === 0, 'e2e: a direct stream holds nothing itself');
    const base = (s.next - k) & 0xffff;
    // Some went direct and were acknowledged by the link, so taken by the destination: it
    // knows the stream (an UNKNOWN from it now means it restarted).
    if (base !== s.directFrom) s.acked = true;
    s.link = null;
    s.directFrom = -1;
    if (k === 0) return;
    for (let i = 0; i < k; i++) {
      const f = frames[i]!;
      // They are base .. next-1, in order.
      assert((f[P_SEQ]! | (f[P_SEQ + 1]! << 8)) === ((base + i) & 0xffff), 'e2e: a direct stream\'s unacknowledged frames are its newest, in order');
      s.held.push(f);
      s.sentAt.push(-1); // no round-trip sample from these
      this.heldBytes += f.length;
    }
    s.base = base;
    const now = this.host.clock.now();
    s.lastProgress = now;
    s.resendAt = now;
    this.rtxDeadline.armNoLaterThan(now);
  }

  /** Give up what is held for dst (a definite failure) and start a new stream for later frames. */
  private restart(dst: number, s: TxStream): void {
    const n = s.held.length;
    for (const f of s.held) this.heldBytes -= f.length;
    assert(this.heldBytes >= 0, 'e2e: held bytes never go negative');
    this.tx.delete(dst);
    if (n > 0) {
      this.host.st[NS_E2E_ABANDONED]! += n;
      this.host.undeliverable(dst, n);
    }
  }

  private onTimer(): void {
    const now = this.host.clock.now();
    const o = this.host.opts;
    let next = Infinity;
    for (const [dst, s] of [...this.tx]) {
      if (s.held.length === 0) continue;
      if (now - s.lastProgress >= o.e2eGiveUpMs) {
        this.host.st[NS_E2E_GIVEN_UP]!++;
        this.restart(dst, s);
        continue;
      }
      if (s.resendAt <= now) this.resend(dst, s, now);
      if (s.resendAt < next) next = s.resendAt;
    }
    if (next < Infinity) this.rtxDeadline.arm(next);
  }

  /**
   * Go back N: resend every held frame in order (the receiver takes only the next one in
   * sequence), as far as the first hop's queue takes them; back off the timeout.
   */
  private resend(dst: number, s: TxStream, now: number): void {
    let sent = 0;
    for (let i = 0; i < s.held.length; i++) {
      const copy = copyBytes(s.held[i]!);
      copy[P_DIRECT] = copy[P_DIRECT]! & 0x7f; // a reclaimed direct frame is acknowledged end to end now
      this.piggyback(dst, copy);
      if (!this.host.transmit(dst, copy)) break;
      s.sentAt[i] = -1;
      sent++;
    }
    this.host.st[NS_E2E_RESENT]! += sent;
    s.lastResend = now;
    s.rto = Math.min(s.rto * 2, this.host.opts.e2eMaxRtoMs);
    // Nothing went (no route yet, or the queue is full): try again soon, without backing off more.
    s.resendAt = now + (sent === 0 ? this.host.opts.e2eMinRtoMs : s.rto);
  }

  // --- receiver ---------------------------------------------------------------------------

  private owe(src: number): RxStream {
    let r = this.rx.get(src);
    if (r === undefined) {
      r = { id: 0, expected: 0, retired: [], owed: false, unknown: 0, holdUntil: 0 };
      this.rx.set(src, r);
    }
    this.ackDeadline.armNoLaterThan(this.host.clock.now() + this.host.opts.e2eAckDelayMs);
    return r;
  }

  /**
   * An ack became owed at `now`: it goes at the latest e2eAckDelayMs later. The deadline is
   * lazy (armed for the earliest ack owed since it last fired), so an ack owed after earlier
   * ones rode on frames would go early, alone, when it fires: `holdUntil` keeps it waiting its
   * full delay for a frame to ride on (docs/PERFORMANCE.md "Round 10: udp frame path").
   */
  private markOwed(r: RxStream, now: number): void {
    const until = now + this.host.opts.e2eAckDelayMs;
    if (!r.owed) {
      r.owed = true;
      if (until > r.holdUntil) r.holdUntil = until;
    }
    this.ackDeadline.armNoLaterThan(until);
  }

  private flushAcks(): void {
    const p = this.ackPayload;
    const now = this.host.clock.now();
    let held = Infinity;
    for (const [src, r] of this.rx) {
      if (r.unknown !== 0) {
        writeU32(p, 0, r.unknown);
        p[4] = 0;
        p[5] = 0;
        p[6] = E2E_ACK_UNKNOWN;
        r.unknown = 0;
        this.host.st[NS_E2E_ACKS_OUT]!++;
        this.host.sendAck(src, p);
      }
      if (r.owed && r.holdUntil > now) {
        if (r.holdUntil < held) held = r.holdUntil;
      } else if (r.owed && r.id !== 0) {
        r.holdUntil = 0;
        writeU32(p, 0, r.id);
        p[4] = r.expected & 0xff;
        p[5] = r.expected >>> 8;
        p[6] = 0;
        r.owed = false;
        this.host.st[NS_E2E_ACKS_OUT]!++;
        this.host.sendAck(src, p);
      }
    }
    if (held < Infinity) this.ackDeadline.armNoLaterThan(held);
  }
}
