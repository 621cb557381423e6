/**
 * McapiNode: one MCAPI node on top of a Net and a Clock. The JavaScript face of the MCAPI 2.x
 * API (docs/MCAPI.md maps every C function to a method here):
 *
 * - a C call that returns a status becomes a method that returns its result or throws
 *   McapiError (with `.status`);
 * - a blocking C call becomes a method returning a Promise that rejects with McapiError;
 * - a non-blocking `_i` call becomes a method ending in `I` that returns a Request, reported
 *   by test / wait / waitAny (or cancelled).
 */
import type { Clock } from '../hal.js';
import type { Net, NetFrame } from '../net/net.js';
import { FrameType } from '../wire/frame-types.js';
import { ChannelEngine } from './channels.js';
import {
  BufferType, EndpointAttr, MCAPI_VERSION, MemoryType, NodeAttr, NodeType, PORT_ANY,
} from './constants.js';
import { Core, normTimeout } from './core.js';
import type { McapiCounters } from './core.js';
import { ChannelHandle, Endpoint } from './handles.js';
import type { PacketRecvHandle, PacketSendHandle, ScalarRecvHandle, ScalarSendHandle } from './handles.js';
import { resolveLimits } from './limits.js';
import type { McapiLimits } from './limits.js';
import { LookupEngine, attrNumberError } from './lookup.js';
import { MessageEngine } from './messages.js';
import { Request } from './request.js';
import { EndpointState } from './state.js';
import { McapiScope, SCOPE_IDS } from './scope.js';
import type { ScalarValue } from './state.js';
import { U64_ACCEPTS, u64Split } from './u64.js';
import type { Uint64 } from './u64.js';
import { McapiError, Status } from './status.js';
import { ChanDir, ChanKind, McapiFrame } from './wire.js';

/** What initialize reports (mcapi_info_t). */
export interface McapiInfo {
  mcapiVersion: number;
  organizationId: number;
  implementationVersion: number;
  numberOfDomains: number;
  numberOfNodes: number;
  numberOfPorts: number;
}

/** Counters and the current depth of every bounded structure. */
export interface McapiStats extends McapiCounters {
  endpoints: number;
  requests: number;
  requestLimit: number;
  queuedMessages: number;
  queuedBytes: number;
  channelBufferBytes: number;
  openChannels: number;
  packetsInUse: number;
  pendingSends: number;
  blockedSenders: number;
  lookups: number;
  watches: number;
  outbox: number;
}

/** mcapi_node_attributes_t: set before initialize. */
export class NodeAttributes {
  private type: number = NodeType.REGULAR;

  /** mcapi_node_set_attribute. */
  set(attr: number, value: number): void {
    if (attr !== NodeAttr.TYPE) throw attrNumberError(attr, 1);
    if (value !== NodeType.REGULAR) throw new McapiError(Status.MCAPI_ERR_ATTR_VALUE, 'the only node type is NodeType.REGULAR');
    this.type = value;
  }

  get(attr: number): number {
    if (attr !== NodeAttr.TYPE) throw attrNumberError(attr, 1);
    return this.type;
  }
}

const ORGANIZATION_ID = 0x6d63; // 'mc'
const IMPLEMENTATION_VERSION = 1000;

function uint(v: unknown, bits: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= 2 ** bits) {
    throw new McapiError(Status.MCAPI_ERR_PARAMETER, `value must be an integer in 0..2^${String(bits)}-1, got ${String(v)}`);
  }
  return v;
}

export class McapiNode {
  readonly limits: Readonly<McapiLimits>;
  private readonly core: Core;
  private readonly msg: MessageEngine;
  private readonly chan: ChannelEngine;
  private readonly lookup: LookupEngine;
  private portCursor: number;
  private scopeCount = 0;

  constructor(net: Net, clock: Clock, limits?: Partial<McapiLimits>) {
    const l = resolveLimits(limits);
    this.limits = l;
    const core = new Core(net, clock, l);
    this.core = core;
    this.msg = new MessageEngine(core);
    this.chan = new ChannelEngine(core);
    this.lookup = new LookupEngine(core);
    this.portCursor = l.firstDynamicPort;
    core.dispatch = (f) => this.dispatch(f);
    core.flush = () => {
      this.msg.flush();
      this.chan.flush();
    };
    core.beforeData = (dst, msg) => {
      this.chan.flushTo(dst);
      if (!msg) this.msg.flushNode(dst);
    };
    net.register(FrameType.MCAPI_FIRST, FrameType.MCAPI_LAST, (f) => core.receive(f));
  }

