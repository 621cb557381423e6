/**
 * Packet data on an open packet channel (mcapi_pktchan_send / recv / available / release).
 * A packet is the Net's payload itself, handed to the application as is (no copy) and owned by
 * MCAPI until released; the release returns the buffer's credit to the sender. The channel and
 * the buffers come checked from the facade (args.ts).
 */
import { assert } from '../util/assert.js';
import type { NetFrame } from '../net/net.js';
import type { Core } from './core.js';
import { Credits } from './credits.js';
import { MalformedFrame } from './frames.js';
import { Request } from './request.js';
import { Side } from './state.js';
import type { Channel, RxWait } from './state.js';
import { McapiError, Status } from './status.js';
import { ChanDir, ChanKind } from './wire.js';

export class Packets {
  /** Packets handed to the application, by the view it holds. */
  private readonly inUse = new Map<Uint8Array, Channel>();
  private handedOut = new WeakSet<Uint8Array>();

  constructor(private readonly core: Core, private readonly credits: Credits) {}

  /** Finalize: forget every buffer handed out. */
  clear(): void {
    this.inUse.clear();
    this.handedOut = new WeakSet<Uint8Array>();
  }

  /** A channel dropped without a close: the buffers it handed out are no longer MCAPI's. */
  dropChannel(chan: Channel): void {
    for (const [buf, c] of [...this.inUse]) if (c === chan) this.inUse.delete(buf);
    chan.inUse = 0;
  }

  get held(): number {
    return this.inUse.size;
  }

  private sendCheck(chan: Channel, data: Uint8Array): void {
    if (data.length > chan.ep.attrs.maxPayload) {
      throw new McapiError(Status.MCAPI_ERR_PKT_SIZE, `${String(data.length)} bytes exceed MAX_PAYLOAD_SIZE ${String(chan.ep.attrs.maxPayload)}`);
    }
    if (chan.peerClosed) throw new McapiError(Status.MCAPI_ERR_CHAN_NOTOPEN, 'the receive side closed the channel');
    if ((chan.credits === 0 || chan.sendQ.length > 0) && chan.ep.attrs.failOnLimit) {
      throw new McapiError(Status.MCAPI_ERR_MEM_LIMIT, 'the receiver has no free buffer (fail-on-limit policy)');
    }
  }

  sendI(chan: Channel, data: Uint8Array): Request<number> {
    this.sendCheck(chan, data);
    if (chan.credits > 0 && chan.sendQ.length === 0) {
      const req = this.core.requests.alloc<number>(Request.KIND.PKT_SEND);
      this.credits.transmitPkt(chan, data);
      this.core.requests.succeed(req, data.length, data.length);
      return req;
    }
    return this.credits.queueSend(chan, Request.KIND.PKT_SEND, data, 0, 0, 0);
  }

  /** Blocking send: sent now when a credit is at hand, else a request to wait on. */
  sendNow(chan: Channel, data: Uint8Array): Request<number> | null {
    // The usual case (a credit at hand, nothing queued: sendCheck cannot throw) tested
    // inline, sendCheck called only otherwise: every packet sent.
    if (chan.credits > 0 && chan.sendQ.length === 0 && !chan.peerClosed && data.length <= chan.ep.attrs.maxPayload) {
      this.credits.transmitPkt(chan, data);
      return null;
    }
    this.sendCheck(chan, data);
    if (chan.credits > 0 && chan.sendQ.length === 0) {
      this.credits.transmitPkt(chan, data);
      return null;
    }
    return this.credits.queueSend(chan, Request.KIND.PKT_SEND, data, 0, 0, 0);
  }

  /**
   * PKT_CR: the credits riding on the packet first (its sender returned them before it sent
   * the packet: a send waiting for one goes before the packet is taken), then the packet.
   */
  onPktCredited(f: NetFrame): void {
    const p = f.payload;
    const k = p.length === 0 ? 0 : p[0]!;
    const h = 1 + k * Credits.RIDE_ENTRY;
    // Tested inline, the check called only to throw (every PKT_CR).
    if (k === 0 || p.length < h) MalformedFrame.check(false, 'mcapi: PKT_CR without credits or shorter than its credit head');
    // Each entry as the CREDIT frame from its receive port to its send port would be.
    const credits = this.credits;
    for (let off = 1; off < h; off += Credits.RIDE_ENTRY) {
      credits.grant(f.src, (p[off + 2]! << 8) | p[off + 3]!, (p[off]! << 8) | p[off + 1]!, (p[off + 4]! << 8) | p[off + 5]!);
    }
    this.onPkt(f, p.subarray(h));
  }

