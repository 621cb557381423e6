/**
 * Packet and scalar channels (mcapi_pktchan_*, mcapi_sclchan_*).
 *
 * Connect (any node may connect two endpoints): the connector asks the send side's node, which
 * reserves its endpoint and asks the receive side's node, which commits the connection and
 * answers; the send side commits and tells the connector. Either side opens in any order; an
 * open completes when both sides have opened (each side's OPEN frame tells the other). The
 * receiver's OPEN carries the number of receive buffers it granted: the sender's credits. Every
 * packet or scalar spends a credit; the receiver returns credits as the application releases
 * packets (or receives scalars), batched per turn. So a receiver never holds more than it
 * granted, and a sender without credit waits (or fails, MEM_LIMIT policy).
 *
 * Close: each side closes its own end. Closing the receive side discards queued data and makes
 * further sends fail; closing the send side leaves queued data receivable. The channel is
 * disconnected (the endpoints become plain endpoints again) at the second close.
 */
import { nonZeroNext } from '../util/next-id.js';
import type { NetFrame } from '../net/net.js';
import type { Core } from './core.js';
import {
  ChannelHandle, Endpoint, PacketRecvHandle, PacketSendHandle, ScalarRecvHandle, ScalarSendHandle,
} from './handles.js';
import { EndpointStatus, EndpointType } from './constants.js';
import type { Request } from './request.js';
import { Channel, Side } from './state.js';
import type { EndpointState, RxPacket, RxWait, ScalarValue, SendOp } from './state.js';
import { u64Exact, u64Join } from './u64.js';
import { McapiError, Status, isStatusCode } from './status.js';
import type { StatusCode } from './status.js';
import { ChanDir, ChanKind, McapiFrame, readU16, readU32, writeU16, writeU32 } from './wire.js';
import type { ChanDirCode, ChanKindCode } from './wire.js';

const KIND_NAME: Record<ChanKindCode, string> = { 1: 'packet', 2: 'scalar' };

export class ChannelEngine {
  private readonly core: Core;
  private readonly connects = new Map<number, Request<number>>();
  private nextToken = 1;
  private readonly owing = new Set<Channel>();
  /** Packets handed to the application, by the view it holds. */
  private readonly inUse = new Map<Uint8Array, Channel>();
  private handedOut = new WeakSet<Uint8Array>();

  constructor(core: Core) {
    this.core = core;
  }

  /** Finalize: tell the peers of every channel that this side is gone, then forget everything. */
  shutdown(): void {
    for (const st of this.core.endpoints.values()) {
      const chan = st.chan;
      if (chan !== null && chan.local !== Side.CLOSED && !chan.peerClosed) this.sendClose(chan);
    }
    this.connects.clear();
    this.owing.clear();
    this.inUse.clear();
    this.handedOut = new WeakSet<Uint8Array>();
  }

  /**
   * A rolled-back run's endpoint goes (McapiNode scopes): its channel is dropped here without
   * a CLOSE to the peer. The peer's run is rolled back too and drops its side the same way; a
   * CLOSE sent now could reach the peer's next run on the same ports and close that instead.
   */
  abandon(st: EndpointState, why: string): void {
    st.connecting = null;
    const po = st.pendingOpen;
    st.pendingOpen = null;
    if (po !== null) this.core.requests.fail(po.req, Status.MCAPI_ERR_REQUEST_CANCELLED, why);
    const chan = st.chan;
    if (chan === null) return;
    chan.local = Side.CLOSED;
    chan.handle = null;
    const open = chan.openReq;
    chan.openReq = null;
    if (open !== null) this.core.requests.fail(open, Status.MCAPI_ERR_REQUEST_CANCELLED, why);
    this.failSends(chan, why);
    this.failRecvs(chan, why);
    this.discard(chan);
    for (const [buf, c] of [...this.inUse]) if (c === chan) this.inUse.delete(buf);
    chan.inUse = 0;
    this.disconnect(chan);
  }

  depths(): { channels: number; packetsInUse: number } {
    let channels = 0;
    for (const st of this.core.endpoints.values()) if (st.chan !== null && st.chan.local === Side.OPEN) channels++;
    return { channels, packetsInUse: this.inUse.size };
  }

  private token(): number {
    const t = this.nextToken;
    this.nextToken = nonZeroNext(t);
    return t;
  }

