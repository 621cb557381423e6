/**
 * Channel credits, both ways. The send side spends one credit per packet or scalar it
 * transmits and queues what it cannot send yet (the endpoint's TIMEOUT bounds the wait); the
 * receive side returns credits as the application releases packets or receives scalars,
 * batched per turn in one CREDIT frame per channel, and sent before any later data frame to the
 * same node so a credit is never overtaken. A packet going to that node carries the credits
 * owed there itself (a PKT_CR frame: they are applied before its packet is taken), so the
 * usual exchange of packets both ways sends no CREDIT frame at all. A packet channel's
 * receive side holds its credits (no end-of-turn flush) while fewer than half of the buffers it
 * granted are owed, so a ping-pong whose receiver releases after its echo (the echo has gone
 * without them) sends its credit on the next echo, not in a CREDIT frame of its own that the
 * other side's hop link must then acknowledge alone; two HOLD_MS periods bound how long a held
 * credit waits. A sender never holds a negative credit count, so a receiver never holds more
 * than it granted.
 */
import { assert } from '../util/assert.js';
import type { NetFrame } from '../net/net.js';
import { Core } from './core.js';
import { McapiCodec } from './frames.js';
import type { Request, RequestKindCode } from './request.js';
import { Side } from './state.js';
import type { Channel, SendOp } from './state.js';
import { Status, type StatusCode } from './status.js';
import { ChanDir, ChanKind, McapiFrame, writeU16, writeU32 } from './wire.js';

/** The hold timer of every Credits: one module-level function, the Credits as its argument. */
function onHoldTimer(credits: Credits): void {
  credits.holdTimerFired();
}

export class Credits {
  /** Bytes of one credit entry of a PKT_CR head: send port (at the packet's receiver), receive port (at its sender), count, u16 each. */
  static readonly RIDE_ENTRY = 6;
  /** Entries a PKT_CR head carries at most (its count is a u8); beyond, the credits go as CREDIT frames. */
  static readonly RIDE_MAX = 16;

  /**
   * Receive sides with credits to return at the next flush, in the order they first owed one.
   * An array, not a Set: usually one channel, and on XS a pass over a one-entry Set (its
   * iterator) costs ~90 units against ~30 for the array's loop (Credits.ride, every PKT_CR).
   */
  private readonly owing: Channel[] = [];
  /** The channels whose credits ride on the packet being sent (reused: ride() empties it). */
  private readonly picked: Channel[] = [];
  /** The head of a packet one channel's credits ride on (k = 1; reused: a head is copied when sent). */
  private readonly head1 = new Uint8Array(1 + Credits.RIDE_ENTRY);

  /**
   * The hold period (ms): a credit held through a whole period goes when it ends, so a sender
   * that spent every credit while its receiver holds fewer than half of them (its application
   * released some and then stopped taking packets) gets them back within two periods. Above a
   * packet round trip on the slowest link (a 4 KiB ping-pong on uart:921600 is ~94 ms), so a
   * ping-pong's credit rides before its period ends; two periods are under
   * MAX_ACCEPT_ACK_DELAY_MS, the delay a message's sender may already see.
   */
  static readonly HOLD_MS = 250;

  /**
   * The hold timer (setTimerFor id), -1 when not armed. Armed by the first credit held while it
   * is not, never cleared when the held credits ride (the clear would cost more than its one
   * firing per HOLD_MS); when it fires it sends the credits held since before the period began,
   * and is armed again while any credit is still held.
   */
  private holdTimer = -1;
  /** The hold period: counts the hold timer's firings (Channel.heldIn: the period a credit began in). */
  private period = 0;

  constructor(private readonly core: Core) {}

  // ---------------------------------------------------------------- send side

