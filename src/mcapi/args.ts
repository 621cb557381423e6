/**
 * The application's arguments, checked once at the McapiNode facade and turned into typed
 * state: an endpoint handle into its EndpointState, a channel handle into its Channel, a buffer
 * into a Uint8Array. The engines below take only these, so a stale, foreign or wrongly typed
 * handle is reported here, with the status MCAPI names for it, and never reaches them.
 * Application code may be plain JavaScript: every argument is checked at run time, whatever
 * its declared type. (The engines call localArg too, for a target endpoint that turns out to
 * be local: a message to this node, a connect of its own endpoints.) Static methods of one
 * class, for the same reason as McapiCodec (frames.ts): one name in the board bundle.
 */
import type { Core } from './core.js';
import { ChannelHandle, Endpoint } from './handles.js';
import { Request, RequestTable } from './request.js';
import type { Channel, EndpointState } from './state.js';
import { McapiError, Status } from './status.js';
import type { StatusCode } from './status.js';
import { U64_ACCEPTS, u64Split } from './u64.js';
import { ChanDir, ChanKind } from './wire.js';
import type { ChanDirCode, ChanKindCode } from './wire.js';
import { NODE_ID_MAX } from '../wire/ids.js';

export class Args {
  /**
   * An endpoint of this node's domain with a valid node and port: the target of a send or a
   * connect, local or on another node.
   */
  static target(core: Core, h: unknown, what: string): Endpoint {
    if (!(h instanceof Endpoint)) throw new McapiError(Status.MCAPI_ERR_ENDP_INVALID, `${what} is not an endpoint`);
    // Core.validNode and Core.validPort written out: the target of every message send.
    // For a number, `(v & m) === v` holds exactly for the integers 0..m (NaN, 1.5 and -1 fail
    // it): Number.isInteger's call and a comparison fewer (NODE_ID_MAX < 0xff, maxPort <= 0xffff).
    const node: unknown = h.node;
    const port: unknown = h.port;
    if (
      h.domain !== core.domain
      || typeof node !== 'number' || (node & 0xff) !== node || node > NODE_ID_MAX
      || typeof port !== 'number' || (port & 0xffff) !== port || port < 1 || port > core.limits.maxPort
    ) {
      throw new McapiError(Status.MCAPI_ERR_ENDP_INVALID, `${what} ${h.toString()} is not a valid endpoint`);
    }
    return h;
  }

  /**
   * The state of a local endpoint. Not an Endpoint, unknown or deleted: MCAPI_ERR_ENDP_INVALID;
   * an endpoint of another node: `remote` (the caller's status for that).
   */
  static local(core: Core, h: unknown, what: string, remote: StatusCode = Status.MCAPI_ERR_ENDP_INVALID): EndpointState {
    if (!(h instanceof Endpoint)) throw new McapiError(Status.MCAPI_ERR_ENDP_INVALID, `${what} is not an endpoint`);
    if (h.domain !== core.domain || h.node !== core.node) {
      throw new McapiError(remote, `${what} ${h.toString()} is not an endpoint of this node`);
    }
    const st = core.endpoints.get(h.port);
    // The endpoint's own handle (the common case) first: its incarnation is the handle's (no copy in the state).
    if (st === undefined || (h !== st.handle && h._gen !== 0 && h._gen !== st.handle._gen)) {
      throw new McapiError(Status.MCAPI_ERR_ENDP_INVALID, `${what} ${h.toString()} does not exist (deleted?)`);
    }
    return st;
  }

  /** The name of a channel kind, for error messages. */
  static kindName(kind: ChanKindCode): string {
    return kind === ChanKind.PKT ? 'packet' : 'scalar';
  }