  /** The channel behind a handle, checked for kind, side and still being open. */
  private handle(h: unknown, kind: ChanKindCode, dir: ChanDirCode): Channel {
    if (!(h instanceof ChannelHandle)) throw new McapiError(Status.MCAPI_ERR_CHAN_INVALID, 'not a channel handle');
    const hk = h.kind === 'packet' ? ChanKind.PKT : ChanKind.SCL;
    if (hk !== kind) {
      throw new McapiError(Status.MCAPI_ERR_CHAN_TYPE, `a ${h.kind} channel handle given to a ${KIND_NAME[kind]} channel call`);
    }
    const hd = h.side === 'send' ? ChanDir.SEND : ChanDir.RECV;
    if (hd !== dir) {
      throw new McapiError(Status.MCAPI_ERR_CHAN_DIRECTION, `a ${h.side} handle given to a ${dir === ChanDir.SEND ? 'send' : 'receive'} call`);
    }
    const chan = h._chan;
    if (this.core.endpoints.get(chan.ep.port) !== chan.ep) {
      throw new McapiError(Status.MCAPI_ERR_CHAN_INVALID, 'the handle does not belong to an endpoint of this node');
    }
    if (chan.handle !== h) throw new McapiError(Status.MCAPI_ERR_CHAN_NOTOPEN, 'this side of the channel is closed');
    return chan;
  }

  private peerChan(f: NetFrame, kind: ChanKindCode, peerDir: number): Channel | null {
    const st = this.core.endpoints.get(f.dstPort);
    const chan = st === undefined ? null : st.chan;
    if (chan === null || chan.peerNode !== f.src || chan.peerPort !== f.srcPort || chan.kind !== kind || chan.dir === peerDir) {
      this.core.counters.dropped++;
      return null;
    }
    return chan;
  }

  // ---------------------------------------------------------------- connect

  private compatible(a: EndpointState, b: EndpointState): boolean {
    return a.maxPayload === b.maxPayload && a.priority === b.priority;
  }

  connectI(kind: ChanKindCode, sendH: unknown, recvH: unknown): Request<number> {
    const core = this.core;
    core.checkInit();
    for (const [h, what] of [[sendH, 'send endpoint'], [recvH, 'receive endpoint']] as const) {
      if (!(h instanceof Endpoint)) throw new McapiError(Status.MCAPI_ERR_ENDP_INVALID, `${what} is not an endpoint`);
      if (h.domain !== core.domain || !core.validNode(h.node) || !core.validPort(h.port)) {
        throw new McapiError(Status.MCAPI_ERR_ENDP_INVALID, `${what} ${h.toString()} is not a valid endpoint`);
      }
    }
    const s = sendH as Endpoint;
    const r = recvH as Endpoint;
    if (s.equals(r)) throw new McapiError(Status.MCAPI_ERR_ENDP_INVALID, 'an endpoint cannot be connected to itself');
    const locals: EndpointState[] = [];
    for (const [h, what] of [[s, 'send endpoint'], [r, 'receive endpoint']] as const) {
      if (h.node !== core.node) continue;
      const st = core.local(h, what);
      if (st.chan !== null || st.connecting !== null) {
        throw new McapiError(Status.MCAPI_ERR_CHAN_CONNECTED, `${what} ${h.toString()} is already connected`);
      }
      locals.push(st);
    }
    if (locals.length === 2 && !this.compatible(locals[0]!, locals[1]!)) {
      throw new McapiError(Status.MCAPI_ERR_ATTR_INCOMPATIBLE, 'MAX_PAYLOAD_SIZE and PRIORITY must be equal on both endpoints');
    }
    if (r.node === core.node && !this.fits(core.local(r, 'receive endpoint'), kind)) {
      throw new McapiError(Status.MCAPI_ERR_MEM_LIMIT, `the receive buffers would exceed limits.maxChannelBufferBytes (${String(core.limits.maxChannelBufferBytes)})`);
    }
    const req = core.requests.alloc<number>('connect');
    const token = this.token();
    this.connects.set(token, req);
    req._cancel = () => this.connects.delete(token);
    const p = new Uint8Array(8);
    p[0] = kind;
    p[1] = r.node;
    writeU16(p, 2, r.port);
    writeU32(p, 4, token);
    core.tx(McapiFrame.CONNECT, s.node, 0, s.port, p);
    return req;
  }

  /** Send side: reserve the endpoint and forward to the receive side. */
  onConnect(f: NetFrame): void {
    const core = this.core;
    const p = f.payload;
    if (p.length !== 8 || (p[0] !== ChanKind.PKT && p[0] !== ChanKind.SCL)) {
      core.counters.malformed++;
      return;
    }
    const kind = p[0] as ChanKindCode;
    const recvNode = p[1];
    const recvPort = readU16(p, 2);
    const token = readU32(p, 4);
    const st = core.endpoints.get(f.dstPort);
    let status: StatusCode = Status.MCAPI_SUCCESS;
    if (st === undefined) status = Status.MCAPI_ERR_ENDP_INVALID;
    else if (st.chan !== null || st.connecting !== null) status = Status.MCAPI_ERR_CHAN_CONNECTED;
    else if (recvNode === core.node && recvPort === st.port) status = Status.MCAPI_ERR_ENDP_INVALID;
    if (st === undefined || status !== Status.MCAPI_SUCCESS) {
      this.connectResult(f.src, token, status);
      return;
    }
    st.connecting = { kind, recvNode, recvPort, connector: f.src, token };
    const q = new Uint8Array(11);
    q[0] = kind;
    q[1] = f.src;
    writeU32(q, 2, token);
    writeU32(q, 6, st.maxPayload);
    q[10] = st.priority;
    core.tx(McapiFrame.CONNECT_RECV, recvNode, st.port, recvPort, q);
  }

