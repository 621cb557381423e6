/**
 * Opening and closing the two sides of a connected channel (mcapi_pktchan_send_open_i, ...,
 * mcapi_sclchan_recv_close_i).
 *
 * Either side opens in any order; an open completes when both sides have opened (each side's
 * OPEN frame tells the other). The receiver's OPEN carries the number of receive buffers it
 * grants: the sender's credits. An open called before the endpoint is connected waits for the
 * connect (EndpointState.pendingOpen).
 *
 * Close: each side closes its own end. Closing the receive side discards queued data and makes
 * further sends fail; closing the send side leaves queued data receivable. The channel is
 * disconnected (the endpoints become plain endpoints again) at the second close. The local
 * side's state moves only as Channel.move (state.ts) allows.
 */
import { assert } from '../util/assert.js';
import type { NetFrame } from '../net/net.js';
import { Args } from './args.js';
import type { Core } from './core.js';
import type { Credits } from './credits.js';
import { McapiCodec } from './frames.js';
import { PacketRecvHandle, PacketSendHandle, ScalarRecvHandle, ScalarSendHandle } from './handles.js';
import type { ChannelHandle } from './handles.js';
import type { Packets } from './packets.js';
import { Request } from './request.js';
import { Channel, Side } from './state.js';
import type { EndpointState } from './state.js';
import { McapiError, Status, type StatusCode } from './status.js';
import { ChanDir, ChanKind, McapiFrame } from './wire.js';
import type { ChanDirCode, ChanKindCode } from './wire.js';

export class OpenClose {

  constructor(private readonly core: Core, private readonly credits: Credits, private readonly packets: Packets) {}

  // ---------------------------------------------------------------- open

  openI(st: EndpointState, kind: ChanKindCode, dir: ChanDirCode): Request<ChannelHandle> {
    const core = this.core;
    const chan = st.chan;
    const side = dir === ChanDir.SEND ? 'send' : 'receive';
    if (chan !== undefined) {
      if (chan.kind !== kind) throw new McapiError(Status.MCAPI_ERR_CHAN_TYPE, `endpoint is connected to a ${Args.kindName(chan.kind)} channel`);
      if (chan.dir !== dir) throw new McapiError(Status.MCAPI_ERR_CHAN_DIRECTION, `endpoint is not the ${side} side of its channel`);
      if (chan.local === Side.OPENING) throw new McapiError(Status.MCAPI_ERR_CHAN_OPENPENDING, 'an open is already pending');
      if (chan.local === Side.OPEN) throw new McapiError(Status.MCAPI_ERR_CHAN_OPEN, 'this side is already open');
      if (chan.local === Side.CLOSED) throw new McapiError(Status.MCAPI_ERR_CHAN_CLOSEPENDING, 'this side is closed; the channel disconnects when the other side closes');
      const req = core.requests.alloc<ChannelHandle>(Request.KIND.OPEN);
      this.startOpen(chan, req);
      return req;
    }
    const c = st.connecting;
    if (c !== undefined) {
      if (c.kind !== kind) throw new McapiError(Status.MCAPI_ERR_CHAN_TYPE, `endpoint is being connected to a ${Args.kindName(c.kind)} channel`);
      if (dir !== ChanDir.SEND) throw new McapiError(Status.MCAPI_ERR_CHAN_DIRECTION, 'endpoint is being connected as a send side');
    }
    if (st.pendingOpen !== undefined) throw new McapiError(Status.MCAPI_ERR_CHAN_OPENPENDING, 'an open is already pending');
    const req = core.requests.alloc<ChannelHandle>(Request.KIND.OPEN);
    const po = { kind, dir, req };
    st.pendingOpen = po;
    req._cancel = () => {
      if (st.pendingOpen === po) st.pendingOpen = undefined;
    };
    return req;
  }