  /**
   * Spend a credit on one packet (the application's buffer goes as is: the Net copies it). The
   * credits owed to the same node ride on it (PKT_CR) instead of going first in a CREDIT frame.
   */
  transmitPkt(chan: Channel, data: Uint8Array): void {
    const core = this.core;
    const node = chan.peerNode;
    const head = this.owing.length === 0 ? null : this.ride(node, data.length);
    // beforeData's test inline, its call only when something is batched (every packet sent).
    if (core.flushWant !== 0 || core.respDelayed !== 0) core.beforeData(node, false);
    // Tested inline, assert called only to throw (every packet sent).
    if (chan.credits <= 0) assert(false, 'mcapi: packet sent without a credit');
    if (head === null) core.tx(McapiFrame.PKT, node, chan.ep.port, chan.peerPort, data);
    else core.txHead(McapiFrame.PKT_CR, node, chan.ep.port, chan.peerPort, head, data);
    // The credit spent and the count after the frame is written (docs/PERFORMANCE.md "Round 18").
    chan.credits--;
    core.counters.pktSent++;
  }

  /**
   * The PKT_CR head for a packet of `n` bytes going to `node` (docs/MCAPI.md §4: `k u8`, k
   * entries; the packet follows it in the frame: Net.send's head, no joined copy), with every
   * credit owed there taken off the books, or null when none is owed there, or too many, or the
   * head would not fit the frame: then they go as CREDIT frames first.
   */
  private ride(node: number, n: number): Uint8Array | null {
    const owing = this.owing;
    const core = this.core;
    // The usual case (a ping-pong's, every packet): one channel owing, to this node, its entry
    // written into the reused one-entry head (Net.sendHead and Core.txHead copy a head, never
    // keep it), no pass over the list, no allocation, no keepOwed.
    if (owing.length === 1) {
      const chan = owing[0]!;
      if (chan.peerNode !== node) return null;
      if (chan.ep.chan === chan && chan.local === Side.OPEN && !chan.peerClosed && 1 + Credits.RIDE_ENTRY + n <= core.limits.maxFramePayload) {
        const head = this.head1;
        const a = chan.peerPort;
        const b = chan.ep.port;
        const c = chan.owed;
        head[0] = 1;
        head[1] = a >>> 8;
        head[2] = a & 0xff;
        head[3] = b >>> 8;
        head[4] = b & 0xff;
        head[5] = c >>> 8;
        head[6] = c & 0xff;
        chan.owed = 0;
        owing.length = 0;
        core.counters.creditsRidden++;
        // A held credit asked for no flush: no call then.
        if ((core.flushWant & Core.FLUSH_CREDITS) !== 0) core.dropFlush(Core.FLUSH_CREDITS);
        return head;
      }
    }
    // One pass over the owing list; the channels in a reused array.
    const picked = this.picked;
    let k = 0;
    for (let i = 0; i < owing.length; i++) {
      const chan = owing[i]!;
      if (chan.peerNode === node && chan.owed > 0 && chan.ep.chan === chan && chan.local === Side.OPEN && !chan.peerClosed) picked[k++] = chan;
    }
    const h = 1 + k * Credits.RIDE_ENTRY;
    if (k === 0 || k > Credits.RIDE_MAX || h + n > core.limits.maxFramePayload) {
      picked.length = 0;
      return null;
    }
    const head = new Uint8Array(h);
    head[0] = k;
    for (let i = 0, off = 1; i < k; i++, off += Credits.RIDE_ENTRY) {
      const chan = picked[i]!;
      const a = chan.peerPort;
      const b = chan.ep.port;
      const c = chan.owed;
      head[off] = a >>> 8;
      head[off + 1] = a & 0xff;
      head[off + 2] = b >>> 8;
      head[off + 3] = b & 0xff;
      head[off + 4] = c >>> 8;
      head[off + 5] = c & 0xff;
      chan.owed = 0;
    }
    picked.length = 0;
    // The ridden channels off the list, the others kept in order (owed is 0 exactly for those).
    Credits.keepOwed(owing);
    core.counters.creditsRidden += k;
    if (owing.length === 0 && (core.flushWant & Core.FLUSH_CREDITS) !== 0) core.dropFlush(Core.FLUSH_CREDITS);
    return head;
  }