  private dispatch(f: NetFrame): void {
    switch (f.type) {
      case McapiFrame.MSG: return this.msg.onMsg(f);
      case McapiFrame.MSG_RESP: return this.msg.onResp(f);
      case McapiFrame.PKT: return this.chan.onPkt(f);
      case McapiFrame.SCL: return this.chan.onScl(f);
      case McapiFrame.CREDIT: return this.chan.onCredit(f);
      case McapiFrame.EP_GET: return this.lookup.onGet(f);
      case McapiFrame.EP_GET_REPLY: return this.lookup.onGetReply(f);
      case McapiFrame.EP_GET_CANCEL: return this.lookup.onGetCancel(f);
      case McapiFrame.CONNECT: return this.chan.onConnect(f);
      case McapiFrame.CONNECT_RECV: return this.chan.onConnectRecv(f);
      case McapiFrame.CONNECT_REPLY: return this.chan.onConnectReply(f);
      case McapiFrame.CONNECT_RESULT: return this.chan.onConnectResult(f);
      case McapiFrame.OPEN: return this.chan.onOpen(f);
      case McapiFrame.CLOSE: return this.chan.onClose(f);
      case McapiFrame.NODE_ATTR_GET: return this.lookup.onAttrGet(f);
      case McapiFrame.NODE_ATTR_REPLY: return this.lookup.onAttrReply(f);
      default:
        this.core.counters.malformed++;
    }
  }

  // ---------------------------------------------------------------- node

  /** mcapi_initialize. `domain` and `node` must be the Net's. */
  initialize(domain: number, node: number, attrs?: NodeAttributes): McapiInfo {
    const core = this.core;
    if (core.initialized) throw new McapiError(Status.MCAPI_ERR_NODE_INITIALIZED, 'mcapi node is already initialized');
    if (domain !== core.net.domain) {
      throw new McapiError(Status.MCAPI_ERR_DOMAIN_INVALID, `domain ${String(domain)} is not the network's domain ${String(core.net.domain)}`);
    }
    if (!core.validNode(node) || node !== core.net.node) {
      throw new McapiError(Status.MCAPI_ERR_NODE_INVALID, `node ${String(node)} is not this board's node ${String(core.net.node)}`);
    }
    if (attrs !== undefined && !(attrs instanceof NodeAttributes)) {
      throw new McapiError(Status.MCAPI_ERR_PARAMETER, 'attrs must come from nodeInitAttributes()');
    }
    core.domain = domain;
    core.node = node;
    core.initialized = true;
    this.lookup.nodeType = attrs === undefined ? NodeType.REGULAR : attrs.get(NodeAttr.TYPE);
    this.portCursor = this.limits.firstDynamicPort;
    return {
      mcapiVersion: MCAPI_VERSION,
      organizationId: ORGANIZATION_ID,
      implementationVersion: IMPLEMENTATION_VERSION,
      numberOfDomains: 1,
      numberOfNodes: core.net.nodes().length,
      numberOfPorts: this.limits.maxPort,
    };
  }

  /**
   * The network reports that frames for `node` will never be delivered (NetLayer
   * onUndeliverable, docs/PROTOCOL.md §8): pending message sends to it end with
   * MCAPI_ERR_TRANSMISSION. Not part of the C API; the board wires it.
   */
  peerUnreachable(node: number): void {
    if (this.core.initialized) this.msg.unreachable(node);
  }

  /**
   * mcapi_finalize: every pending request fails with MCAPI_ERR_REQUEST_CANCELLED, open channels
   * are closed towards their peers, endpoints are deleted. initialize may be called again.
   */
  finalize(): void {
    const core = this.core;
    core.checkInit();
    this.chan.shutdown();
    this.lookup.shutdown();
    for (const req of core.requests.all()) {
      if (req.pending) core.abort(req, Status.MCAPI_ERR_REQUEST_CANCELLED, 'mcapi node finalized');
      core.requests.release(req);
    }
    this.msg.flush();
    this.msg.reset();
    core.reset();
    core.initialized = false;
    core.domain = -1;
    core.node = -1;
  }

  get initialized(): boolean {
    return this.core.initialized;
  }

  /**
   * A view of this node for one owner (an app run under fault tolerance): the same API, and
   * every endpoint and request made through it belongs to the scope. `close` ends them like
   * mcapi_finalize ends a node's, for this scope only: pending requests fail with
   * MCAPI_ERR_REQUEST_CANCELLED, channels are dropped locally (no CLOSE to the peer, see
   * ChannelEngine.abandon), endpoints are deleted with their queues; further calls through the
   * view fail with MCAPI_ERR_NODE_NOTINIT. The board's node and other scopes are untouched.
   */
  openScope(): McapiScope {
    this.scopeCount = (this.scopeCount + 1) % SCOPE_IDS || 1;
    return new McapiScope(this, this.core, this.scopeCount, (id, why) => this.closeScope(id, why));
  }