  /** A packet `rx` (the frame's payload, or what follows a PKT_CR's credit head) on its channel. */
  onPkt(f: NetFrame, rx: Uint8Array): void {
    const core = this.core;
    const chan = core.endpoints.get(f.dstPort)?.chan;
    // Channel.receives written out (every packet taken).
    if (
      chan === undefined || chan.peerNode !== f.src || chan.peerPort !== f.srcPort || chan.kind !== ChanKind.PKT
      || chan.dir !== ChanDir.RECV || chan.local !== Side.OPEN
    ) {
      core.counters.dropped++;
      return;
    }
    const n = rx.length;
    if (chan.rxPackets.length + chan.inUse >= chan.granted || n > chan.ep.attrs.maxPayload) {
      throw new MalformedFrame('mcapi: packet beyond the credits granted or larger than MAX_PAYLOAD_SIZE');
    }
    // The packet is (part of) the Net's payload itself (handed over for keeps): no copy, and no
    // buffer is ever reused, so a buffer the application holds cannot change under it. Queued
    // as is (no record around it).
    const w = chan.rxWaiters.shift();
    if (w !== undefined) {
      // A blocking receive without a TIMEOUT has no timer (every packet of the usual case): no call then.
      if (w.timer >= 0) core.clearTimer(w.timer);
      // give's work inline (every packet taken by a waiting receive).
      this.inUse.set(rx, chan);
      this.handedOut.add(rx);
      chan.inUse++;
      if (chan.inUse + chan.rxPackets.length > chan.granted) assert(false, 'mcapi: a receive side holds more packets than it granted');
      core.counters.pktReceived++;
      core.requests.succeed(w.req as Request<Uint8Array>, rx, n);
    } else {
      chan.rxPackets.push(rx);
    }
  }

  private give(chan: Channel, rx: Uint8Array): void {
    this.inUse.set(rx, chan);
    this.handedOut.add(rx);
    chan.inUse++;
    // Tested inline, assert called only to throw (every packet taken).
    if (chan.inUse + chan.rxPackets.length > chan.granted) assert(false, 'mcapi: a receive side holds more packets than it granted');
    this.core.counters.pktReceived++;
  }

  /** Blocking receive's fast path: a queued packet, or null. */
  recvNow(chan: Channel): Uint8Array | null {
    const rx = chan.rxPackets.shift();
    if (rx !== undefined) {
      this.give(chan, rx);
      return rx;
    }
    if (chan.peerClosed) throw new McapiError(Status.MCAPI_ERR_CHAN_NOTOPEN, 'the send side closed the channel and nothing is left');
    return null;
  }

  /**
   * Blocking receive's wait, once recvNow found nothing (and the channel open on the send side):
   * recvI's request and wait without its second look at the queue.
   */
  recvWait(chan: Channel): Request<Uint8Array> {
    const req = this.core.requests.alloc<Uint8Array>(Request.KIND.PKT_RECV);
    const w: RxWait = { req, width: 0, pair: false, timer: -1 };
    chan.rxWaiters.push(w);
    req._cancel = chan;
    return req;
  }

  recvI(chan: Channel): Request<Uint8Array> {
    if (chan.rxPackets.length === 0 && chan.peerClosed) {
      throw new McapiError(Status.MCAPI_ERR_CHAN_NOTOPEN, 'the send side closed the channel and nothing is left');
    }
    const req = this.core.requests.alloc<Uint8Array>(Request.KIND.PKT_RECV);
    const rx = chan.rxPackets.shift();
    if (rx !== undefined) {
      this.give(chan, rx);
      this.core.requests.succeed(req, rx, rx.length);
      return req;
    }
    const w: RxWait = { req, width: 0, pair: false, timer: -1 };
    chan.waitForData(w);
    return req;
  }

  available(chan: Channel): number {
    return chan.rxPackets.length;
  }

  /** mcapi_pktchan_release: the buffer goes back, its credit to the sender. */
  release(buf: Uint8Array): void {
    const chan = this.inUse.get(buf);
    if (chan === undefined) {
      throw new McapiError(Status.MCAPI_ERR_BUF_INVALID, 'not a packet buffer held by the application (released already?)');
    }
    this.inUse.delete(buf);
    if (chan.inUse <= 0) assert(false, 'mcapi: released a packet of a channel holding none');
    chan.inUse--;
    if (chan.local === Side.OPEN && chan.ep.chan === chan) this.credits.owe(chan);
  }

  /** True once the buffer was released (mcapi_pktchan_release_test). */
  releaseTest(buf: Uint8Array): boolean {
    if (this.inUse.has(buf)) return false;
    if (this.handedOut.has(buf)) return true;
    throw new McapiError(Status.MCAPI_ERR_BUF_INVALID, 'not a packet buffer from this node');
  }
}