  /** Receive side: commit the connection (or refuse) and answer the send side. */
  onConnectRecv(f: NetFrame): void {
    const core = this.core;
    const p = f.payload;
    if (p.length !== 11 || (p[0] !== ChanKind.PKT && p[0] !== ChanKind.SCL)) {
      core.counters.malformed++;
      return;
    }
    const kind = p[0] as ChanKindCode;
    const connector = p[1];
    const token = readU32(p, 2);
    const maxPayload = readU32(p, 6);
    const priority = p[10];
    const st = core.endpoints.get(f.dstPort);
    let status: StatusCode = Status.MCAPI_SUCCESS;
    if (st === undefined) status = Status.MCAPI_ERR_ENDP_INVALID;
    else if (st.chan !== null || st.connecting !== null) status = Status.MCAPI_ERR_CHAN_CONNECTED;
    else if (st.maxPayload !== maxPayload || st.priority !== priority) status = Status.MCAPI_ERR_ATTR_INCOMPATIBLE;
    else if (!this.fits(st, kind)) status = Status.MCAPI_ERR_MEM_LIMIT;
    const q = new Uint8Array(6);
    q[0] = status;
    q[1] = connector;
    writeU32(q, 2, token);
    core.tx(McapiFrame.CONNECT_REPLY, f.src, f.dstPort, f.srcPort, q);
    if (st !== undefined && status === Status.MCAPI_SUCCESS) {
      const chan = new Channel(kind, ChanDir.RECV, st, f.src, f.srcPort);
      chan.reserved = this.reserveFor(st, kind);
      core.channelBytes += chan.reserved;
      st.chan = chan;
      this.attachPendingOpen(st, chan);
    }
  }

  /** Send side: the receive side's answer; commit or release, then tell the connector. */
  onConnectReply(f: NetFrame): void {
    const core = this.core;
    const p = f.payload;
    if (p.length !== 6 || !isStatusCode(p[0])) {
      core.counters.malformed++;
      return;
    }
    const status = p[0] as StatusCode;
    const token = readU32(p, 2);
    const st = core.endpoints.get(f.dstPort);
    const c = st === undefined ? null : st.connecting;
    if (st === undefined || c === null || c.token !== token || c.recvNode !== f.src || c.recvPort !== f.srcPort) {
      core.counters.dropped++;
      return;
    }
    st.connecting = null;
    let chan: Channel | null = null;
    if (status === Status.MCAPI_SUCCESS) {
      chan = new Channel(c.kind, ChanDir.SEND, st, f.src, f.srcPort);
      st.chan = chan;
    }
    this.connectResult(c.connector, token, status);
    if (chan !== null) this.attachPendingOpen(st, chan);
  }

  private connectResult(connector: number, token: number, status: StatusCode): void {
    const q = new Uint8Array(5);
    writeU32(q, 0, token);
    q[4] = status;
    this.core.tx(McapiFrame.CONNECT_RESULT, connector, 0, 0, q);
  }

  /** Connector: the outcome. */
  onConnectResult(f: NetFrame): void {
    const core = this.core;
    const p = f.payload;
    if (p.length !== 5 || !isStatusCode(p[4])) {
      core.counters.malformed++;
      return;
    }
    const token = readU32(p, 0);
    const req = this.connects.get(token);
    if (req === undefined) {
      core.counters.dropped++;
      return;
    }
    this.connects.delete(token);
    const status = p[4] as StatusCode;
    if (status === Status.MCAPI_SUCCESS) core.requests.succeed(req, 0, 0);
    else core.requests.fail(req, status, 'connect refused by the endpoint\'s node');
  }

  // ---------------------------------------------------------------- open

  /**
   * Bytes a receive side may come to hold: every buffer it grants, at full size. Reserved when
   * the receive side commits a connection (so an over-budget connect fails, rather than an open
   * that could never be undone), released at disconnect.
   */
  private reserveFor(st: EndpointState, kind: ChanKindCode): number {
    return st.recvBuffers * (kind === ChanKind.PKT ? st.maxPayload : 8);
  }

  private fits(st: EndpointState, kind: ChanKindCode): boolean {
    return this.core.channelBytes + this.reserveFor(st, kind) <= this.core.limits.maxChannelBufferBytes;
  }