  private closeScope(id: number, why: string): void {
    const core = this.core;
    for (const req of core.requests.ofScope(id)) {
      if (req.pending) core.abort(req, Status.MCAPI_ERR_REQUEST_CANCELLED, why);
      core.requests.release(req);
    }
    for (const st of [...core.endpoints.values()]) {
      if (st.scope !== id) continue;
      this.chan.abandon(st, why);
      this.msg.endpointDeleted(st);
      st.deleted = true;
      core.endpoints.delete(st.port);
    }
  }

  /** mcapi_domain_id_get. */
  domainId(): number {
    this.core.checkInit();
    return this.core.domain;
  }

  /** mcapi_node_id_get. */
  nodeId(): number {
    this.core.checkInit();
    return this.core.node;
  }

  /** mcapi_node_init_attributes: defaults, to change with set() before initialize. */
  nodeInitAttributes(): NodeAttributes {
    return new NodeAttributes();
  }

  /** mcapi_node_get_attribute, for this node or another one (one round trip). */
  getNodeAttributeI(domain: number, node: number, attr: number): Request<number> {
    return this.lookup.nodeAttributeI(domain, node, attr);
  }

  async getNodeAttribute(domain: number, node: number, attr: number): Promise<number> {
    return this.core.waitFor(this.lookup.nodeAttributeI(domain, node, attr), Infinity, false);
  }

  // ---------------------------------------------------------------- endpoints

  /** mcapi_endpoint_create: on `port`, or the next free port of the dynamic range (PORT_ANY). */
  createEndpoint(port: number = PORT_ANY): Endpoint {
    const core = this.core;
    core.checkInit();
    const l = this.limits;
    let p: number;
    if (port === PORT_ANY || port === 0xffffffff) {
      if (core.endpoints.size >= l.maxEndpoints) throw new McapiError(Status.MCAPI_ERR_ENDP_LIMIT, `all ${String(l.maxEndpoints)} endpoints exist`);
      p = -1;
      const span = l.maxPort - l.firstDynamicPort + 1;
      for (let i = 0; i < span; i++) {
        const c = l.firstDynamicPort + ((this.portCursor - l.firstDynamicPort + i) % span);
        if (!core.endpoints.has(c)) {
          p = c;
          break;
        }
      }
      if (p < 0) throw new McapiError(Status.MCAPI_ERR_ENDP_NOPORTS, 'no free port in the dynamic range');
      this.portCursor = p === l.maxPort ? l.firstDynamicPort : p + 1;
    } else {
      if (!core.validPort(port)) throw new McapiError(Status.MCAPI_ERR_PORT_INVALID, `port ${String(port)} is not a port (1..${String(l.maxPort)})`);
      if (core.endpoints.has(port)) throw new McapiError(Status.MCAPI_ERR_ENDP_EXISTS, `an endpoint on port ${String(port)} exists`);
      if (core.endpoints.size >= l.maxEndpoints) throw new McapiError(Status.MCAPI_ERR_ENDP_LIMIT, `all ${String(l.maxEndpoints)} endpoints exist`);
      p = port;
    }
    const gen = core.nextGen();
    const handle = new Endpoint(core.domain, core.node, p, gen);
    const st = new EndpointState(handle, gen, l.priorities, l.maxPayload, l.defaultRecvBuffers, l.defaultTimeoutMs, l.fullPolicy === 'fail');
    st.scope = core.requests.scope;
    core.endpoints.set(p, st);
    this.lookup.endpointCreated(st);
    return handle;
  }

  /** mcapi_endpoint_get_i. */
  getEndpointI(domain: number, node: number, port: number): Request<Endpoint> {
    return this.lookup.getI(domain, node, port);
  }

  /** mcapi_endpoint_get: waits until the endpoint exists, up to `timeoutMs` (MCAPI_TIMEOUT). */
  async getEndpoint(domain: number, node: number, port: number, timeoutMs: number = Infinity): Promise<Endpoint> {
    const t = normTimeout(timeoutMs);
    return this.core.waitFor(this.lookup.getI(domain, node, port), t, true);
  }

