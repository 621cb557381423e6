/**
 * Endpoint attributes (mcapi_endpoint_get_attribute / set_attribute) of a local endpoint, and
 * the ones derived from its channel (TYPE, STATUS, NUM_SEND_BUFFERS). docs/MCAPI.md lists the
 * attributes, their access and their values; attribute numbers not kept here are refused as
 * MCAPI names them (EndpointAttributes.numberError).
 */
import { BufferType, EndpointAttr, EndpointStatus, EndpointType, MAX_ACCEPT_ACK_DELAY_MS, MemoryType } from './constants.js';
import type { McapiLimits } from './limits.js';
import { Side } from './state.js';
import type { EndpointAttrs, EndpointState } from './state.js';
import { McapiError, Status } from './status.js';
import { ChanDir, ChanKind } from './wire.js';

/** The attributes of a local endpoint (static: one name in the board bundle, as McapiCodec). */
export class EndpointAttributes {
  /** Attribute numbers at and above this are vendor ranges (MCAPI_MAX_NUM_ENDP_ATTRS_MCA). */
  static readonly MCA_ATTR_RANGE = 64;

  /** MCAPI_ERR_ATTR_NUM for a number that is no attribute, NOTSUPPORTED for one we do not keep. */
  static numberError(attr: unknown, defined: number): McapiError {
    if (typeof attr !== 'number' || !Number.isInteger(attr) || attr < 0 || (attr >= defined && attr < EndpointAttributes.MCA_ATTR_RANGE)) {
      return new McapiError(Status.MCAPI_ERR_ATTR_NUM, `${String(attr)} is not an attribute number`);
    }
    return new McapiError(Status.MCAPI_ERR_ATTR_NOTSUPPORTED, `attribute ${String(attr)} is not supported`);
  }

  /** EndpointAttr.TYPE: a message endpoint unless connected to a channel. */
  private static type(st: EndpointState): number {
    const chan = st.chan;
    if (chan === undefined) return EndpointType.MESSAGE;
    return chan.kind === ChanKind.PKT ? EndpointType.PKTCHAN : EndpointType.SCLCHAN;
  }

  /** EndpointAttr.STATUS: EndpointStatus flags. */
  private static status(st: EndpointState): number {
    let s = 0;
    const chan = st.chan;
    if (chan !== undefined) {
      s |= EndpointStatus.CONNECTED;
      s |= chan.kind === ChanKind.PKT ? EndpointStatus.PKTCHAN : EndpointStatus.SCLCHAN;
      s |= chan.dir === ChanDir.SEND ? EndpointStatus.SEND : EndpointStatus.RECEIVE;
      if (chan.local === Side.OPEN) s |= EndpointStatus.OPEN;
      else if (chan.local === Side.OPENING) s |= EndpointStatus.OPEN_PENDING;
      else if (chan.local === Side.CLOSED) s |= EndpointStatus.CLOSE_PENDING;
    }
    if (st.pendingOpen !== undefined) s |= EndpointStatus.OPEN_PENDING;
    return s;
  }

  /** EndpointAttr.NUM_SEND_BUFFERS: the credits a channel send side holds now, else 0. */
  private static sendCredits(st: EndpointState): number {
    const chan = st.chan;
    return chan !== undefined && chan.dir === ChanDir.SEND ? chan.credits : 0;
  }