  /** Drop from `owing` the channels that owe nothing now (their credits went), keeping the order. */
  private static keepOwed(owing: Channel[]): void {
    let j = 0;
    for (let i = 0; i < owing.length; i++) {
      const chan = owing[i]!;
      if (chan.owed > 0) owing[j++] = chan;
    }
    owing.length = j;
  }

  /** A receive side whose owed credits still go to its sender (sendCredit's condition). */
  private static live(chan: Channel): boolean {
    return chan.owed > 0 && chan.ep.chan === chan && chan.local === Side.OPEN && !chan.peerClosed;
  }

  /** Spend a credit on one scalar: a width byte and the value, big-endian. */
  transmitScl(chan: Channel, width: number, hi: number, lo: number): void {
    this.core.beforeData(chan.peerNode, false);
    assert(chan.credits > 0, 'mcapi: scalar sent without a credit');
    chan.credits--;
    const p = new Uint8Array(1 + width);
    p[0] = width;
    if (width === 1) p[1] = lo;
    else if (width === 2) writeU16(p, 1, lo);
    else if (width === 4) writeU32(p, 1, lo);
    else {
      writeU32(p, 1, hi);
      writeU32(p, 5, lo);
    }
    this.core.counters.sclSent++;
    this.core.tx(McapiFrame.SCL, chan.peerNode, chan.ep.port, chan.peerPort, p);
  }

  /** Queue a send that has no credit yet; its TIMEOUT attribute bounds the wait. */
  queueSend(chan: Channel, kind: RequestKindCode, data: Uint8Array | null, width: number, hi: number, lo: number): Request<number> {
    const core = this.core;
    const req = core.requests.alloc<number>(kind);
    const op: SendOp = { req, data, width, hi, lo, timer: -1 };
    chan.sendQ.push(op);
    req._cancel = () => {
      const i = chan.sendQ.indexOf(op);
      if (i >= 0) chan.sendQ.splice(i, 1);
      core.clearTimer(op.timer);
      op.timer = -1;
    };
    const t = chan.ep.attrs.timeoutMs;
    if (t !== Infinity) {
      op.timer = core.setTimer(t, () => {
        op.timer = -1;
        core.abort(req, Status.MCAPI_TIMEOUT, 'no receive buffer became free within the endpoint TIMEOUT');
      });
    }
    return req;
  }

  /** Fail every queued send (the channel closed on either side, or its peer is unreachable). */
  failSends(chan: Channel, why: string, status: StatusCode = Status.MCAPI_ERR_CHAN_NOTOPEN): void {
    for (const op of chan.sendQ.splice(0)) {
      this.core.clearTimer(op.timer);
      this.core.requests.fail(op.req, status, why);
    }
  }

  onCredit(f: NetFrame): void {
    this.grant(f.src, f.srcPort, f.dstPort, McapiCodec.decodeCredit(f.payload));
  }

  /**
   * `count` credits from the receive side `src`:`recvPort` for the send side at `sendPort` here:
   * a CREDIT frame's, or one entry of a PKT_CR's head (Packets.onPktCredited).
   */
  grant(src: number, recvPort: number, sendPort: number, count: number): void {
    const st = this.core.endpoints.get(sendPort);
    const chan = st === undefined ? undefined : st.chan;
    if (chan === undefined || chan.peerNode !== src || chan.peerPort !== recvPort || chan.dir !== ChanDir.SEND) {
      this.core.counters.dropped++;
      return;
    }
    if (chan.local !== Side.OPEN) return;
    chan.credits += count;
    // No send waits for a credit (the usual case): no call.
    if (chan.sendQ.length > 0) this.drainSends(chan);
  }