  /**
   * mcapi_endpoint_delete (owner only). Queued messages are discarded and pending receives on
   * it fail with MCAPI_ERR_ENDP_INVALID. Refused while a channel is open or connected.
   */
  deleteEndpoint(ep: Endpoint): void {
    const core = this.core;
    core.checkInit();
    const st = core.local(ep, 'endpoint', Status.MCAPI_ERR_ENDP_NOTOWNER);
    const chan = st.chan;
    if (chan !== null) {
      if (chan.handle !== null || chan.openReq !== null) throw new McapiError(Status.MCAPI_ERR_CHAN_OPEN, 'a channel is open on this endpoint');
      throw new McapiError(Status.MCAPI_ERR_CHAN_CONNECTED, 'the endpoint is connected to a channel (close both sides first)');
    }
    if (st.connecting !== null) throw new McapiError(Status.MCAPI_ERR_CHAN_CONNECTED, 'a connect of this endpoint is in progress');
    const po = st.pendingOpen;
    if (po !== null) {
      st.pendingOpen = null;
      core.requests.fail(po.req, Status.MCAPI_ERR_ENDP_INVALID, 'endpoint deleted');
    }
    this.msg.endpointDeleted(st);
    st.deleted = true;
    core.endpoints.delete(st.port);
  }

  /** mcapi_endpoint_get_attribute (local endpoints). */
  getEndpointAttribute(ep: Endpoint, attr: number): number {
    const core = this.core;
    core.checkInit();
    const st = core.local(ep, 'endpoint', Status.MCAPI_ERR_ENDP_REMOTE);
    switch (attr) {
      case EndpointAttr.TYPE: return this.chan.endpointType(st);
      case EndpointAttr.MAX_PAYLOAD_SIZE: return st.maxPayload;
      case EndpointAttr.BUFFER_TYPE: return BufferType.FIFO;
      case EndpointAttr.MEMORY_TYPE: return MemoryType.LOCAL_MEMORY | (st.failOnLimit ? MemoryType.FAIL_ON_MEM_LIMIT : MemoryType.BLOCK_ON_MEM_LIMIT);
      case EndpointAttr.NUM_PRIORITIES: return this.limits.priorities;
      case EndpointAttr.PRIORITY: return st.priority;
      case EndpointAttr.NUM_SEND_BUFFERS: return this.chan.sendCredits(st);
      case EndpointAttr.NUM_RECV_BUFFERS: return st.recvBuffers;
      case EndpointAttr.STATUS: return this.chan.endpointStatus(st);
      case EndpointAttr.TIMEOUT: return st.timeoutMs;
      default: throw attrNumberError(attr, EndpointAttr.TIMEOUT + 1);
    }
  }

  /** mcapi_endpoint_set_attribute (local endpoints, not while connected). */
  setEndpointAttribute(ep: Endpoint, attr: number, value: number): void {
    const core = this.core;
    core.checkInit();
    const st = core.local(ep, 'endpoint', Status.MCAPI_ERR_ENDP_REMOTE);
    const l = this.limits;
    const badValue = (want: string): McapiError => new McapiError(Status.MCAPI_ERR_ATTR_VALUE, `attribute ${String(attr)} must be ${want}, got ${String(value)}`);
    const isInt = (v: number, min: number, max: number): boolean => Number.isInteger(v) && v >= min && v <= max;
    switch (attr) {
      case EndpointAttr.TYPE:
      case EndpointAttr.BUFFER_TYPE:
      case EndpointAttr.NUM_PRIORITIES:
      case EndpointAttr.NUM_SEND_BUFFERS:
      case EndpointAttr.STATUS:
        throw new McapiError(Status.MCAPI_ERR_ATTR_READONLY, `attribute ${String(attr)} is read-only`);
      case EndpointAttr.MAX_PAYLOAD_SIZE:
      case EndpointAttr.MEMORY_TYPE:
      case EndpointAttr.PRIORITY:
      case EndpointAttr.NUM_RECV_BUFFERS:
      case EndpointAttr.TIMEOUT:
        break;
      default:
        throw attrNumberError(attr, EndpointAttr.TIMEOUT + 1);
    }
    if (typeof value !== 'number') throw new McapiError(Status.MCAPI_ERR_ATTR_SIZE, `attribute ${String(attr)} takes a number`);
    if (st.chan !== null || st.connecting !== null) {
      throw new McapiError(Status.MCAPI_ERR_CHAN_CONNECTED, 'attributes of a connected endpoint cannot change');
    }
    switch (attr) {
      case EndpointAttr.MAX_PAYLOAD_SIZE:
        if (!isInt(value, 1, l.maxPayload)) throw badValue(`an integer in 1..${String(l.maxPayload)}`);
        st.maxPayload = value;
        return;
      case EndpointAttr.MEMORY_TYPE: {
        const behaviour = value - (value & 0xffff);
        if (!Number.isInteger(value) || (value & 0xffff) !== MemoryType.LOCAL_MEMORY
          || (behaviour !== MemoryType.BLOCK_ON_MEM_LIMIT && behaviour !== MemoryType.FAIL_ON_MEM_LIMIT)) {
          throw badValue('LOCAL_MEMORY with BLOCK_ON_MEM_LIMIT or FAIL_ON_MEM_LIMIT');
        }
        st.failOnLimit = behaviour === MemoryType.FAIL_ON_MEM_LIMIT;
        return;
      }
      case EndpointAttr.PRIORITY:
        if (!isInt(value, 0, l.priorities - 1)) throw badValue(`an integer in 0..${String(l.priorities - 1)}`);
        st.priority = value;
        return;
      case EndpointAttr.NUM_RECV_BUFFERS:
        if (!isInt(value, 1, l.maxRecvBuffers)) throw badValue(`an integer in 1..${String(l.maxRecvBuffers)}`);
        st.recvBuffers = value;
        return;
      default:
        if (!(value >= 0)) throw badValue('a number of ms >= 0 or Infinity');
        st.timeoutMs = value === 0xffffffff ? Infinity : value;
    }
  }

