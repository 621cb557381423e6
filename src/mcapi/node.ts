/**
 * McapiNode: one MCAPI node on top of a Net and a Clock. The JavaScript face of the MCAPI 2.x
 * API (docs/MCAPI.md maps every C function to a method here):
 *
 * - a C call that returns a status becomes a method that returns its result or throws
 *   McapiError (with `.status`);
 * - a blocking C call becomes a method returning a Promise that rejects with McapiError;
 * - a non-blocking `_i` call becomes a method ending in `I` that returns a Request, reported
 *   by test / wait / waitAny (or cancelled).
 *
 * This file holds messages and channels; node-base.ts the node, endpoints and requests. The
 * facade checks the application's arguments once (args.ts) and hands the engines typed state:
 * EndpointState for endpoint handles, Channel for channel handles, Uint8Array buffers.
 */
import { Args } from './args.js';
import type {
  ChannelHandle, Endpoint, PacketRecvHandle, PacketSendHandle, ScalarRecvHandle, ScalarSendHandle,
} from './handles.js';
import { McapiNodeBase, NODE_FIELDS } from './node-base.js';
import { Request, RequestTable } from './request.js';
import type { Completion } from './request.js';
import { scopedMethods } from './scope.js';
import type { ScopedMethods } from './scope.js';
import type { ScalarValue } from './state.js';
import { McapiError, Status } from './status.js';
import type { Uint64 } from './u64.js';
import { ChanDir, ChanKind } from './wire.js';
import type { ChanDirCode, ChanKindCode } from './wire.js';

export class McapiNode extends McapiNodeBase {
  protected scopedMethods(): ScopedMethods {
    return SCOPED_METHODS;
  }

  // ---------------------------------------------------------------- messages

  /**
   * mcapi_msg_send_i: completes when the receiving node has queued the message. The checks of
   * Core.checkInit, Args.bytes and Args.priority are written out here (their calls are made
   * only to throw): every message passes them, and a call with arguments costs ~20-40 XS units
   * (docs/PERFORMANCE.md "Round 13: the message path"). Same checks, same order, same errors.
   */
  msgSendI(from: Endpoint, to: Endpoint, data: Uint8Array, priority = 0): Request<number> {
    const core = this.core;
    if (!core.initialized || core.requests.scope === RequestTable.CLOSED_SCOPE) core.checkInit();
    if (!(data instanceof Uint8Array)) Args.bytes(data);
    // 0 is always a priority of this node (limits.priorities >= 1).
    if (priority !== 0) Args.priority(core, priority);
    const st = Args.local(core, from, 'send endpoint');
    return this.msg.sender.sendI(st, Args.target(core, to, 'receive endpoint'), data, priority);
  }

  /**
   * For the runtime's own users (the DSM transport's sends), not part of the C API: msgSendI
   * whose outcome goes to `done.complete(req)` (McapiNodeBase.onComplete, without re-checking a
   * request this call just made). The sending checks are msgSendI's.
   */
  msgSendC(from: Endpoint, to: Endpoint, data: Uint8Array, done: Completion): Request<number> {
    const req = this.msgSendI(from, to, data);
    // RequestTable.attach for a request this call just made (no wait on it yet): its checks of
    // the Completion, the request's only in the unusual case, and no call.
    if (typeof done !== 'object' || done === null || typeof done.complete !== 'function' || req.status !== Status.MCAPI_PENDING) {
      this.core.requests.attach(req, done);
    } else {
      req._resolve = done;
    }
    return req;
  }