  private drainSends(chan: Channel): void {
    for (let op = chan.sendQ[0]; op !== undefined && chan.credits > 0; op = chan.sendQ[0]) {
      chan.sendQ.shift();
      this.core.clearTimer(op.timer);
      if (op.data !== null) {
        this.transmitPkt(chan, op.data);
        this.core.requests.succeed(op.req, op.data.length, op.data.length);
      } else {
        this.transmitScl(chan, op.width, op.hi, op.lo);
        this.core.requests.succeed(op.req, op.width, op.width);
      }
    }
  }

  // ---------------------------------------------------------------- receive side

  /**
   * One receive buffer of `chan` became free: return its credit at the next flush, or hold it
   * (a packet channel owing fewer than half of the buffers it granted) for a packet to ride on,
   * two hold periods at most (holdTimerFired).
   */
  owe(chan: Channel): void {
    if (chan.peerClosed || chan.local !== Side.OPEN) return;
    const owed = ++chan.owed;
    // A channel is on the list exactly while it owes (every path that zeroes owed takes it off).
    if (owed === 1) {
      this.owing.push(chan);
      chan.heldIn = this.period;
    }
    if (chan.kind === ChanKind.PKT && owed * 2 < chan.granted) {
      if (this.holdTimer < 0) this.holdTimer = this.core.setTimerFor(Credits.HOLD_MS, onHoldTimer, this);
      return;
    }
    this.core.requestFlush(Core.FLUSH_CREDITS);
  }

  /**
   * The hold timer fired: the credits owed since before this period began go now (held at
   * least HOLD_MS, at most twice that); the ones owed since it began (a ping-pong's, which ride
   * on its next packet) wait for the next period, the timer armed again for them.
   */
  holdTimerFired(): void {
    const core = this.core;
    core.timerFired(this.holdTimer);
    this.holdTimer = -1;
    const period = this.period;
    // Equality, not order: a wrapped counter still tells this period from every earlier one.
    this.period = (period + 1) | 0;
    const owing = this.owing;
    let j = 0;
    for (let i = 0; i < owing.length; i++) {
      const chan = owing[i]!;
      if (chan.heldIn !== period) this.sendCredit(chan);
      else owing[j++] = chan;
    }
    owing.length = j;
    if (j > 0) this.holdTimer = core.setTimerFor(Credits.HOLD_MS, onHoldTimer, this);
    else if ((core.flushWant & Core.FLUSH_CREDITS) !== 0) core.dropFlush(Core.FLUSH_CREDITS);
  }

  /** Nothing more is owed on `chan` (its data was discarded, or it is gone). */
  forget(chan: Channel): void {
    chan.owed = 0;
    const i = this.owing.indexOf(chan);
    if (i >= 0) this.owing.splice(i, 1);
  }

  /** Drop every owed credit (finalize). */
  clear(): void {
    this.owing.length = 0;
    this.core.clearTimer(this.holdTimer);
    this.holdTimer = -1;
  }

  private sendCredit(chan: Channel): void {
    if (Credits.live(chan)) {
      this.core.counters.creditFrames++;
      this.core.tx(McapiFrame.CREDIT, chan.peerNode, chan.ep.port, chan.peerPort, McapiCodec.encodeCredit(chan.owed));
    }
    chan.owed = 0;
  }

  /** End of turn: return every credit owed. */
  flush(): void {
    // Runs at the end of every turn that batched a response: no iterator when nothing is owed.
    const owing = this.owing;
    if (owing.length === 0) return;
    for (let i = 0; i < owing.length; i++) this.sendCredit(owing[i]!);
    owing.length = 0;
  }

  /** Send the credits owed to `node` now (before a data frame to it). */
  flushTo(node: number): void {
    const owing = this.owing;
    if (owing.length === 0) return;
    let j = 0;
    for (let i = 0; i < owing.length; i++) {
      const chan = owing[i]!;
      if (chan.peerNode === node) this.sendCredit(chan);
      else owing[j++] = chan;
    }
    owing.length = j;
    // Nothing left for the end-of-turn flush: no turn of the event loop with nothing to do.
    if (j === 0) this.core.dropFlush(Core.FLUSH_CREDITS);
  }
}