  /** Local endpoints, in port order (diagnostics; not an MCAPI call). */
  localEndpoints(): Endpoint[] {
    if (!this.core.initialized) return [];
    return [...this.core.endpoints.values()].map((st) => st.handle).sort((a, b) => a.port - b.port);
  }

  // ---------------------------------------------------------------- messages

  /** mcapi_msg_send_i: completes when the receiving node has queued the message. */
  msgSendI(from: Endpoint, to: Endpoint, data: Uint8Array, priority = 0): Request<number> {
    return this.msg.sendI(from, to, data, priority);
  }

  /** mcapi_msg_send. */
  msgSend(from: Endpoint, to: Endpoint, data: Uint8Array, priority = 0): Promise<void> {
    try {
      return this.core.waitDone(this.msg.sendI(from, to, data, priority));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** mcapi_msg_recv_i: fills `buffer`; the request's size is the message's. */
  msgRecvI(ep: Endpoint, buffer: Uint8Array): Request<number> {
    return this.msg.recvI(ep, buffer);
  }

  /** mcapi_msg_recv: resolves with the message size; waits up to the endpoint's TIMEOUT. */
  msgRecv(ep: Endpoint, buffer: Uint8Array): Promise<number> {
    try {
      const r = this.msg.recvBlocking(ep, buffer);
      return r.req === null ? Promise.resolve(r.size) : this.core.waitFor(r.req, r.timeoutMs, true);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** mcapi_msg_available. */
  msgAvailable(ep: Endpoint): number {
    return this.msg.available(ep);
  }

  // ---------------------------------------------------------------- packet channels

  /** mcapi_pktchan_connect_i: every node may connect a send endpoint to a receive endpoint. */
  pktConnectI(sendEp: Endpoint, recvEp: Endpoint): Request<number> {
    return this.chan.connectI(ChanKind.PKT, sendEp, recvEp);
  }

  async pktConnect(sendEp: Endpoint, recvEp: Endpoint, timeoutMs: number = Infinity): Promise<void> {
    const t = normTimeout(timeoutMs);
    await this.core.waitFor(this.chan.connectI(ChanKind.PKT, sendEp, recvEp), t, true);
  }

  /** mcapi_pktchan_send_open_i: completes when both sides are open. */
  pktSendOpenI(ep: Endpoint): Request<PacketSendHandle> {
    return this.chan.openI(ChanKind.PKT, ChanDir.SEND, ep) as Request<PacketSendHandle>;
  }

  /** mcapi_pktchan_recv_open_i: completes when both sides are open. */
  pktRecvOpenI(ep: Endpoint): Request<PacketRecvHandle> {
    return this.chan.openI(ChanKind.PKT, ChanDir.RECV, ep) as Request<PacketRecvHandle>;
  }

  async pktSendOpen(ep: Endpoint, timeoutMs: number = Infinity): Promise<PacketSendHandle> {
    const t = normTimeout(timeoutMs);
    return this.core.waitFor(this.pktSendOpenI(ep), t, true);
  }

  async pktRecvOpen(ep: Endpoint, timeoutMs: number = Infinity): Promise<PacketRecvHandle> {
    const t = normTimeout(timeoutMs);
    return this.core.waitFor(this.pktRecvOpenI(ep), t, true);
  }

  /** mcapi_pktchan_send_i: the buffer must stay untouched until the request completes. */
  pktSendI(h: PacketSendHandle, data: Uint8Array): Request<number> {
    return this.chan.pktSendI(h, data);
  }

  /** mcapi_pktchan_send: resolves once the packet is sent (a receive buffer was free). */
  pktSend(h: PacketSendHandle, data: Uint8Array): Promise<void> {
    try {
      const req = this.chan.pktSendNow(h, data);
      return req === null ? Promise.resolve() : this.core.waitDone(req);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** mcapi_pktchan_recv_i: the request's value is a buffer owned by MCAPI until pktRelease. */
  pktRecvI(h: PacketRecvHandle): Request<Uint8Array> {
    return this.chan.pktRecvI(h);
  }

  /** mcapi_pktchan_recv: a buffer owned by MCAPI until pktRelease; waits up to the TIMEOUT. */
  pktRecv(h: PacketRecvHandle): Promise<Uint8Array> {
    try {
      const v = this.chan.pktRecvNow(h);
      if (v !== null) return Promise.resolve(v);
      return this.core.waitFor(this.chan.pktRecvI(h), (h as ChannelHandle)._chan.ep.timeoutMs, true);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** mcapi_pktchan_available. */
  pktAvailable(h: PacketRecvHandle): number {
    return this.chan.pktAvailable(h);
  }

  /** mcapi_pktchan_release: give a received buffer back (it may be reused from now on). */
  pktRelease(buffer: Uint8Array): void {
    this.chan.release(buffer);
  }

  /** mcapi_pktchan_release_test: true once the buffer was released. */
  pktReleaseTest(buffer: Uint8Array): boolean {
    return this.chan.releaseTest(buffer);
  }

  /** mcapi_pktchan_send_close_i. */
  pktSendCloseI(h: PacketSendHandle): Request<number> {
    return this.chan.closeI(ChanKind.PKT, ChanDir.SEND, h);
  }

  /** mcapi_pktchan_recv_close_i: queued packets are discarded. */
  pktRecvCloseI(h: PacketRecvHandle): Request<number> {
    return this.chan.closeI(ChanKind.PKT, ChanDir.RECV, h);
  }

  /** pktSendCloseI, reported at once (closing never waits). */
  pktSendClose(h: PacketSendHandle): void {
    this.core.requests.release(this.pktSendCloseI(h));
  }

  pktRecvClose(h: PacketRecvHandle): void {
    this.core.requests.release(this.pktRecvCloseI(h));
  }

  // ---------------------------------------------------------------- scalar channels

  /** mcapi_sclchan_connect_i. */
  sclConnectI(sendEp: Endpoint, recvEp: Endpoint): Request<number> {
    return this.chan.connectI(ChanKind.SCL, sendEp, recvEp);
  }

  async sclConnect(sendEp: Endpoint, recvEp: Endpoint, timeoutMs: number = Infinity): Promise<void> {
    const t = normTimeout(timeoutMs);
    await this.core.waitFor(this.chan.connectI(ChanKind.SCL, sendEp, recvEp), t, true);
  }

  /** mcapi_sclchan_send_open_i. */
  sclSendOpenI(ep: Endpoint): Request<ScalarSendHandle> {
    return this.chan.openI(ChanKind.SCL, ChanDir.SEND, ep) as Request<ScalarSendHandle>;
  }

  /** mcapi_sclchan_recv_open_i. */
  sclRecvOpenI(ep: Endpoint): Request<ScalarRecvHandle> {
    return this.chan.openI(ChanKind.SCL, ChanDir.RECV, ep) as Request<ScalarRecvHandle>;
  }

  async sclSendOpen(ep: Endpoint, timeoutMs: number = Infinity): Promise<ScalarSendHandle> {
    const t = normTimeout(timeoutMs);
    return this.core.waitFor(this.sclSendOpenI(ep), t, true);
  }

  async sclRecvOpen(ep: Endpoint, timeoutMs: number = Infinity): Promise<ScalarRecvHandle> {
    const t = normTimeout(timeoutMs);
    return this.core.waitFor(this.sclRecvOpenI(ep), t, true);
  }

  private sclSendWidth(h: ScalarSendHandle, width: number, value: unknown): Promise<void> {
    try {
      let hi = 0;
      let lo: number;
      if (width === 8) {
        const pair = u64Split(value);
        if (pair === null) throw new McapiError(Status.MCAPI_ERR_PARAMETER, `value must be ${U64_ACCEPTS}, got ${String(value)}`);
        hi = pair[0];
        lo = pair[1];
      } else {
        lo = uint(value, width * 8);
      }
      return this.sclSendHiLo(h, width, hi, lo);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  private sclSendHiLo(h: ScalarSendHandle, width: number, hi: number, lo: number): Promise<void> {
    const req = this.chan.sclSend(h, width, hi, lo);
    return req === null ? Promise.resolve() : this.core.waitDone(req);
  }

  /** mcapi_sclchan_send_uint8: resolves at once unless the receiver has no free buffer. */
  sclSendUint8(h: ScalarSendHandle, value: number): Promise<void> {
    return this.sclSendWidth(h, 1, value);
  }

  sclSendUint16(h: ScalarSendHandle, value: number): Promise<void> {
    return this.sclSendWidth(h, 2, value);
  }

  sclSendUint32(h: ScalarSendHandle, value: number): Promise<void> {
    return this.sclSendWidth(h, 4, value);
  }

  /**
   * mcapi_sclchan_send_uint64 with the engine's 64-bit number: a bigint (or a safe integer) on
   * XS and V8; on Lua a number (5.3: a native integer >= 0; 5.1: up to 2^53-1).
   * sclSendUint64Pair is exact on every engine.
   */
  sclSendUint64(h: ScalarSendHandle, value: Uint64 | number): Promise<void> {
    return this.sclSendWidth(h, 8, value);
  }

  /** mcapi_sclchan_send_uint64 as unsigned 32-bit halves: value = hi * 2^32 + lo. */
  sclSendUint64Pair(h: ScalarSendHandle, hi: number, lo: number): Promise<void> {
    try {
      return this.sclSendHiLo(h, 8, uint(hi, 32), uint(lo, 32));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  private sclRecvWidth(h: ScalarRecvHandle, width: number, pair: boolean): Promise<ScalarValue> {
    try {
      const r = this.chan.sclRecv(h, width, pair);
      if (!(r instanceof Request)) return Promise.resolve(r.value);
      return this.core.waitFor(r, (h as ChannelHandle)._chan.ep.timeoutMs, true);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * mcapi_sclchan_recv_uint8. A scalar of another width at the head of the queue fails with
   * MCAPI_ERR_SCL_SIZE and stays queued (nothing is lost).
   */
  sclRecvUint8(h: ScalarRecvHandle): Promise<number> {
    return this.sclRecvWidth(h, 1, false) as Promise<number>;
  }

  sclRecvUint16(h: ScalarRecvHandle): Promise<number> {
    return this.sclRecvWidth(h, 2, false) as Promise<number>;
  }

  sclRecvUint32(h: ScalarRecvHandle): Promise<number> {
    return this.sclRecvWidth(h, 4, false) as Promise<number>;
  }

  /**
   * mcapi_sclchan_recv_uint64 as the engine's number (see sclSendUint64). On Lua 5.1 a value
   * above 2^53-1 fails with MCAPI_ERR_PARAMETER and stays queued: receive it with sclRecvUint64Pair.
   */
  sclRecvUint64(h: ScalarRecvHandle): Promise<Uint64> {
    return this.sclRecvWidth(h, 8, false) as Promise<Uint64>;
  }

  /** mcapi_sclchan_recv_uint64 as [hi, lo] unsigned 32-bit halves: exact on every engine. */
  sclRecvUint64Pair(h: ScalarRecvHandle): Promise<readonly [number, number]> {
    return this.sclRecvWidth(h, 8, true) as Promise<readonly [number, number]>;
  }

  /** mcapi_sclchan_available. */
  sclAvailable(h: ScalarRecvHandle): number {
    return this.chan.sclAvailable(h);
  }

  /** mcapi_sclchan_send_close_i. */
  sclSendCloseI(h: ScalarSendHandle): Request<number> {
    return this.chan.closeI(ChanKind.SCL, ChanDir.SEND, h);
  }

  /** mcapi_sclchan_recv_close_i: queued scalars are discarded. */
  sclRecvCloseI(h: ScalarRecvHandle): Request<number> {
    return this.chan.closeI(ChanKind.SCL, ChanDir.RECV, h);
  }

  sclSendClose(h: ScalarSendHandle): void {
    this.core.requests.release(this.sclSendCloseI(h));
  }

  sclRecvClose(h: ScalarRecvHandle): void {
    this.core.requests.release(this.sclRecvCloseI(h));
  }

  // ---------------------------------------------------------------- requests

  private live<T>(req: Request<T>, what = 'request'): Request<T> {
    if (!(req instanceof Request) || req._owner !== this.core.requests) {
      throw new McapiError(Status.MCAPI_ERR_REQUEST_INVALID, `${what} is not a request of this node`);
    }
    if (!req.live) {
      if (req.status === Status.MCAPI_ERR_REQUEST_CANCELLED) throw new McapiError(Status.MCAPI_ERR_REQUEST_CANCELLED, `${what} was cancelled`);
      throw new McapiError(Status.MCAPI_ERR_REQUEST_INVALID, `${what} was already reported`);
    }
    return req;
  }

  /**
   * mcapi_test: false while pending; true once completed successfully (the request is then
   * reported and freed); throws the operation's error if it failed (also freeing it).
   */
  test<T>(req: Request<T>): boolean {
    this.core.checkInit();
    this.live(req);
    if (req.pending) return false;
    this.core.requests.release(req);
    if (req.status === Status.MCAPI_SUCCESS) return true;
    throw req.error ?? new McapiError(req.status);
  }

  /**
   * mcapi_wait: resolves with the operation's value once it completes. On timeout rejects with
   * MCAPI_TIMEOUT and leaves the request pending (it can be waited on again).
   */
  wait<T>(req: Request<T>, timeoutMs: number = Infinity): Promise<T> {
    try {
      this.core.checkInit();
      this.live(req);
      return this.core.waitFor(req, normTimeout(timeoutMs), false);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * mcapi_wait_any: resolves with the index of a request that completed successfully (reported
   * and freed). A request that failed rejects with its error, `.index` set. Timeout: rejects
   * with MCAPI_TIMEOUT, every request stays pending.
   */
  async waitAny(reqs: readonly Request<unknown>[], timeoutMs: number = Infinity): Promise<number> {
    const core = this.core;
    core.checkInit();
    if (!Array.isArray(reqs) || reqs.length === 0) throw new McapiError(Status.MCAPI_ERR_PARAMETER, 'waitAny needs a non-empty array of requests');
    for (let i = 0; i < reqs.length; i++) this.live(reqs[i]!, `requests[${String(i)}]`);
    const t = normTimeout(timeoutMs);
    return new Promise<number>((resolve, reject) => {
      let timer = -1;
      const hooks: (() => void)[] = [];
      const detach = (): void => {
        for (let i = 0; i < reqs.length; i++) {
          const ws: (() => void)[] | null = reqs[i]!._waiters;
          if (ws === null) continue;
          const k = ws.indexOf(hooks[i]!);
          if (k >= 0) ws.splice(k, 1);
        }
        if (timer >= 0) core.clearTimer(timer);
        timer = -1;
      };
      const report = (i: number): void => {
        detach();
        const r = reqs[i]!;
        core.requests.release(r);
        if (r.status === Status.MCAPI_SUCCESS) {
          resolve(i);
        } else {
          const e = new McapiError(r.status, r.error === null ? undefined : r.error.message);
          e.index = i;
          e.size = r.size;
          reject(e);
        }
      };
      for (let i = 0; i < reqs.length; i++) {
        if (!reqs[i]!.pending) {
          report(i);
          return;
        }
      }
      for (let i = 0; i < reqs.length; i++) {
        const hook = (): void => report(i);
        hooks.push(hook);
        // Not `(r._waiters ??= []).push(hook)`: typescript-to-lua emits that as a field call.
        const r = reqs[i]!;
        const ws: (() => void)[] = r._waiters ?? [];
        ws.push(hook);
        r._waiters = ws;
      }
      const onTimeout = (): void => {
        timer = -1;
        detach();
        reject(new McapiError(Status.MCAPI_TIMEOUT, `none of ${String(reqs.length)} requests completed within ${String(t)} ms`));
      };
      if (t <= 0) onTimeout();
      else if (t !== Infinity) timer = core.setTimer(t, onTimeout);
    });
  }

  /**
   * mcapi_cancel: the pending operation is abandoned, waits on it reject with
   * MCAPI_ERR_REQUEST_CANCELLED, and the request is freed. A request that already completed
   * cannot be cancelled (MCAPI_ERR_REQUEST_INVALID): report it with test or wait.
   */
  cancel<T>(req: Request<T>): void {
    const core = this.core;
    core.checkInit();
    this.live(req);
    if (!req.pending) throw new McapiError(Status.MCAPI_ERR_REQUEST_INVALID, 'the request already completed; report it with test or wait');
    core.abort(req, Status.MCAPI_ERR_REQUEST_CANCELLED, 'cancelled');
    core.requests.release(req);
  }

  // ---------------------------------------------------------------- diagnostics

  stats(): McapiStats {
    const core = this.core;
    const m = this.msg.depths();
    const c = this.chan.depths();
    const g = this.lookup.depths();
    return {
      ...core.counters,
      endpoints: core.endpoints.size,
      requests: core.requests.used,
      requestLimit: core.requests.limit,
      queuedMessages: core.queuedMsgs,
      queuedBytes: core.queuedBytes,
      channelBufferBytes: core.channelBytes,
      openChannels: c.channels,
      packetsInUse: c.packetsInUse,
      pendingSends: m.pendingSends,
      blockedSenders: m.blockedSenders,
      lookups: g.lookups,
      watches: g.watches,
      outbox: core.outboxDepth,
    };
  }

  /** The last exception caught at the frame handler ('' if none): a bug report helper. */
  lastHandlerError(): string {
    return this.core.lastHandlerError;
  }
}
