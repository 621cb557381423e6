/**
 * The connect handshake of packet and scalar channels (mcapi_pktchan_connect_i,
 * mcapi_sclchan_connect_i). Any node may connect two endpoints: the connector asks the send
 * side's node (CONNECT), which reserves its endpoint and asks the receive side's node
 * (CONNECT_RECV); that node checks the attributes, reserves its receive buffers, commits and
 * answers (CONNECT_REPLY); the send side commits (or releases) and tells the connector
 * (CONNECT_RESULT). An open waiting for the connect starts as each side commits.
 *
 * A connect that timed out (a blocking pktConnect / sclConnect cancels its request then) must
 * leave the endpoints reusable: the handshake goes on without the connector, so a side of this
 * node that hears of a cancelled connect of this node's refuses it (before it commits) or
 * closes what it committed with the ordinary CLOSE handshake (after), which disconnects both
 * sides and releases the receive side's buffers. Before, both sides stayed connected, nobody
 * held a handle to close them, and the receive side's reservation made every later connect to
 * that node fail with MCAPI_ERR_MEM_LIMIT (docs/MCAPI.md 7, "A case that times out").
 */
import { nonZeroNext } from '../util/next-id.js';
import type { NetFrame } from '../net/net.js';
import { Args } from './args.js';
import type { Core } from './core.js';
import { McapiCodec } from './frames.js';
import type { Endpoint } from './handles.js';
import type { OpenClose } from './open-close.js';
import { Request } from './request.js';
import { Channel, Side } from './state.js';
import type { EndpointState } from './state.js';
import { McapiError, Status } from './status.js';
import type { StatusCode } from './status.js';
import { ChanDir, ChanKind, McapiFrame } from './wire.js';
import type { ChanKindCode } from './wire.js';

export class Connects {
  /** Bytes a scalar receive buffer reserves (the widest scalar). */
  private static readonly SCALAR_BUFFER_BYTES = 8;
  private readonly connects = new Map<number, Request<number>>();
  private nextToken = 1;

  constructor(private readonly core: Core, private readonly openClose: OpenClose) {}

  /** Finalize: forget the connects this node asked for. */
  clear(): void {
    this.connects.clear();
  }

  private token(): number {
    const t = this.nextToken;
    this.nextToken = nonZeroNext(t);
    return t;
  }

  /** A connect this node asked for and has since cancelled (its request timed out). */
  private cancelled(connector: number, token: number): boolean {
    return connector === this.core.node && !this.connects.has(token);
  }

  private compatible(a: EndpointState, b: EndpointState): boolean {
    return a.attrs.maxPayload === b.attrs.maxPayload && a.attrs.priority === b.attrs.priority;
  }

  /**
   * Bytes a receive side may come to hold: every buffer it grants, at full size. Reserved when
   * the receive side commits a connection (so an over-budget connect fails, rather than an open
   * that could never be undone), released at disconnect.
   */
  private reserveFor(st: EndpointState, kind: ChanKindCode): number {
    return st.attrs.recvBuffers * (kind === ChanKind.PKT ? st.attrs.maxPayload : Connects.SCALAR_BUFFER_BYTES);
  }

  private fits(st: EndpointState, kind: ChanKindCode): boolean {
    return this.core.channelBytes + this.reserveFor(st, kind) <= this.core.limits.maxChannelBufferBytes;
  }

  /** Connect `s` to `r` (both checked by args.targetArg). */
  connectI(kind: ChanKindCode, s: Endpoint, r: Endpoint): Request<number> {
    const core = this.core;
    if (s.equals(r)) throw new McapiError(Status.MCAPI_ERR_ENDP_INVALID, 'an endpoint cannot be connected to itself');
    const locals: EndpointState[] = [];
    for (const [h, what] of [[s, 'send endpoint'], [r, 'receive endpoint']] as const) {
      if (h.node !== core.node) continue;
      const st = Args.local(core, h, what);
      if (st.chan !== undefined || st.connecting !== undefined) {
        throw new McapiError(Status.MCAPI_ERR_CHAN_CONNECTED, `${what} ${h.toString()} is already connected`);
      }
      locals.push(st);
    }
    const [a, b] = locals;
    if (a !== undefined && b !== undefined && !this.compatible(a, b)) {
      throw new McapiError(Status.MCAPI_ERR_ATTR_INCOMPATIBLE, 'MAX_PAYLOAD_SIZE and PRIORITY must be equal on both endpoints');
    }
    if (r.node === core.node && !this.fits(Args.local(core, r, 'receive endpoint'), kind)) {
      throw new McapiError(Status.MCAPI_ERR_MEM_LIMIT, `the receive buffers would exceed limits.maxChannelBufferBytes (${String(core.limits.maxChannelBufferBytes)})`);
    }
    const req = core.requests.alloc<number>(Request.KIND.CONNECT);
    const token = this.token();
    this.connects.set(token, req);
    req._cancel = () => this.connects.delete(token);
    core.tx(McapiFrame.CONNECT, s.node, 0, s.port, McapiCodec.encodeConnect(kind, r.node, r.port, token));
    return req;
  }