  /**
   * The channel behind a handle, checked for kind, side and this side still being open; first
   * that the node is initialized (every channel call starts here).
   */
  static channel(core: Core, h: unknown, kind: ChanKindCode, dir: ChanDirCode): Channel {
    // checkInit's own tests, its call only to throw: every packet and scalar call.
    if (!core.initialized || core.requests.scope === RequestTable.CLOSED_SCOPE) core.checkInit();
    if (!(h instanceof ChannelHandle)) throw new McapiError(Status.MCAPI_ERR_CHAN_INVALID, 'not a channel handle');
    const hk = h.kind === 'packet' ? ChanKind.PKT : ChanKind.SCL;
    if (hk !== kind) {
      throw new McapiError(Status.MCAPI_ERR_CHAN_TYPE, `a ${h.kind} channel handle given to a ${Args.kindName(kind)} channel call`);
    }
    const hd = h.side === 'send' ? ChanDir.SEND : ChanDir.RECV;
    if (hd !== dir) {
      throw new McapiError(Status.MCAPI_ERR_CHAN_DIRECTION, `a ${h.side} handle given to a ${dir === ChanDir.SEND ? 'send' : 'receive'} call`);
    }
    // The handle names its endpoint by the very Endpoint object the state holds: a handle of a
    // deleted endpoint (even on a reused port) or of another node object never matches.
    const st = core.endpoints.get(h.endpoint.port);
    if (st === undefined || st.handle !== h.endpoint) {
      throw new McapiError(Status.MCAPI_ERR_CHAN_INVALID, 'the handle does not belong to an endpoint of this node');
    }
    const chan = st.chan;
    if (chan === undefined || chan.handle !== h) throw new McapiError(Status.MCAPI_ERR_CHAN_NOTOPEN, 'this side of the channel is closed');
    return chan;
  }

  /** A data buffer (message, packet, receive buffer). */
  static bytes(data: unknown): Uint8Array {
    if (!(data instanceof Uint8Array)) throw new McapiError(Status.MCAPI_ERR_PARAMETER, 'buffer must be a Uint8Array');
    return data;
  }

  /** A message priority of this node: 0 (highest) .. priorities-1. */
  static priority(core: Core, priority: unknown): number {
    if (typeof priority !== 'number' || !Number.isInteger(priority) || priority < 0 || priority >= core.limits.priorities) {
      throw new McapiError(Status.MCAPI_ERR_PRIORITY, `priority must be an integer in 0..${String(core.limits.priorities - 1)}`);
    }
    return priority;
  }

  /** A usable port number (1..maxPort). */
  static port(core: Core, port: unknown): number {
    if (!core.validPort(port)) {
      throw new McapiError(Status.MCAPI_ERR_PORT_INVALID, `port ${String(port)} is not a port (1..${String(core.limits.maxPort)})`);
    }
    return port;
  }

  /** A node of this node's domain, by id. */
  static node(core: Core, domain: unknown, node: unknown): number {
    if (domain !== core.domain) {
      throw new McapiError(Status.MCAPI_ERR_DOMAIN_INVALID, `domain ${String(domain)} is not this node's domain ${String(core.domain)}`);
    }
    if (!core.validNode(node)) {
      throw new McapiError(Status.MCAPI_ERR_NODE_INVALID, `node ${String(node)} is not a node id (0..${String(NODE_ID_MAX)})`);
    }
    return node;
  }

  /** An unsigned integer of `bits` bits (a scalar value or a half of a 64-bit one). */
  static uint(v: unknown, bits: number): number {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= 2 ** bits) {
      throw new McapiError(Status.MCAPI_ERR_PARAMETER, `value must be an integer in 0..2^${String(bits)}-1, got ${String(v)}`);
    }
    return v;
  }

  /** A 64-bit scalar in the engine's number type, as its exact [hi, lo] halves. */
  static u64(v: unknown): [number, number] {
    const pair = u64Split(v);
    if (pair === null) throw new McapiError(Status.MCAPI_ERR_PARAMETER, `value must be ${U64_ACCEPTS}, got ${String(v)}`);
    return pair;
  }

  /** A request of this node whose outcome was not reported yet. */
  static request<T>(core: Core, req: Request<T>, what = 'request'): Request<T> {
    if (!(req instanceof Request) || !core.requests.owns(req as Request<unknown>)) {
      throw new McapiError(Status.MCAPI_ERR_REQUEST_INVALID, `${what} is not a request of this node`);
    }
    if (!req.live) {
      if (req.status === Status.MCAPI_ERR_REQUEST_CANCELLED) throw new McapiError(Status.MCAPI_ERR_REQUEST_CANCELLED, `${what} was cancelled`);
      throw new McapiError(Status.MCAPI_ERR_REQUEST_INVALID, `${what} was already reported`);
    }
    return req;
  }

  /** undefined and 0xffffffff (the C value of MCAPI_TIMEOUT_INFINITE) mean Infinity. */
  static timeout(t: number | undefined, field = 'timeoutMs'): number {
    if (t === undefined || t === 0xffffffff) return Infinity;
    if (typeof t !== 'number' || !(t >= 0)) {
      throw new McapiError(Status.MCAPI_ERR_PARAMETER, `${field} must be a number >= 0 or Infinity`);
    }
    return t;
  }
}
