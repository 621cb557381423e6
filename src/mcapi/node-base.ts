/**
 * The node half of McapiNode (node.ts adds messages and channels on top): construction and
 * frame dispatch, initialize / finalize, scopes, endpoints and their attributes, requests
 * (test / wait / waitAny / cancel) and diagnostics. Split from node.ts only to keep each file
 * readable; applications use McapiNode. The facade checks the application's arguments once
 * (args.ts) and hands the engines typed state.
 */
import type { Clock, Hal } from '../hal.js';
import type { Net, NetFrame } from '../net/net.js';
import { FrameType } from '../wire/frame-types.js';
import { Args } from './args.js';
import { EndpointAttributes } from './attributes.js';
import { ChannelEngine } from './channels.js';
import { MCAPI_VERSION, NodeAttr, NodeType, PORT_ANY } from './constants.js';
import { Core } from './core.js';
import type { CoreHost } from './core.js';
import { Endpoint } from './handles.js';
import { resolveLimits } from './limits.js';
import type { McapiLimits } from './limits.js';
import { LookupEngine } from './lookup.js';
import { MessageEngine } from './messages.js';
import { NodeAttributes } from './node-info.js';
import type { McapiInfo, McapiStats } from './node-info.js';
import type { Completion, Request } from './request.js';
import { McapiScope } from './scope.js';
import type { ScopedMethods, ScopeOwner } from './scope.js';
import { EndpointState } from './state.js';
import { McapiError, Status } from './status.js';
import { McapiFrame } from './wire.js';

/**
 * The node's own fields, in the order the constructor makes them: a scope's view reads them
 * through getters on its class's frozen prototype (scope.ts scopedMethods), since the view no
 * longer inherits from the node itself. test/mcapi/scope-view checks the list against a node.
 */
export const NODE_FIELDS: readonly string[] = ['limits', 'core', 'msg', 'chans', 'lookup', 'portCursor', 'scopeCount'];

export abstract class McapiNodeBase implements CoreHost, ScopeOwner {
  /** mcapi_info_t's organization id: 'mc'. */
  private static readonly ORGANIZATION_ID = 0x6d63;
  /** mcapi_info_t's implementation version. */
  private static readonly IMPLEMENTATION_VERSION = 1000;
  readonly limits: Readonly<McapiLimits>;
  protected readonly core: Core;
  protected readonly msg: MessageEngine;
  /**
   * The channel engine and its five parts (~50 XS slots), made by the first channel call or
   * channel frame (`channels()`): a board that never uses a channel (an idle member, the DSM,
   * FT) never holds it (docs/FOOTPRINT.md "Round 15: boot slots"). What may come first (connect,
   * open, a channel frame, a buffer release) goes through `this.chans ?? this.channels()` (no
   * call once made); a call whose handle passed `Args.channel` reads `this.chans!`: only the
   * engine makes a Channel, so there is one (no test on the packet and scalar paths). Set in
   * the constructor, where the engine was: the node's fields keep their order (XS finds a
   * property by walking the object's list).
   */
  protected chans: ChannelEngine | null;
  protected readonly lookup: LookupEngine;
  private portCursor: number;
  private scopeCount = 0;

  /** `clock` may carry the HAL's native byte helpers (`bytes`): the core copies large payloads with `bytes.copy`. */
  constructor(net: Net, clock: Clock & Pick<Hal, 'bytes'>, limits?: Partial<McapiLimits>) {
    const l = resolveLimits(limits);
    this.limits = l;
    const core = new Core(net, clock, l, this);
    this.core = core;
    this.msg = new MessageEngine(core);
    this.chans = null;
    this.lookup = new LookupEngine(core);
    this.portCursor = l.firstDynamicPort;
    net.register(FrameType.MCAPI_FIRST, FrameType.MCAPI_LAST, (f) => core.receive(f));
  }

  /** The channel engine, made now if this is the first channel call or frame (see `chans`). */
  protected channels(): ChannelEngine {
    return this.chans ?? (this.chans = new ChannelEngine(this.core));
  }

  /** @internal CoreHost: send what the engines batched. */
  flushAll(): void {
    this.msg.flush();
    this.chans?.flush();
  }

  /** @internal CoreHost: credits (and for channel data the message responses) batched for `dst` go first. */
  flushBeforeData(dst: number, msg: boolean): void {
    // Before every packet and scalar: the credits only when one is owed (Core.flushWant's
    // FLUSH_CREDITS), straight to Credits and Responses (two calls fewer each way).
    const chans = this.chans;
    if (chans !== null && (this.core.flushWant & Core.FLUSH_CREDITS) !== 0) chans.credits.flushTo(dst);
    if (!msg) this.msg.responses.flushNode(dst);
  }