  openI(kind: ChanKindCode, dir: ChanDirCode, epH: unknown): Request<ChannelHandle> {
    const core = this.core;
    core.checkInit();
    const st = core.local(epH, 'endpoint', Status.MCAPI_ERR_ENDP_REMOTE);
    const chan = st.chan;
    const side = dir === ChanDir.SEND ? 'send' : 'receive';
    if (chan !== null) {
      if (chan.kind !== kind) throw new McapiError(Status.MCAPI_ERR_CHAN_TYPE, `endpoint is connected to a ${KIND_NAME[chan.kind]} channel`);
      if (chan.dir !== dir) throw new McapiError(Status.MCAPI_ERR_CHAN_DIRECTION, `endpoint is not the ${side} side of its channel`);
      if (chan.local === Side.OPENING) throw new McapiError(Status.MCAPI_ERR_CHAN_OPENPENDING, 'an open is already pending');
      if (chan.local === Side.OPEN) throw new McapiError(Status.MCAPI_ERR_CHAN_OPEN, 'this side is already open');
      if (chan.local === Side.CLOSED) throw new McapiError(Status.MCAPI_ERR_CHAN_CLOSEPENDING, 'this side is closed; the channel disconnects when the other side closes');
      const req = core.requests.alloc<ChannelHandle>('open');
      this.startOpen(chan, req);
      return req;
    }
    const c = st.connecting;
    if (c !== null) {
      if (c.kind !== kind) throw new McapiError(Status.MCAPI_ERR_CHAN_TYPE, `endpoint is being connected to a ${KIND_NAME[c.kind]} channel`);
      if (dir !== ChanDir.SEND) throw new McapiError(Status.MCAPI_ERR_CHAN_DIRECTION, 'endpoint is being connected as a send side');
    }
    if (st.pendingOpen !== null) throw new McapiError(Status.MCAPI_ERR_CHAN_OPENPENDING, 'an open is already pending');
    const req = core.requests.alloc<ChannelHandle>('open');
    const po = { kind, dir, req };
    st.pendingOpen = po;
    req._cancel = () => {
      if (st.pendingOpen === po) st.pendingOpen = null;
    };
    return req;
  }

  private attachPendingOpen(st: EndpointState, chan: Channel): void {
    const po = st.pendingOpen;
    if (po === null) return;
    st.pendingOpen = null;
    const req = po.req;
    req._cancel = null;
    if (po.kind !== chan.kind) {
      this.core.requests.fail(req, Status.MCAPI_ERR_CHAN_TYPE, `endpoint was connected to a ${KIND_NAME[chan.kind]} channel`);
    } else if (po.dir !== chan.dir) {
      this.core.requests.fail(req, Status.MCAPI_ERR_CHAN_DIRECTION, 'endpoint was connected as the other side');
    } else {
      this.startOpen(chan, req);
    }
  }

  private startOpen(chan: Channel, req: Request<ChannelHandle>): void {
    const st = chan.ep;
    if (chan.dir === ChanDir.RECV) {
      chan.granted = st.recvBuffers;
      if (chan.kind === ChanKind.SCL) {
        chan.sclWidth = new Uint8Array(chan.granted);
        chan.sclHi = new Uint32Array(chan.granted);
        chan.sclLo = new Uint32Array(chan.granted);
        chan.sclHead = 0;
        chan.sclCount = 0;
      }
    }
    chan.local = Side.OPENING;
    chan.openReq = req;
    req._cancel = () => this.cancelOpen(chan);
    this.sendOpen(chan, true);
    if (chan.peerOpen) this.completeOpen(chan);
  }

  private sendOpen(chan: Channel, open: boolean): void {
    const p = new Uint8Array(5);
    p[0] = chan.kind;
    p[1] = chan.dir;
    p[2] = open ? 1 : 0;
    writeU16(p, 3, open ? chan.granted : 0);
    this.core.tx(McapiFrame.OPEN, chan.peerNode, chan.ep.port, chan.peerPort, p);
  }

  private completeOpen(chan: Channel): void {
    const req = chan.openReq;
    if (req === null) return;
    chan.openReq = null;
    chan.local = Side.OPEN;
    const h = chan.kind === ChanKind.PKT
      ? (chan.dir === ChanDir.SEND ? new PacketSendHandle(chan) : new PacketRecvHandle(chan))
      : (chan.dir === ChanDir.SEND ? new ScalarSendHandle(chan) : new ScalarRecvHandle(chan));
    chan.handle = h;
    this.core.requests.succeed(req, h, 0);
  }

  private unreserve(chan: Channel): void {
    this.core.channelBytes -= chan.reserved;
    chan.reserved = 0;
  }

  private cancelOpen(chan: Channel): void {
    if (chan.local !== Side.OPENING) return;
    chan.local = Side.NONE;
    chan.openReq = null;
    this.sendOpen(chan, false);
    if (chan.dir === ChanDir.RECV) chan.granted = 0;
  }