  /** The endpoint was just connected: an open waiting for that starts (or fails) now. */
  attachPendingOpen(st: EndpointState, chan: Channel): void {
    const po = st.pendingOpen;
    if (po === undefined) return;
    st.pendingOpen = undefined;
    const req = po.req;
    req._cancel = undefined;
    if (po.kind !== chan.kind) {
      this.core.requests.fail(req, Status.MCAPI_ERR_CHAN_TYPE, `endpoint was connected to a ${Args.kindName(chan.kind)} channel`);
    } else if (po.dir !== chan.dir) {
      this.core.requests.fail(req, Status.MCAPI_ERR_CHAN_DIRECTION, 'endpoint was connected as the other side');
    } else {
      this.startOpen(chan, req);
    }
  }

  private startOpen(chan: Channel, req: Request<ChannelHandle>): void {
    const st = chan.ep;
    if (chan.dir === ChanDir.RECV) {
      chan.granted = st.attrs.recvBuffers;
      if (chan.kind === ChanKind.SCL) {
        chan.ring = new Uint32Array(Channel.RING_STRIDE * chan.granted);
        chan.sclHead = 0;
        chan.sclCount = 0;
      }
    }
    chan.move(Side.OPENING);
    chan.openReq = req;
    req._cancel = () => this.cancelOpen(chan);
    this.sendOpen(chan, true);
    if (chan.peerOpen) this.completeOpen(chan);
  }

  private sendOpen(chan: Channel, open: boolean): void {
    const p = McapiCodec.encodeOpen(chan.kind, chan.dir, open, open ? chan.granted : 0);
    this.core.tx(McapiFrame.OPEN, chan.peerNode, chan.ep.port, chan.peerPort, p);
  }

  private completeOpen(chan: Channel): void {
    const req = chan.openReq;
    if (req === null) return;
    chan.openReq = null;
    chan.move(Side.OPEN);
    const ep = chan.ep.handle;
    const h = chan.kind === ChanKind.PKT
      ? (chan.dir === ChanDir.SEND ? new PacketSendHandle(ep) : new PacketRecvHandle(ep))
      : (chan.dir === ChanDir.SEND ? new ScalarSendHandle(ep) : new ScalarRecvHandle(ep));
    chan.handle = h;
    this.core.requests.succeed(req, h, 0);
  }

  private cancelOpen(chan: Channel): void {
    if (chan.local !== Side.OPENING) return;
    chan.move(Side.NONE);
    chan.openReq = null;
    this.sendOpen(chan, false);
    if (chan.dir === ChanDir.RECV) chan.granted = 0;
  }

  /** The channel of this node a frame from the other side is about, or null (counted dropped). */
  private peerChan(f: NetFrame, kind: ChanKindCode, peerDir: number): Channel | null {
    const st = this.core.endpoints.get(f.dstPort);
    const chan = st === undefined ? undefined : st.chan;
    if (chan === undefined || chan.peerNode !== f.src || chan.peerPort !== f.srcPort || chan.kind !== kind || chan.dir === peerDir) {
      this.core.counters.dropped++;
      return null;
    }
    return chan;
  }

  onOpen(f: NetFrame): void {
    const m = McapiCodec.decodeOpen(f.payload);
    const chan = this.peerChan(f, m.kind, m.dir);
    if (chan === null) return;
    if (m.open) {
      chan.peerOpen = true;
      if (chan.dir === ChanDir.SEND) chan.credits = m.credits;
      if (chan.local === Side.OPENING) this.completeOpen(chan);
    } else {
      chan.peerOpen = false;
      if (chan.dir === ChanDir.SEND) chan.credits = 0;
    }
  }

  // ---------------------------------------------------------------- close

  /** Close this (open) side; reported at once: closing never waits. */
  closeI(chan: Channel): Request<number> {
    const core = this.core;
    const req = core.requests.alloc<number>(Request.KIND.CLOSE);
    chan.move(Side.CLOSED);
    chan.handle = null;
    if (chan.dir === ChanDir.SEND) {
      this.credits.failSends(chan, 'the channel was closed');
    } else {
      this.discard(chan);
      this.failRecvs(chan, 'the channel was closed');
    }
    this.sendClose(chan);
    if (chan.peerClosed) this.disconnect(chan);
    core.requests.succeed(req, 0, 0);
    return req;
  }