  /** @internal CoreHost: one MCAPI frame to its engine. */
  dispatchFrame(f: NetFrame): void {
    // The channel engine only for a channel frame: a message never makes it.
    switch (f.type) {
      case McapiFrame.MSG: return this.msg.receiver.onMsg(f);
      case McapiFrame.MSG_RESP: return this.msg.sender.onResp(f);
      case McapiFrame.PKT: return (this.chans ?? this.channels()).packets.onPkt(f, f.payload);
      case McapiFrame.PKT_CR: return (this.chans ?? this.channels()).packets.onPktCredited(f);
      case McapiFrame.SCL: return (this.chans ?? this.channels()).scalars.onScl(f);
      case McapiFrame.CREDIT: return (this.chans ?? this.channels()).credits.onCredit(f);
      case McapiFrame.EP_GET: return this.lookup.onGet(f);
      case McapiFrame.EP_GET_REPLY: return this.lookup.onGetReply(f);
      case McapiFrame.EP_GET_CANCEL: return this.lookup.onGetCancel(f);
      case McapiFrame.CONNECT: return (this.chans ?? this.channels()).connects.onConnect(f);
      case McapiFrame.CONNECT_RECV: return (this.chans ?? this.channels()).connects.onConnectRecv(f);
      case McapiFrame.CONNECT_REPLY: return (this.chans ?? this.channels()).connects.onConnectReply(f);
      case McapiFrame.CONNECT_RESULT: return (this.chans ?? this.channels()).connects.onConnectResult(f);
      case McapiFrame.OPEN: return (this.chans ?? this.channels()).openClose.onOpen(f);
      case McapiFrame.CLOSE: return (this.chans ?? this.channels()).openClose.onClose(f);
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
      organizationId: McapiNodeBase.ORGANIZATION_ID,
      implementationVersion: McapiNodeBase.IMPLEMENTATION_VERSION,
      numberOfDomains: 1,
      numberOfNodes: core.net.nodes().length,
      numberOfPorts: this.limits.maxPort,
    };
  }

  /**
   * The network reports that frames for `node` will never be delivered (NetLayer
   * NetHost.undeliverable, docs/PROTOCOL.md §8): pending message sends to it, and every request
   * waiting on a channel to it, end with MCAPI_ERR_TRANSMISSION. Not part of the C API; the
   * board wires it.
   */
  peerUnreachable(node: number): void {
    if (!this.core.initialized) return;
    this.msg.unreachable(node);
    const c = this.chans;
    if (c !== null) c.peerUnreachable(node);
  }