  /** mcapi_msg_send. */
  msgSend(from: Endpoint, to: Endpoint, data: Uint8Array, priority = 0): Promise<void> {
    try {
      // msgSendI's body (the same checks in the same order), without its call: every blocking send.
      const core = this.core;
      if (!core.initialized || core.requests.scope === RequestTable.CLOSED_SCOPE) core.checkInit();
      if (!(data instanceof Uint8Array)) Args.bytes(data);
      if (priority !== 0) Args.priority(core, priority);
      const st = Args.local(core, from, 'send endpoint');
      return core.waitDone(this.msg.sender.sendI(st, Args.target(core, to, 'receive endpoint'), data, priority));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** mcapi_msg_recv_i: fills `buffer`; the request's size is the message's. */
  msgRecvI(ep: Endpoint, buffer: Uint8Array): Request<number> {
    this.core.checkInit();
    const st = Args.local(this.core, ep, 'receive endpoint');
    return this.msg.receiver.recvI(st, Args.bytes(buffer));
  }

  /**
   * For the runtime's own users (the DSM transport), not part of the C API: mcapi_msg_recv_i
   * whose outcome goes to `done.complete(req)` (a microtask after it completed, the slot
   * already free; RequestTable.attach), with no promise or reaction per receive. `reuse`: this
   * receive's previous request, once told, made pending again instead of a new one (a posted
   * receive then costs no object per message). The app-facing msgRecvI / wait keep promises.
   *
   * `buffer` null: a receive without a copy. The request's value (`req.value`, `_out`) is then
   * a view of the message itself, as the Net handed it over (its payload is never reused:
   * NetFrame), and its size the message's; the receive takes a message of any size up to the
   * endpoint's MAX_PAYLOAD_SIZE. The view is the receiver's to keep: MCAPI never writes it again.
   */
  msgRecvC(ep: Endpoint, buffer: Uint8Array | null, done: Completion, reuse: Request<number> | null = null): Request<number> {
    const core = this.core;
    if (!core.initialized || core.requests.scope === RequestTable.CLOSED_SCOPE) core.checkInit();
    const st = Args.local(core, ep, 'receive endpoint');
    if (st.chan !== undefined || st.connecting !== undefined) {
      throw new McapiError(Status.MCAPI_ERR_CHAN_CONNECTED, 'endpoint is connected to a channel');
    }
    if (buffer !== null && !(buffer instanceof Uint8Array)) Args.bytes(buffer);
    const requests = core.requests;
    const req = reuse === null ? requests.alloc<number>(Request.KIND.MSG_RECV) : requests.reuse(reuse, Request.KIND.MSG_RECV);
    // Attached before it is posted: a receive that completes at once is then told like every
    // other (in a microtask), and a bad Completion is refused before the receive takes a message.
    // A request just made or reused is pending with no wait on it, so of RequestTable.attach only
    // its check of the Completion is needed: the call is made only when that check fails (it throws).
    if (typeof done !== 'object' || done === null || typeof done.complete !== 'function') requests.attach(req, done);
    req._resolve = done;
    this.msg.receiver.post(st, buffer, req);
    return req;
  }

  /** mcapi_msg_recv: resolves with the message size; waits up to the endpoint's TIMEOUT. */
  msgRecv(ep: Endpoint, buffer: Uint8Array): Promise<number> {
    try {
      const core = this.core;
      if (!core.initialized || core.requests.scope === RequestTable.CLOSED_SCOPE) core.checkInit();
      const st = Args.local(core, ep, 'receive endpoint');
      if (!(buffer instanceof Uint8Array)) Args.bytes(buffer);
      const rx = this.msg.receiver;
      const n = rx.recvNow(st, buffer);
      return n >= 0 ? Promise.resolve(n) : core.waitFor(rx.post(st, buffer, core.requests.alloc<number>(Request.KIND.MSG_RECV)), st.attrs.timeoutMs, true);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** mcapi_msg_available. */
  msgAvailable(ep: Endpoint): number {
    this.core.checkInit();
    return this.msg.available(Args.local(this.core, ep, 'receive endpoint'));
  }

  // ---------------------------------------------------------------- channels (both kinds)

  private connectI(kind: ChanKindCode, sendEp: unknown, recvEp: unknown): Request<number> {
    const core = this.core;
    core.checkInit();
    const s = Args.target(core, sendEp, 'send endpoint');
    return (this.chans ?? this.channels()).connects.connectI(kind, s, Args.target(core, recvEp, 'receive endpoint'));
  }

  private openI(kind: ChanKindCode, dir: ChanDirCode, ep: unknown): Request<ChannelHandle> {
    this.core.checkInit();
    return (this.chans ?? this.channels()).openClose.openI(Args.local(this.core, ep, 'endpoint', Status.MCAPI_ERR_ENDP_REMOTE), kind, dir);
  }

  private closeI(kind: ChanKindCode, dir: ChanDirCode, h: unknown): Request<number> {
    const chan = Args.channel(this.core, h, kind, dir);
    return this.chans!.openClose.closeI(chan);
  }

  // ---------------------------------------------------------------- packet channels

  /** mcapi_pktchan_connect_i: every node may connect a send endpoint to a receive endpoint. */
  pktConnectI(sendEp: Endpoint, recvEp: Endpoint): Request<number> {
    return this.connectI(ChanKind.PKT, sendEp, recvEp);
  }

  /*
   * The blocking connects and opens return the core's promise itself rather than being async
   * functions around it: an async layer is one more promise, its resolving functions and a
   * reaction held for as long as the call waits (docs/FOOTPRINT.md, "Round 7: pingpong slots").
   * An argument error still rejects the promise instead of throwing.
   */
  pktConnect(sendEp: Endpoint, recvEp: Endpoint, timeoutMs: number = Infinity): Promise<void> {
    try {
      const t = Args.timeout(timeoutMs);
      return this.core.waitVoid(this.connectI(ChanKind.PKT, sendEp, recvEp), t, true);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** mcapi_pktchan_send_open_i: completes when both sides are open. */
  pktSendOpenI(ep: Endpoint): Request<PacketSendHandle> {
    return this.openI(ChanKind.PKT, ChanDir.SEND, ep) as Request<PacketSendHandle>;
  }

  /** mcapi_pktchan_recv_open_i: completes when both sides are open. */
  pktRecvOpenI(ep: Endpoint): Request<PacketRecvHandle> {
    return this.openI(ChanKind.PKT, ChanDir.RECV, ep) as Request<PacketRecvHandle>;
  }

  pktSendOpen(ep: Endpoint, timeoutMs: number = Infinity): Promise<PacketSendHandle> {
    try {
      const t = Args.timeout(timeoutMs);
      return this.core.waitFor(this.pktSendOpenI(ep), t, true);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  pktRecvOpen(ep: Endpoint, timeoutMs: number = Infinity): Promise<PacketRecvHandle> {
    try {
      const t = Args.timeout(timeoutMs);
      return this.core.waitFor(this.pktRecvOpenI(ep), t, true);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** mcapi_pktchan_send_i: the buffer must stay untouched until the request completes. */
  pktSendI(h: PacketSendHandle, data: Uint8Array): Request<number> {
    const chan = Args.channel(this.core, h, ChanKind.PKT, ChanDir.SEND);
    return this.chans!.packets.sendI(chan, Args.bytes(data));
  }

  /** mcapi_pktchan_send: resolves once the packet is sent (a receive buffer was free). */
  pktSend(h: PacketSendHandle, data: Uint8Array): Promise<void> {
    try {
      const chan = Args.channel(this.core, h, ChanKind.PKT, ChanDir.SEND);
      // Args.bytes's test inline, its call only to throw (every packet sent).
      const req = this.chans!.packets.sendNow(chan, data instanceof Uint8Array ? data : Args.bytes(data));
      return req === null ? Promise.resolve() : this.core.waitDone(req);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** mcapi_pktchan_recv_i: the request's value is a buffer owned by MCAPI until pktRelease. */
  pktRecvI(h: PacketRecvHandle): Request<Uint8Array> {
    const chan = Args.channel(this.core, h, ChanKind.PKT, ChanDir.RECV);
    return this.chans!.packets.recvI(chan);
  }

  /** mcapi_pktchan_recv: a buffer owned by MCAPI until pktRelease; waits up to the TIMEOUT. */
  pktRecv(h: PacketRecvHandle): Promise<Uint8Array> {
    try {
      const chan = Args.channel(this.core, h, ChanKind.PKT, ChanDir.RECV);
      const packets = this.chans!.packets;
      // Nothing queued and the send side open (the usual blocking receive): wait, without
      // recvNow's call to find that out.
      if (chan.rxPackets.length === 0 && !chan.peerClosed) return this.core.waitFor(packets.recvWait(chan), chan.ep.attrs.timeoutMs, true);
      const v = packets.recvNow(chan);
      if (v !== null) return Promise.resolve(v);
      return this.core.waitFor(packets.recvWait(chan), chan.ep.attrs.timeoutMs, true);
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** mcapi_pktchan_available. */
  pktAvailable(h: PacketRecvHandle): number {
    const chan = Args.channel(this.core, h, ChanKind.PKT, ChanDir.RECV);
    return this.chans!.packets.available(chan);
  }

  /** mcapi_pktchan_release: give a received buffer back (it may be reused from now on). */
  pktRelease(buffer: Uint8Array): void {
    const core = this.core;
    if (!core.initialized || core.requests.scope === RequestTable.CLOSED_SCOPE) core.checkInit();
    if (!(buffer instanceof Uint8Array)) {
      throw new McapiError(Status.MCAPI_ERR_BUF_INVALID, 'not a packet buffer held by the application (released already?)');
    }
    (this.chans ?? this.channels()).packets.release(buffer);
  }

  /** mcapi_pktchan_release_test: true once the buffer was released. */
  pktReleaseTest(buffer: Uint8Array): boolean {
    this.core.checkInit();
    if (!(buffer instanceof Uint8Array)) throw new McapiError(Status.MCAPI_ERR_BUF_INVALID, 'not a packet buffer from this node');
    return (this.chans ?? this.channels()).packets.releaseTest(buffer);
  }

  /** mcapi_pktchan_send_close_i. */
  pktSendCloseI(h: PacketSendHandle): Request<number> {
    return this.closeI(ChanKind.PKT, ChanDir.SEND, h);
  }

  /** mcapi_pktchan_recv_close_i: queued packets are discarded. */
  pktRecvCloseI(h: PacketRecvHandle): Request<number> {
    return this.closeI(ChanKind.PKT, ChanDir.RECV, h);
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
    return this.connectI(ChanKind.SCL, sendEp, recvEp);
  }

  /** As pktConnect: the core's promise itself, no async layer. */
  sclConnect(sendEp: Endpoint, recvEp: Endpoint, timeoutMs: number = Infinity): Promise<void> {
    try {
      const t = Args.timeout(timeoutMs);
      return this.core.waitVoid(this.connectI(ChanKind.SCL, sendEp, recvEp), t, true);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** mcapi_sclchan_send_open_i. */
  sclSendOpenI(ep: Endpoint): Request<ScalarSendHandle> {
    return this.openI(ChanKind.SCL, ChanDir.SEND, ep) as Request<ScalarSendHandle>;
  }

  /** mcapi_sclchan_recv_open_i. */
  sclRecvOpenI(ep: Endpoint): Request<ScalarRecvHandle> {
    return this.openI(ChanKind.SCL, ChanDir.RECV, ep) as Request<ScalarRecvHandle>;
  }

  sclSendOpen(ep: Endpoint, timeoutMs: number = Infinity): Promise<ScalarSendHandle> {
    try {
      const t = Args.timeout(timeoutMs);
      return this.core.waitFor(this.sclSendOpenI(ep), t, true);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  sclRecvOpen(ep: Endpoint, timeoutMs: number = Infinity): Promise<ScalarRecvHandle> {
    try {
      const t = Args.timeout(timeoutMs);
      return this.core.waitFor(this.sclRecvOpenI(ep), t, true);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** A scalar send of `width` bytes; the value is checked before the handle. */
  private sclSendWidth(h: ScalarSendHandle, width: number, value: unknown): Promise<void> {
    try {
      if (width === 8) {
        const [hi, lo] = Args.u64(value);
        return this.sclSendHiLo(h, 8, hi, lo);
      }
      return this.sclSendHiLo(h, width, 0, Args.uint(value, width * 8));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  private sclSendHiLo(h: ScalarSendHandle, width: number, hi: number, lo: number): Promise<void> {
    const chan = Args.channel(this.core, h, ChanKind.SCL, ChanDir.SEND);
    const req = this.chans!.scalars.send(chan, width, hi, lo);
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
      return this.sclSendHiLo(h, 8, Args.uint(hi, 32), Args.uint(lo, 32));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  private sclRecvWidth(h: ScalarRecvHandle, width: number, pair: boolean): Promise<ScalarValue> {
    try {
      const chan = Args.channel(this.core, h, ChanKind.SCL, ChanDir.RECV);
      const r = this.chans!.scalars.recv(chan, width, pair);
      if (!(r instanceof Request)) return Promise.resolve(r.value);
      return this.core.waitFor(r, chan.ep.attrs.timeoutMs, true);
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
    const chan = Args.channel(this.core, h, ChanKind.SCL, ChanDir.RECV);
    return this.chans!.scalars.available(chan);
  }

  /** mcapi_sclchan_send_close_i. */
  sclSendCloseI(h: ScalarSendHandle): Request<number> {
    return this.closeI(ChanKind.SCL, ChanDir.SEND, h);
  }

  /** mcapi_sclchan_recv_close_i: queued scalars are discarded. */
  sclRecvCloseI(h: ScalarRecvHandle): Request<number> {
    return this.closeI(ChanKind.SCL, ChanDir.RECV, h);
  }

  sclSendClose(h: ScalarSendHandle): void {
    this.core.requests.release(this.sclSendCloseI(h));
  }

  sclRecvClose(h: ScalarRecvHandle): void {
    this.core.requests.release(this.sclRecvCloseI(h));
  }
}

/** The prototype of McapiNode's scoped views: every method wrapped, once (frozen: in flash on Moddable; scope.ts). */
const SCOPED_METHODS: ScopedMethods = scopedMethods(McapiNode.prototype, NODE_FIELDS);