  onOpen(f: NetFrame): void {
    const p = f.payload;
    if (p.length !== 5 || (p[0] !== ChanKind.PKT && p[0] !== ChanKind.SCL) || (p[1] !== ChanDir.SEND && p[1] !== ChanDir.RECV) || p[2] > 1) {
      this.core.counters.malformed++;
      return;
    }
    const chan = this.peerChan(f, p[0] as ChanKindCode, p[1]);
    if (chan === null) return;
    if (p[2] === 1) {
      chan.peerOpen = true;
      if (chan.dir === ChanDir.SEND) chan.credits = readU16(p, 3);
      if (chan.local === Side.OPENING) this.completeOpen(chan);
    } else {
      chan.peerOpen = false;
      if (chan.dir === ChanDir.SEND) chan.credits = 0;
    }
  }

  // ---------------------------------------------------------------- close

  closeI(kind: ChanKindCode, dir: ChanDirCode, h: unknown): Request<number> {
    const core = this.core;
    core.checkInit();
    const chan = this.handle(h, kind, dir);
    const req = core.requests.alloc<number>('close');
    chan.local = Side.CLOSED;
    chan.handle = null;
    if (dir === ChanDir.SEND) {
      this.failSends(chan, 'the channel was closed');
    } else {
      this.discard(chan);
      this.failRecvs(chan, 'the channel was closed');
    }
    this.sendClose(chan);
    if (chan.peerClosed) this.disconnect(chan);
    core.requests.succeed(req, 0, 0);
    return req;
  }

  private sendClose(chan: Channel): void {
    const p = new Uint8Array(2);
    p[0] = chan.kind;
    p[1] = chan.dir;
    this.core.tx(McapiFrame.CLOSE, chan.peerNode, chan.ep.port, chan.peerPort, p);
  }

  private disconnect(chan: Channel): void {
    if (chan.ep.chan === chan) chan.ep.chan = null;
    this.owing.delete(chan);
    this.unreserve(chan);
  }

  private failSends(chan: Channel, why: string): void {
    for (const op of chan.sendQ.splice(0)) {
      this.core.clearTimer(op.timer);
      this.core.requests.fail(op.req, Status.MCAPI_ERR_CHAN_NOTOPEN, why);
    }
  }

  private failRecvs(chan: Channel, why: string): void {
    for (const w of chan.rxWaiters.splice(0)) {
      this.core.clearTimer(w.timer);
      this.core.requests.fail(w.req as Request<unknown>, Status.MCAPI_ERR_CHAN_NOTOPEN, why);
    }
  }

  private discard(chan: Channel): void {
    chan.rxPackets.length = 0;
    chan.sclCount = 0;
    chan.owed = 0;
    this.owing.delete(chan);
  }

  onClose(f: NetFrame): void {
    const p = f.payload;
    if (p.length !== 2 || (p[0] !== ChanKind.PKT && p[0] !== ChanKind.SCL) || (p[1] !== ChanDir.SEND && p[1] !== ChanDir.RECV)) {
      this.core.counters.malformed++;
      return;
    }
    const chan = this.peerChan(f, p[0] as ChanKindCode, p[1]);
    if (chan === null) return;
    chan.peerClosed = true;
    chan.peerOpen = false;
    if (chan.dir === ChanDir.SEND) {
      chan.credits = 0;
      this.failSends(chan, 'the receive side closed the channel');
    } else {
      this.failRecvs(chan, 'the send side closed the channel');
    }
    if (chan.local === Side.OPENING) {
      const req = chan.openReq;
      chan.openReq = null;
      chan.local = Side.NONE;
      if (req !== null) this.core.requests.fail(req, Status.MCAPI_ERR_CHAN_NOTOPEN, 'the other side closed the channel');
    }
    // A side that never opened closes too (the other side waits for a second close).
    if (chan.local === Side.NONE) this.sendClose(chan);
    if (chan.local !== Side.OPEN) this.disconnect(chan);
  }

  // ---------------------------------------------------------------- credits

  private owe(chan: Channel): void {
    if (chan.peerClosed || chan.local !== Side.OPEN) return;
    chan.owed++;
    if (!this.owing.has(chan)) {
      this.owing.add(chan);
      this.core.requestFlush();
    }
  }

  private sendCredit(chan: Channel): void {
    if (chan.owed > 0 && chan.ep.chan === chan && chan.local === Side.OPEN && !chan.peerClosed) {
      const p = new Uint8Array(2);
      writeU16(p, 0, chan.owed);
      this.core.counters.creditFrames++;
      this.core.tx(McapiFrame.CREDIT, chan.peerNode, chan.ep.port, chan.peerPort, p);
    }
    chan.owed = 0;
  }

  flush(): void {
    for (const chan of this.owing) this.sendCredit(chan);
    this.owing.clear();
  }

  /** Send the credits owed to `node` now (before a data frame to it). */
  flushTo(node: number): void {
    if (this.owing.size === 0) return;
    for (const chan of this.owing) {
      if (chan.peerNode === node) {
        this.sendCredit(chan);
        this.owing.delete(chan);
      }
    }
  }