  /** Send side: reserve the endpoint and forward to the receive side. */
  onConnect(f: NetFrame): void {
    const core = this.core;
    const m = McapiCodec.decodeConnect(f.payload);
    const st = core.endpoints.get(f.dstPort);
    let status: StatusCode = Status.MCAPI_SUCCESS;
    if (st === undefined) status = Status.MCAPI_ERR_ENDP_INVALID;
    else if (st.chan !== undefined || st.connecting !== undefined) status = Status.MCAPI_ERR_CHAN_CONNECTED;
    else if (m.recvNode === core.node && m.recvPort === st.port) status = Status.MCAPI_ERR_ENDP_INVALID;
    // Cancelled before its CONNECT reached this (its own) node: nothing to reserve, nobody to tell.
    if (this.cancelled(f.src, m.token)) return;
    if (st === undefined || status !== Status.MCAPI_SUCCESS) {
      this.connectResult(f.src, m.token, status);
      return;
    }
    st.connecting = { kind: m.kind, recvNode: m.recvNode, recvPort: m.recvPort, connector: f.src, token: m.token };
    const q = McapiCodec.encodeConnectRecv({ kind: m.kind, connector: f.src, token: m.token, maxPayload: st.attrs.maxPayload, priority: st.attrs.priority });
    core.tx(McapiFrame.CONNECT_RECV, m.recvNode, st.port, m.recvPort, q);
  }

  /** Receive side: commit the connection (or refuse) and answer the send side. */
  onConnectRecv(f: NetFrame): void {
    const core = this.core;
    const m = McapiCodec.decodeConnectRecv(f.payload);
    const st = core.endpoints.get(f.dstPort);
    let status: StatusCode = Status.MCAPI_SUCCESS;
    if (st === undefined) status = Status.MCAPI_ERR_ENDP_INVALID;
    else if (st.chan !== undefined || st.connecting !== undefined) status = Status.MCAPI_ERR_CHAN_CONNECTED;
    else if (st.attrs.maxPayload !== m.maxPayload || st.attrs.priority !== m.priority) status = Status.MCAPI_ERR_ATTR_INCOMPATIBLE;
    else if (!this.fits(st, m.kind)) status = Status.MCAPI_ERR_MEM_LIMIT;
    else if (this.cancelled(m.connector, m.token)) status = Status.MCAPI_ERR_REQUEST_CANCELLED;
    core.tx(McapiFrame.CONNECT_REPLY, f.src, f.dstPort, f.srcPort, McapiCodec.encodeConnectReply(status, m.connector, m.token));
    if (st !== undefined && status === Status.MCAPI_SUCCESS) {
      const chan = new Channel(m.kind, ChanDir.RECV, st, f.src, f.srcPort);
      chan.reserved = this.reserveFor(st, m.kind);
      core.channelBytes += chan.reserved;
      st.chan = chan;
      this.openClose.attachPendingOpen(st, chan);
    }
  }

  /** Send side: the receive side's answer; commit or release, then tell the connector. */
  onConnectReply(f: NetFrame): void {
    const core = this.core;
    const m = McapiCodec.decodeConnectReply(f.payload);
    const st = core.endpoints.get(f.dstPort);
    const c = st === undefined ? undefined : st.connecting;
    if (st === undefined || c === undefined || c.token !== m.token || c.recvNode !== f.src || c.recvPort !== f.srcPort) {
      core.counters.dropped++;
      return;
    }
    st.connecting = undefined;
    let chan: Channel | null = null;
    if (m.status === Status.MCAPI_SUCCESS) {
      chan = new Channel(c.kind, ChanDir.SEND, st, f.src, f.srcPort);
      st.chan = chan;
      if (this.cancelled(c.connector, m.token)) {
        // The receive side committed after this node gave the connect up: close the channel at
        // once (the receive side answers with its own CLOSE, which disconnects this side). Until
        // then the endpoint is busy, so a new connect cannot be closed by that late CLOSE. An
        // open waiting on the endpoint keeps waiting for a connect of its own.
        chan.move(Side.CLOSED);
        this.openClose.sendClose(chan);
        return;
      }
    }
    this.connectResult(c.connector, m.token, m.status);
    if (chan !== null) this.openClose.attachPendingOpen(st, chan);
  }

  private connectResult(connector: number, token: number, status: StatusCode): void {
    this.core.tx(McapiFrame.CONNECT_RESULT, connector, 0, 0, McapiCodec.encodeConnectResult(token, status));
  }

  /** Connector: the outcome. */
  onConnectResult(f: NetFrame): void {
    const core = this.core;
    const m = McapiCodec.decodeConnectResult(f.payload);
    const req = this.connects.get(m.token);
    if (req === undefined) {
      core.counters.dropped++;
      return;
    }
    this.connects.delete(m.token);
    if (m.status === Status.MCAPI_SUCCESS) core.requests.succeed(req, 0, 0);
    else core.requests.fail(req, m.status, 'connect refused by the endpoint\'s node');
  }
}