  /**
   * mcapi_finalize: every pending request fails with MCAPI_ERR_REQUEST_CANCELLED, open channels
   * are closed towards their peers, endpoints are deleted. initialize may be called again.
   */
  finalize(): void {
    const core = this.core;
    core.checkInit();
    const chans = this.chans;
    if (chans !== null) chans.shutdown();
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
  openScope(): McapiScope<this> {
    this.scopeCount = (this.scopeCount + 1) % McapiScope.IDS || 1;
    return new McapiScope<this>(this, this.core, this.scopeCount, this.scopedMethods());
  }

  /** The scoped wrappers of this node's class (scope.ts scopedMethods, built once at module level). */
  protected abstract scopedMethods(): ScopedMethods;

  /** @internal McapiScope.close: the node itself, where a closure per scope was (~5 XS slots). */
  closeScopeOf(id: number, why: string): void {
    const core = this.core;
    for (const req of core.requests.ofScope(id)) {
      if (req.pending) core.abort(req, Status.MCAPI_ERR_REQUEST_CANCELLED, why);
      core.requests.release(req);
    }
    for (const st of [...core.endpoints.values()]) {
      if (st.scope !== id) continue;
      if (this.chans !== null) this.chans.abandon(st, why);
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
    this.core.checkInit();
    return this.lookup.nodeAttributeI(Args.node(this.core, domain, node), attr);
  }

  /** The core's promise itself, no async layer (see McapiNode.pktConnect). */
  getNodeAttribute(domain: number, node: number, attr: number): Promise<number> {
    try {
      return this.core.waitFor(this.getNodeAttributeI(domain, node, attr), Infinity, false);
    } catch (err) {
      return Promise.reject(err);
    }
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
    const st = new EndpointState(handle, core.endpointDefaults);
    st.scope = core.requests.scope;
    core.endpoints.set(p, st);
    this.lookup.endpointCreated(st);
    return handle;
  }

  /** mcapi_endpoint_get_i. */
  getEndpointI(domain: number, node: number, port: number): Request<Endpoint> {
    const core = this.core;
    core.checkInit();
    const n = Args.node(core, domain, node);
    return this.lookup.getI(n, Args.port(core, port));
  }

  /** mcapi_endpoint_get: waits until the endpoint exists, up to `timeoutMs` (MCAPI_TIMEOUT). */
  getEndpoint(domain: number, node: number, port: number, timeoutMs: number = Infinity): Promise<Endpoint> {
    try {
      const t = Args.timeout(timeoutMs);
      return this.core.waitFor(this.getEndpointI(domain, node, port), t, true);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * mcapi_endpoint_delete (owner only). Queued messages are discarded and pending receives on
   * it fail with MCAPI_ERR_ENDP_INVALID. Refused while a channel is open or connected.
   */
  deleteEndpoint(ep: Endpoint): void {
    const core = this.core;
    core.checkInit();
    const st = Args.local(core, ep, 'endpoint', Status.MCAPI_ERR_ENDP_NOTOWNER);
    const chan = st.chan;
    if (chan !== undefined) {
      if (chan.handle !== null || chan.openReq !== null) throw new McapiError(Status.MCAPI_ERR_CHAN_OPEN, 'a channel is open on this endpoint');
      throw new McapiError(Status.MCAPI_ERR_CHAN_CONNECTED, 'the endpoint is connected to a channel (close both sides first)');
    }
    if (st.connecting !== undefined) throw new McapiError(Status.MCAPI_ERR_CHAN_CONNECTED, 'a connect of this endpoint is in progress');
    const po = st.pendingOpen;
    if (po !== undefined) {
      st.pendingOpen = undefined;
      core.requests.fail(po.req, Status.MCAPI_ERR_ENDP_INVALID, 'endpoint deleted');
    }
    this.msg.endpointDeleted(st);
    st.deleted = true;
    core.endpoints.delete(st.port);
  }

  /** mcapi_endpoint_get_attribute (local endpoints). */
  getEndpointAttribute(ep: Endpoint, attr: number): number {
    this.core.checkInit();
    return EndpointAttributes.get(Args.local(this.core, ep, 'endpoint', Status.MCAPI_ERR_ENDP_REMOTE), attr, this.limits);
  }

  /** mcapi_endpoint_set_attribute (local endpoints, not while connected). */
  setEndpointAttribute(ep: Endpoint, attr: number, value: number): void {
    this.core.checkInit();
    EndpointAttributes.set(Args.local(this.core, ep, 'endpoint', Status.MCAPI_ERR_ENDP_REMOTE), attr, value, this.limits, this.core.endpointDefaults);
  }

  /** Local endpoints, in port order (diagnostics; not an MCAPI call). */
  localEndpoints(): Endpoint[] {
    if (!this.core.initialized) return [];
    return [...this.core.endpoints.values()].map((st) => st.handle).sort((a, b) => a.port - b.port);
  }

  // ---------------------------------------------------------------- requests

  /**
   * mcapi_test: false while pending; true once completed successfully (the request is then
   * reported and freed); throws the operation's error if it failed (also freeing it).
   */
  test<T>(req: Request<T>): boolean {
    this.core.checkInit();
    Args.request(this.core, req);
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
      Args.request(this.core, req);
      return this.core.waitFor(req, Args.timeout(timeoutMs), false);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * mcapi_wait_any: resolves with the index of a request that completed successfully (reported
   * and freed). A request that failed rejects with its error, `.index` set. Timeout: rejects
   * with MCAPI_TIMEOUT, every request stays pending. The core's promise itself (argument
   * errors reject it): an async layer held a suspended frame and two more promises while it
   * waited, ~43 XS slots (docs/FOOTPRINT.md "Round 9: conformance slots").
   */
  waitAny(reqs: readonly Request<unknown>[], timeoutMs: number = Infinity): Promise<number> {
    try {
      const core = this.core;
      core.checkInit();
      if (!Array.isArray(reqs) || reqs.length === 0) throw new McapiError(Status.MCAPI_ERR_PARAMETER, 'waitAny needs a non-empty array of requests');
      for (let i = 0; i < reqs.length; i++) Args.request(core, reqs[i] as Request<unknown>, `requests[${String(i)}]`);
      return core.waitAny(reqs, Args.timeout(timeoutMs));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * For the runtime's own users (the DSM transport's sends), not part of the C API: tell
   * `done.complete(req)` once `req` completes (a microtask later, the request already
   * reported), instead of a promise from `wait` and its reaction. A request has at most one
   * Completion and is then not waited on (MCAPI_ERR_REQUEST_INVALID).
   */
  onComplete<T>(req: Request<T>, done: Completion): void {
    const core = this.core;
    core.checkInit();
    Args.request(core, req);
    core.requests.attach(req, done);
  }

  /**
   * mcapi_cancel: the pending operation is abandoned, waits on it reject with
   * MCAPI_ERR_REQUEST_CANCELLED, and the request is freed. A request that already completed
   * cannot be cancelled (MCAPI_ERR_REQUEST_INVALID): report it with test or wait.
   */
  cancel<T>(req: Request<T>): void {
    const core = this.core;
    core.checkInit();
    Args.request(core, req);
    if (!req.pending) throw new McapiError(Status.MCAPI_ERR_REQUEST_INVALID, 'the request already completed; report it with test or wait');
    core.abort(req, Status.MCAPI_ERR_REQUEST_CANCELLED, 'cancelled');
    core.requests.release(req);
  }

  // ---------------------------------------------------------------- diagnostics

  stats(): McapiStats {
    const core = this.core;
    const m = this.msg.depths();
    const chans = this.chans;
    const c = chans !== null ? chans.depths() : { channels: 0, packetsInUse: 0 };
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

  /** Why the last malformed frame was dropped ('' if none): a bug report helper. */
  lastHandlerError(): string {
    return this.core.lastHandlerError;
  }
}