  onCredit(f: NetFrame): void {
    const p = f.payload;
    if (p.length !== 2) {
      this.core.counters.malformed++;
      return;
    }
    const st = this.core.endpoints.get(f.dstPort);
    const chan = st === undefined ? null : st.chan;
    if (chan === null || chan.peerNode !== f.src || chan.peerPort !== f.srcPort || chan.dir !== ChanDir.SEND) {
      this.core.counters.dropped++;
      return;
    }
    if (chan.local !== Side.OPEN) return;
    chan.credits += readU16(p, 0);
    this.drainSends(chan);
  }

  private drainSends(chan: Channel): void {
    while (chan.credits > 0 && chan.sendQ.length > 0) {
      const op = chan.sendQ.shift()!;
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

  /** Queue a send that has no credit yet; its TIMEOUT attribute bounds the wait. */
  private queueSend(chan: Channel, kind: string, data: Uint8Array | null, width: number, hi: number, lo: number): Request<number> {
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
    const t = chan.ep.timeoutMs;
    if (t !== Infinity) {
      op.timer = core.setTimer(t, () => {
        op.timer = -1;
        core.abort(req, Status.MCAPI_TIMEOUT, 'no receive buffer became free within the endpoint TIMEOUT');
      });
    }
    return req;
  }

  // ---------------------------------------------------------------- packets

  private pktSendCheck(h: unknown, data: unknown): Channel {
    this.core.checkInit();
    const chan = this.handle(h, ChanKind.PKT, ChanDir.SEND);
    if (!(data instanceof Uint8Array)) throw new McapiError(Status.MCAPI_ERR_PARAMETER, 'buffer must be a Uint8Array');
    if (data.length > chan.ep.maxPayload) {
      throw new McapiError(Status.MCAPI_ERR_PKT_SIZE, `${String(data.length)} bytes exceed MAX_PAYLOAD_SIZE ${String(chan.ep.maxPayload)}`);
    }
    if (chan.peerClosed) throw new McapiError(Status.MCAPI_ERR_CHAN_NOTOPEN, 'the receive side closed the channel');
    if ((chan.credits === 0 || chan.sendQ.length > 0) && chan.ep.failOnLimit) {
      throw new McapiError(Status.MCAPI_ERR_MEM_LIMIT, 'the receiver has no free buffer (fail-on-limit policy)');
    }
    return chan;
  }

  private transmitPkt(chan: Channel, data: Uint8Array): void {
    this.core.beforeData(chan.peerNode, false);
    chan.credits--;
    this.core.counters.pktSent++;
    // The Net copies the payload before send returns, so the application's buffer goes as is.
    this.core.tx(McapiFrame.PKT, chan.peerNode, chan.ep.port, chan.peerPort, data);
  }

  pktSendI(h: unknown, data: unknown): Request<number> {
    const chan = this.pktSendCheck(h, data);
    const buf = data as Uint8Array;
    if (chan.credits > 0 && chan.sendQ.length === 0) {
      const req = this.core.requests.alloc<number>('pkt-send');
      this.transmitPkt(chan, buf);
      this.core.requests.succeed(req, buf.length, buf.length);
      return req;
    }
    return this.queueSend(chan, 'pkt-send', buf, 0, 0, 0);
  }

  /** Blocking send: sent now when a credit is at hand, else a request to wait on. */
  pktSendNow(h: unknown, data: unknown): Request<number> | null {
    const chan = this.pktSendCheck(h, data);
    const buf = data as Uint8Array;
    if (chan.credits > 0 && chan.sendQ.length === 0) {
      this.transmitPkt(chan, buf);
      return null;
    }
    return this.queueSend(chan, 'pkt-send', buf, 0, 0, 0);
  }

  onPkt(f: NetFrame): void {
    const core = this.core;
    const st = core.endpoints.get(f.dstPort);
    const chan = st === undefined ? null : st.chan;
    if (st === undefined || chan === null || chan.peerNode !== f.src || chan.peerPort !== f.srcPort || chan.kind !== ChanKind.PKT || chan.dir !== ChanDir.RECV || chan.local !== Side.OPEN) {
      core.counters.dropped++;
      return;
    }
    const n = f.payload.length;
    if (chan.rxPackets.length + chan.inUse >= chan.granted || n > st.maxPayload) {
      core.counters.malformed++;
      return;
    }
    // The packet is the Net's payload itself (handed over for keeps): no copy, and no buffer
    // is ever reused, so a buffer the application holds cannot change under it.
    const rx: RxPacket = { view: f.payload };
    const w = chan.rxWaiters.shift();
    if (w !== undefined) {
      core.clearTimer(w.timer);
      this.give(chan, rx);
      core.requests.succeed(w.req as Request<Uint8Array>, rx.view, n);
    } else {
      chan.rxPackets.push(rx);
    }
  }

  private give(chan: Channel, rx: RxPacket): void {
    this.inUse.set(rx.view, chan);
    this.handedOut.add(rx.view);
    chan.inUse++;
    this.core.counters.pktReceived++;
  }

  private pktRecvCheck(h: unknown): Channel {
    this.core.checkInit();
    return this.handle(h, ChanKind.PKT, ChanDir.RECV);
  }

  /** Blocking receive's fast path: a queued packet, or null. */
  pktRecvNow(h: unknown): Uint8Array | null {
    const chan = this.pktRecvCheck(h);
    const rx = chan.rxPackets.shift();
    if (rx !== undefined) {
      this.give(chan, rx);
      return rx.view;
    }
    if (chan.peerClosed) throw new McapiError(Status.MCAPI_ERR_CHAN_NOTOPEN, 'the send side closed the channel and nothing is left');
    return null;
  }

  pktRecvI(h: unknown): Request<Uint8Array> {
    const chan = this.pktRecvCheck(h);
    if (chan.rxPackets.length === 0 && chan.peerClosed) {
      throw new McapiError(Status.MCAPI_ERR_CHAN_NOTOPEN, 'the send side closed the channel and nothing is left');
    }
    const req = this.core.requests.alloc<Uint8Array>('pkt-recv');
    const rx = chan.rxPackets.shift();
    if (rx !== undefined) {
      this.give(chan, rx);
      this.core.requests.succeed(req, rx.view, rx.view.length);
      return req;
    }
    const w: RxWait = { req, width: 0, pair: false, timer: -1 };
    chan.rxWaiters.push(w);
    req._cancel = () => {
      const i = chan.rxWaiters.indexOf(w);
      if (i >= 0) chan.rxWaiters.splice(i, 1);
    };
    return req;
  }

  pktAvailable(h: unknown): number {
    return this.pktRecvCheck(h).rxPackets.length;
  }

  release(buf: unknown): void {
    const core = this.core;
    core.checkInit();
    const chan = buf instanceof Uint8Array ? this.inUse.get(buf) : undefined;
    if (chan === undefined) {
      throw new McapiError(Status.MCAPI_ERR_BUF_INVALID, 'not a packet buffer held by the application (released already?)');
    }
    this.inUse.delete(buf as Uint8Array);
    chan.inUse--;
    if (chan.local === Side.OPEN && chan.ep.chan === chan) this.owe(chan);
  }

  /** True once the buffer was released (mcapi_pktchan_release_test). */
  releaseTest(buf: unknown): boolean {
    this.core.checkInit();
    if (buf instanceof Uint8Array) {
      if (this.inUse.has(buf)) return false;
      if (this.handedOut.has(buf)) return true;
    }
    throw new McapiError(Status.MCAPI_ERR_BUF_INVALID, 'not a packet buffer from this node');
  }

  // ---------------------------------------------------------------- scalars

  private transmitScl(chan: Channel, width: number, hi: number, lo: number): void {
    this.core.beforeData(chan.peerNode, false);
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

  /** A scalar send: null when sent at once, else a request that completes when it is sent. */
  sclSend(h: unknown, width: number, hi: number, lo: number): Request<number> | null {
    this.core.checkInit();
    const chan = this.handle(h, ChanKind.SCL, ChanDir.SEND);
    if (chan.peerClosed) throw new McapiError(Status.MCAPI_ERR_CHAN_NOTOPEN, 'the receive side closed the channel');
    if (chan.credits > 0 && chan.sendQ.length === 0) {
      this.transmitScl(chan, width, hi, lo);
      return null;
    }
    if (chan.ep.failOnLimit) throw new McapiError(Status.MCAPI_ERR_MEM_LIMIT, 'the receiver has no free buffer (fail-on-limit policy)');
    return this.queueSend(chan, 'scl-send', null, width, hi, lo);
  }

  onScl(f: NetFrame): void {
    const core = this.core;
    const st = core.endpoints.get(f.dstPort);
    const chan = st === undefined ? null : st.chan;
    if (chan === null || chan.peerNode !== f.src || chan.peerPort !== f.srcPort || chan.kind !== ChanKind.SCL || chan.dir !== ChanDir.RECV || chan.local !== Side.OPEN) {
      core.counters.dropped++;
      return;
    }
    const p = f.payload;
    let off = 0;
    let count = 0;
    while (off < p.length) {
      const w = p[off];
      if ((w !== 1 && w !== 2 && w !== 4 && w !== 8) || off + 1 + w > p.length) {
        core.counters.malformed++;
        return;
      }
      off += 1 + w;
      count++;
    }
    if (count === 0 || chan.sclCount + count > chan.granted) {
      core.counters.malformed++;
      return;
    }
    const cap = chan.granted;
    const W = chan.sclWidth!;
    const H = chan.sclHi!;
    const L = chan.sclLo!;
    off = 0;
    while (off < p.length) {
      const w = p[off];
      const at = (chan.sclHead + chan.sclCount) % cap;
      W[at] = w;
      H[at] = w === 8 ? readU32(p, off + 1) : 0;
      L[at] = w === 1 ? p[off + 1] : w === 2 ? readU16(p, off + 1) : w === 4 ? readU32(p, off + 1) : readU32(p, off + 5);
      chan.sclCount++;
      off += 1 + w;
    }
    this.serveScalars(chan);
  }

  private popScalar(chan: Channel, pair: boolean): ScalarValue {
    const i = chan.sclHead;
    const w = chan.sclWidth![i];
    const hi = chan.sclHi![i]!;
    const lo = chan.sclLo![i]!;
    chan.sclHead = (i + 1) % chan.granted;
    chan.sclCount--;
    this.core.counters.sclReceived++;
    this.owe(chan);
    if (w !== 8) return lo;
    return pair ? [hi, lo] : u64Join(hi, lo);
  }

  /**
   * Why the scalar at the head cannot go to a receive of `width` (and stays queued), or null.
   * A 64-bit scalar asked for as one number must be exact on this engine (Lua 5.1: 2^53-1).
   */
  private headRefusal(chan: Channel, width: number, pair: boolean): { status: StatusCode; detail: string } | null {
    const i = chan.sclHead;
    const head = chan.sclWidth![i]!;
    if (head !== width) {
      return { status: Status.MCAPI_ERR_SCL_SIZE, detail: `the next scalar is ${String(head * 8)}-bit, not ${String(width * 8)}-bit` };
    }
    if (width === 8 && !pair && !u64Exact(chan.sclHi![i]!, chan.sclLo![i]!)) {
      return { status: Status.MCAPI_ERR_PARAMETER, detail: 'the next 64-bit scalar is not exact as a number on this engine: receive it as a (hi, lo) pair' };
    }
    return null;
  }

  /** Hand queued scalars to waiting receives; a width mismatch fails the receive, the scalar stays. */
  private serveScalars(chan: Channel): void {
    const core = this.core;
    while (chan.rxWaiters.length > 0 && chan.sclCount > 0) {
      const w = chan.rxWaiters.shift()!;
      core.clearTimer(w.timer);
      const req = w.req as Request<ScalarValue>;
      const refusal = this.headRefusal(chan, w.width, w.pair);
      if (refusal !== null) {
        core.requests.fail(req, refusal.status, refusal.detail);
      } else {
        core.requests.succeed(req, this.popScalar(chan, w.pair), w.width);
      }
    }
  }

  /** A scalar receive: the value at once, or a request that completes with it. */
  sclRecv(h: unknown, width: number, pair = false): { value: ScalarValue } | Request<ScalarValue> {
    const core = this.core;
    core.checkInit();
    const chan = this.handle(h, ChanKind.SCL, ChanDir.RECV);
    if (chan.sclCount > 0) {
      const refusal = this.headRefusal(chan, width, pair);
      if (refusal !== null) throw new McapiError(refusal.status, refusal.detail);
      return { value: this.popScalar(chan, pair) };
    }
    if (chan.peerClosed) throw new McapiError(Status.MCAPI_ERR_CHAN_NOTOPEN, 'the send side closed the channel and nothing is left');
    const req = core.requests.alloc<ScalarValue>('scl-recv');
    const w: RxWait = { req, width, pair, timer: -1 };
    chan.rxWaiters.push(w);
    req._cancel = () => {
      const i = chan.rxWaiters.indexOf(w);
      if (i >= 0) chan.rxWaiters.splice(i, 1);
    };
    return req;
  }

  sclAvailable(h: unknown): number {
    this.core.checkInit();
    return this.handle(h, ChanKind.SCL, ChanDir.RECV).sclCount;
  }

  // ---------------------------------------------------------------- endpoint attributes

  endpointType(st: EndpointState): number {
    const chan = st.chan;
    if (chan === null) return EndpointType.MESSAGE;
    return chan.kind === ChanKind.PKT ? EndpointType.PKTCHAN : EndpointType.SCLCHAN;
  }

  endpointStatus(st: EndpointState): number {
    let s = 0;
    const chan = st.chan;
    if (chan !== null) {
      s |= EndpointStatus.CONNECTED;
      s |= chan.kind === ChanKind.PKT ? EndpointStatus.PKTCHAN : EndpointStatus.SCLCHAN;
      s |= chan.dir === ChanDir.SEND ? EndpointStatus.SEND : EndpointStatus.RECEIVE;
      if (chan.local === Side.OPEN) s |= EndpointStatus.OPEN;
      else if (chan.local === Side.OPENING) s |= EndpointStatus.OPEN_PENDING;
      else if (chan.local === Side.CLOSED) s |= EndpointStatus.CLOSE_PENDING;
    }
    if (st.pendingOpen !== null) s |= EndpointStatus.OPEN_PENDING;
    return s;
  }

  sendCredits(st: EndpointState): number {
    const chan = st.chan;
    return chan !== null && chan.dir === ChanDir.SEND ? chan.credits : 0;
  }
}