  sendClose(chan: Channel): void {
    this.core.tx(McapiFrame.CLOSE, chan.peerNode, chan.ep.port, chan.peerPort, McapiCodec.encodeClose(chan.kind, chan.dir));
  }

  /** The channel is gone: the endpoint becomes a plain endpoint, its buffers are released. */
  private disconnect(chan: Channel): void {
    if (chan.ep.chan === chan) chan.ep.chan = undefined;
    this.credits.forget(chan);
    this.core.channelBytes -= chan.reserved;
    chan.reserved = 0;
    assert(this.core.channelBytes >= 0, 'mcapi: channel buffer reservations went negative');
  }

  private failRecvs(chan: Channel, why: string, status: StatusCode = Status.MCAPI_ERR_CHAN_NOTOPEN): void {
    for (const w of chan.rxWaiters.splice(0)) {
      this.core.clearTimer(w.timer);
      this.core.requests.fail(w.req as Request<unknown>, status, why);
    }
  }

  /**
   * The network gave up frames to this channel's peer (NetHost.undeliverable): data, credits
   * or the open handshake may be lost, so whatever waits on the channel could wait forever. Every
   * waiting request ends with MCAPI_ERR_TRANSMISSION; the channel itself stays, for the
   * application to close (docs/MCAPI.md). Returns the requests ended.
   */
  peerUnreachable(chan: Channel, why: string): number {
    let n = chan.sendQ.length + chan.rxWaiters.length;
    const open = chan.openReq;
    chan.openReq = null;
    if (open !== null) {
      this.core.requests.fail(open, Status.MCAPI_ERR_TRANSMISSION, why);
      n++;
    }
    this.credits.failSends(chan, why, Status.MCAPI_ERR_TRANSMISSION);
    this.failRecvs(chan, why, Status.MCAPI_ERR_TRANSMISSION);
    return n;
  }

  private discard(chan: Channel): void {
    chan.rxPackets.length = 0;
    chan.sclCount = 0;
    this.credits.forget(chan);
  }

  onClose(f: NetFrame): void {
    const m = McapiCodec.decodeClose(f.payload);
    const chan = this.peerChan(f, m.kind, m.dir);
    if (chan === null) return;
    chan.peerClosed = true;
    chan.peerOpen = false;
    if (chan.dir === ChanDir.SEND) {
      chan.credits = 0;
      this.credits.failSends(chan, 'the receive side closed the channel');
    } else {
      this.failRecvs(chan, 'the send side closed the channel');
    }
    if (chan.local === Side.OPENING) {
      const req = chan.openReq;
      chan.openReq = null;
      chan.move(Side.NONE);
      if (req !== null) this.core.requests.fail(req, Status.MCAPI_ERR_CHAN_NOTOPEN, 'the other side closed the channel');
    }
    // A side that never opened closes too (the other side waits for a second close).
    if (chan.local === Side.NONE) this.sendClose(chan);
    if (chan.local !== Side.OPEN) this.disconnect(chan);
  }

  /**
   * A rolled-back run's endpoint goes (McapiNode scopes): its channel is dropped here without
   * a CLOSE to the peer. The peer's run is rolled back too and drops its side the same way; a
   * CLOSE sent now could reach the peer's next run on the same ports and close that instead.
   */
  abandon(st: EndpointState, why: string): void {
    st.connecting = undefined;
    const po = st.pendingOpen;
    st.pendingOpen = undefined;
    if (po !== undefined) this.core.requests.fail(po.req, Status.MCAPI_ERR_REQUEST_CANCELLED, why);
    const chan = st.chan;
    if (chan === undefined) return;
    if (chan.local !== Side.CLOSED) chan.move(Side.CLOSED);
    chan.handle = null;
    const open = chan.openReq;
    chan.openReq = null;
    if (open !== null) this.core.requests.fail(open, Status.MCAPI_ERR_REQUEST_CANCELLED, why);
    this.credits.failSends(chan, why);
    this.failRecvs(chan, why);
    this.discard(chan);
    this.packets.dropChannel(chan);
    this.disconnect(chan);
  }
}