  static get(st: EndpointState, attr: number, l: Readonly<McapiLimits>): number {
    switch (attr) {
      case EndpointAttr.TYPE: return EndpointAttributes.type(st);
      case EndpointAttr.MAX_PAYLOAD_SIZE: return st.attrs.maxPayload;
      case EndpointAttr.BUFFER_TYPE: return BufferType.FIFO;
      case EndpointAttr.MEMORY_TYPE: return MemoryType.LOCAL_MEMORY | (st.attrs.failOnLimit ? MemoryType.FAIL_ON_MEM_LIMIT : MemoryType.BLOCK_ON_MEM_LIMIT);
      case EndpointAttr.NUM_PRIORITIES: return l.priorities;
      case EndpointAttr.PRIORITY: return st.attrs.priority;
      case EndpointAttr.NUM_SEND_BUFFERS: return EndpointAttributes.sendCredits(st);
      case EndpointAttr.NUM_RECV_BUFFERS: return st.attrs.recvBuffers;
      case EndpointAttr.STATUS: return EndpointAttributes.status(st);
      case EndpointAttr.TIMEOUT: return st.attrs.timeoutMs;
      case EndpointAttr.ACCEPT_ACK_DELAY: return st.attrs.ackDelayMs;
      default: throw EndpointAttributes.numberError(attr, EndpointAttr.TIMEOUT + 1);
    }
  }

  /** Set a read-write attribute; not while the endpoint is connected (or being connected). */
  static set(st: EndpointState, attr: number, value: unknown, l: Readonly<McapiLimits>, shared: Readonly<EndpointAttrs>): void {
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
      case EndpointAttr.ACCEPT_ACK_DELAY:
        break;
      default:
        throw EndpointAttributes.numberError(attr, EndpointAttr.TIMEOUT + 1);
    }
    if (typeof value !== 'number') throw new McapiError(Status.MCAPI_ERR_ATTR_SIZE, `attribute ${String(attr)} takes a number`);
    if (st.chan !== undefined || st.connecting !== undefined) {
      throw new McapiError(Status.MCAPI_ERR_CHAN_CONNECTED, 'attributes of a connected endpoint cannot change');
    }
    // The endpoint's own record, copied from the node's shared defaults at its first change.
    const a: EndpointAttrs = st.attrs === shared ? { ...shared } : (st.attrs as EndpointAttrs);
    EndpointAttributes.assign(a, attr, value, l, badValue, isInt);
    st.attrs = a;
  }

  /** `set`'s checks and change, on the endpoint's own record `a`. */
  private static assign(a: EndpointAttrs, attr: number, value: number, l: Readonly<McapiLimits>, badValue: (want: string) => McapiError, isInt: (v: number, min: number, max: number) => boolean): void {
    switch (attr) {
      case EndpointAttr.MAX_PAYLOAD_SIZE:
        if (!isInt(value, 1, l.maxPayload)) throw badValue(`an integer in 1..${String(l.maxPayload)}`);
        a.maxPayload = value;
        return;
      case EndpointAttr.MEMORY_TYPE: {
        const behaviour = value - (value & 0xffff);
        if (!Number.isInteger(value) || (value & 0xffff) !== MemoryType.LOCAL_MEMORY
          || (behaviour !== MemoryType.BLOCK_ON_MEM_LIMIT && behaviour !== MemoryType.FAIL_ON_MEM_LIMIT)) {
          throw badValue('LOCAL_MEMORY with BLOCK_ON_MEM_LIMIT or FAIL_ON_MEM_LIMIT');
        }
        a.failOnLimit = behaviour === MemoryType.FAIL_ON_MEM_LIMIT;
        return;
      }
      case EndpointAttr.PRIORITY:
        if (!isInt(value, 0, l.priorities - 1)) throw badValue(`an integer in 0..${String(l.priorities - 1)}`);
        a.priority = value;
        return;
      case EndpointAttr.NUM_RECV_BUFFERS:
        if (!isInt(value, 1, l.maxRecvBuffers)) throw badValue(`an integer in 1..${String(l.maxRecvBuffers)}`);
        a.recvBuffers = value;
        return;
      case EndpointAttr.ACCEPT_ACK_DELAY:
        if (!isInt(value, 0, MAX_ACCEPT_ACK_DELAY_MS)) throw badValue(`an integer number of ms in 0..${String(MAX_ACCEPT_ACK_DELAY_MS)}`);
        a.ackDelayMs = value;
        return;
      default:
        if (!(value >= 0)) throw badValue('a number of ms >= 0 or Infinity');
        a.timeoutMs = value === 0xffffffff ? Infinity : value;
    }
  }
}
