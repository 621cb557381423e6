/**
 * Connectionless messages (mcapi_msg_*), with end-to-end delivery acknowledgement.
 *
 * A send completes when the receiving node has queued the message (or handed it to a waiting
 * receive): the sender learns about a full receiver, a missing endpoint or a size mismatch.
 * Each sender numbers its messages per destination node with an 8-bit sequence number, at
 * most MSG_WINDOW (128) outstanding per node and MSG_PORT_WINDOW (32) per destination endpoint.
 * The receiver answers every message frame exactly once, batching answers per node until the
 * end of the turn, merging consecutive ACKs into ranges, or riding them on a message going back
 * (piggybacking: a lone ACK costs one byte there).
 *
 * Full receiver, wait policy (BLOCK flag): the receiver refuses (NACK FULL) and remembers the
 * sequence number in an ordered list per (sender node, endpoint); until that list drains it
 * refuses (NACK ORDER) every later message from that node to that endpoint, so nothing
 * overtakes a refused message. When the endpoint has room again it sends RESUME, and the sender
 * resends what was refused, in order. A sender that gives up (timeout, cancel) sends WITHDRAW so
 * the receiver forgets the number. Fail policy: NACK FULL ends the send with MCAPI_ERR_MEM_LIMIT.
 * The receive endpoint deleted while senders wait: each refused number is answered NACK
 * NO_ENDPOINT (the sends end with MCAPI_ERR_ENDP_INVALID). The node's message memory is shared
 * by its endpoints, so memory freed on one endpoint resumes refused senders of every endpoint.
 * Memory stays bounded: the sender holds only a reference to the application's buffer (which
 * MCAPI lets it use until the request completes), the receiver only sequence numbers.
 */
import type { NetFrame } from '../net/net.js';
import { copyInto } from '../util/wide-copy.js';
import type { Core } from './core.js';
import { Endpoint } from './handles.js';
import type { Request } from './request.js';
import type { EndpointState } from './state.js';
import { McapiError, Status } from './status.js';
import type { StatusCode } from './status.js';
import { MSG_PORT_WINDOW, MSG_WINDOW, MsgFlag, McapiFrame, Nack, Resp } from './wire.js';

const INFLIGHT = 0;
const REJECTED = 1;
/** Not transmitted yet (window full, outbox full, or earlier messages to the node waiting). */
const QUEUED = 2;

/** Response bytes batched per peer before a MSG_RESP frame is forced out. */
const RESP_MAX = 252;

interface OutMsg {
  req: Request<number>;
  from: EndpointState;
  toNode: number;
  toPort: number;
  prio: number;
  block: boolean;
  data: Uint8Array;
  /** 8-bit sequence number, given at the first transmission (-1 before). */
  seq: number;
  state: number;
  expired: boolean;
  /** Cancelled while a response was on its way: kept only to hold its sequence number. */
  zombie: boolean;
  timer: number;
  peer: Peer;
  /** Membership epoch of its transmission (the network drops answers of older epochs). */
  epoch: number;
}

interface Blocked {
  /** Refused sequence numbers in arrival order; only the head may be accepted. */
  list: number[];
  /** A NACK went out since the last RESUME: send RESUME when there is room. */
  armed: boolean;
}

/** Everything kept about one other node (or this one, for messages to itself). */
class Peer {
  readonly node: number;
  nextSeq = 0;
  /** Transmitted messages awaiting their outcome, by sequence number, in sending order. */
  readonly out = new Map<number, OutMsg>();
  /** Messages not transmitted yet, in order. */
  readonly queue: OutMsg[] = [];
  /** Transmitted, unfinished messages per destination port (at most MSG_PORT_WINDOW). */
  readonly perPort = new Map<number, number>();
  /** Ports whose refused messages must be resent once the outbox has room. */
  readonly resendPorts = new Set<number>();
  retryTimer = -1;
  readonly blocked = new Map<number, Blocked>();
  readonly resp = new Uint8Array(RESP_MAX);
  respLen = 0;
  /** Offset of the last entry when it is an ACK range that may still grow; -1 otherwise. */
  lastAck = -1;
  /** Epoch at which zombies were last swept (sweepZombies). */
  sweptEpoch = 0;

  constructor(node: number) {
    this.node = node;
  }
}

function nackStatus(reason: number): StatusCode {
  switch (reason) {
    case Nack.NO_ENDPOINT: return Status.MCAPI_ERR_ENDP_INVALID;
    case Nack.CHAN_CONNECTED: return Status.MCAPI_ERR_CHAN_CONNECTED;
    case Nack.SIZE: return Status.MCAPI_ERR_MSG_SIZE;
    case Nack.PRIORITY: return Status.MCAPI_ERR_PRIORITY;
    default: return Status.MCAPI_ERR_MEM_LIMIT;
  }
}

function nackWhy(reason: number): string {
  switch (reason) {
    case Nack.NO_ENDPOINT: return 'no such endpoint on the receiving node';
    case Nack.CHAN_CONNECTED: return 'receive endpoint is connected to a channel';
    case Nack.SIZE: return "message exceeds the receive endpoint's MAX_PAYLOAD_SIZE";
    case Nack.OVERFLOW: return 'the receiver remembers too many refused messages from this node';
    case Nack.PRIORITY: return 'priority not supported by the receiving node';
    default: return `refused (reason ${String(reason)})`;
  }
}

export class MessageEngine {
  private readonly core: Core;
  private readonly peers = new Map<number, Peer>();
  private readonly respPending = new Set<Peer>();
  /** Sequence numbers held in all Blocked lists (0: nothing to check on dequeue). */
  private blockedTotal = 0;

  constructor(core: Core) {
    this.core = core;
  }

  reset(): void {
    this.peers.clear();
    this.respPending.clear();
    this.blockedTotal = 0;
  }

  /** Outgoing messages not yet acknowledged, and refused sequence numbers remembered. */
  depths(): { pendingSends: number; blockedSenders: number } {
    let pendingSends = 0;
    for (const p of this.peers.values()) pendingSends += p.out.size + p.queue.length;
    return { pendingSends, blockedSenders: this.blockedTotal };
  }

  private peer(node: number): Peer {
    let p = this.peers.get(node);
    if (p === undefined) {
      p = new Peer(node);
      this.peers.set(node, p);
    }
    return p;
  }

  // ---------------------------------------------------------------- application calls

  sendI(fromH: unknown, toH: unknown, data: unknown, priority: unknown): Request<number> {
    const core = this.core;
    core.checkInit();
    if (!(data instanceof Uint8Array)) throw new McapiError(Status.MCAPI_ERR_PARAMETER, 'buffer must be a Uint8Array');
    if (typeof priority !== 'number' || !Number.isInteger(priority) || priority < 0 || priority >= core.limits.priorities) {
      throw new McapiError(Status.MCAPI_ERR_PRIORITY, `priority must be an integer in 0..${String(core.limits.priorities - 1)}`);
    }
    const from = core.local(fromH, 'send endpoint');
    if (!(toH instanceof Endpoint)) throw new McapiError(Status.MCAPI_ERR_ENDP_INVALID, 'receive endpoint is not an endpoint');
    if (toH.domain !== core.domain || !core.validNode(toH.node) || !core.validPort(toH.port)) {
      throw new McapiError(Status.MCAPI_ERR_ENDP_INVALID, `receive endpoint ${toH.toString()} is not a valid endpoint`);
    }
    if (from.chan !== null || from.connecting !== null) {
      throw new McapiError(Status.MCAPI_ERR_CHAN_CONNECTED, 'send endpoint is connected to a channel');
    }
    if (data.length > from.maxPayload) {
      throw new McapiError(Status.MCAPI_ERR_MSG_SIZE, `${String(data.length)} bytes exceed the send endpoint's MAX_PAYLOAD_SIZE ${String(from.maxPayload)}`);
    }
    if (toH.node === core.node) {
      const to = core.local(toH, 'receive endpoint');
      if (to.chan !== null || to.connecting !== null) {
        throw new McapiError(Status.MCAPI_ERR_CHAN_CONNECTED, 'receive endpoint is connected to a channel');
      }
      if (data.length > to.maxPayload) {
        throw new McapiError(Status.MCAPI_ERR_MSG_SIZE, `${String(data.length)} bytes exceed the receive endpoint's MAX_PAYLOAD_SIZE ${String(to.maxPayload)}`);
      }
    }
    const req = core.requests.alloc<number>('msg-send');
    const peer = this.peer(toH.node);
    const om: OutMsg = {
      req, from, toNode: toH.node, toPort: toH.port, prio: priority, block: !from.failOnLimit,
      data, seq: -1, state: QUEUED, expired: false, zombie: false, timer: -1, peer, epoch: 0,
    };
    req._cancel = () => this.abandon(om);
    if (from.timeoutMs !== Infinity) om.timer = core.setTimer(from.timeoutMs, () => this.expire(om));
    core.counters.msgSent++;
    peer.queue.push(om);
    this.pump(peer);
    return req;
  }

  recvI(epH: unknown, buf: unknown): Request<number> {
    const core = this.core;
    core.checkInit();
    const st = core.local(epH, 'receive endpoint');
    if (!(buf instanceof Uint8Array)) throw new McapiError(Status.MCAPI_ERR_PARAMETER, 'buffer must be a Uint8Array');
    if (st.chan !== null || st.connecting !== null) {
      throw new McapiError(Status.MCAPI_ERR_CHAN_CONNECTED, 'endpoint is connected to a channel');
    }
    return this.post(st, buf);
  }

  /** A receive on a checked endpoint: completes at once when a message is queued. */
  private post(st: EndpointState, buf: Uint8Array): Request<number> {
    const core = this.core;
    const req = core.requests.alloc<number>('msg-recv');
    if (st.queued > 0) {
      const m = st.peek()!;
      if (buf.length >= m.data.length) {
        const n = this.take(st, buf);
        core.requests.succeed(req, n, n);
      } else {
        core.requests.fail(req, Status.MCAPI_ERR_MSG_TRUNCATED, `message of ${String(m.data.length)} bytes, buffer of ${String(buf.length)}`, m.data.length);
      }
      return req;
    }
    const w = { req, buf };
    st.recvWaiters.push(w);
    req._cancel = () => {
      const i = st.recvWaiters.indexOf(w);
      if (i >= 0) st.recvWaiters.splice(i, 1);
    };
    this.maybeResume(st);
    return req;
  }

  /**
   * A blocking receive: the size when a message is queued (taken at once), else a pending
   * request to wait on up to the endpoint's TIMEOUT (also returned). MCAPI_ERR_MSG_TRUNCATED
   * leaves the message queued (err.size is its size).
   */
  recvBlocking(epH: unknown, buf: unknown): { size: number; req: Request<number> | null; timeoutMs: number } {
    const core = this.core;
    core.checkInit();
    const st = core.local(epH, 'receive endpoint');
    if (!(buf instanceof Uint8Array)) throw new McapiError(Status.MCAPI_ERR_PARAMETER, 'buffer must be a Uint8Array');
    if (st.chan !== null || st.connecting !== null) {
      throw new McapiError(Status.MCAPI_ERR_CHAN_CONNECTED, 'endpoint is connected to a channel');
    }
    if (st.queued === 0) return { size: -1, req: this.post(st, buf), timeoutMs: st.timeoutMs };
    const m = st.peek()!;
    if (buf.length < m.data.length) {
      const e = new McapiError(Status.MCAPI_ERR_MSG_TRUNCATED, `message of ${String(m.data.length)} bytes, buffer of ${String(buf.length)}`);
      e.size = m.data.length;
      throw e;
    }
    return { size: this.take(st, buf), req: null, timeoutMs: st.timeoutMs };
  }

  available(epH: unknown): number {
    this.core.checkInit();
    return this.core.local(epH, 'receive endpoint').queued;
  }

  private take(st: EndpointState, buf: Uint8Array): number {
    const m = st.shift();
    copyInto(buf, 0, m.data);
    this.core.queuedMsgs--;
    this.core.queuedBytes -= m.data.length;
    this.core.counters.msgReceived++;
    // The node's message memory is shared: room freed here may be what another endpoint's
    // refused senders wait for.
    this.resumeAll();
    return m.data.length;
  }

  /** An endpoint is going away: its queue, waiters, outgoing messages and ordering lists with it. */
  endpointDeleted(st: EndpointState): void {
    const core = this.core;
    core.queuedMsgs -= st.queued;
    core.queuedBytes -= st.queuedBytes;
    for (const q of st.queues) q.length = 0;
    st.queued = 0;
    st.queuedBytes = 0;
    for (const w of st.recvWaiters.splice(0)) core.requests.fail(w.req, Status.MCAPI_ERR_ENDP_INVALID, 'endpoint deleted');
    for (const peer of this.peers.values()) {
      const b = peer.blocked.get(st.port);
      if (b !== undefined) {
        // The senders of refused messages wait for a RESUME that will never come: end them.
        for (const seq of b.list) this.respond(peer, Resp.NACK, seq, Nack.NO_ENDPOINT);
        this.blockedTotal -= b.list.length;
        peer.blocked.delete(st.port);
      }
      const mine = [...peer.queue, ...peer.out.values()].filter((om) => om.from === st && !om.zombie);
      for (const om of mine) {
        this.abandon(om);
        core.requests.fail(om.req, Status.MCAPI_ERR_ENDP_INVALID, 'send endpoint deleted');
      }
      if (mine.length > 0) this.sweepZombies(peer);
    }
    this.resumeAll();
  }

  /**
   * A zombie transmitted in an older membership epoch will never be answered (the network
   * drops frames of older epochs), so its sequence number is free: kept, it would close the
   * window to that node for good after a recovery (the fault-tolerance layer deletes the
   * endpoints of a run it rolls back).
   */
  private sweepZombies(peer: Peer): void {
    const epoch = this.core.net.epoch;
    peer.sweptEpoch = epoch;
    let swept = false;
    for (const om of [...peer.out.values()]) {
      if (om.zombie && om.epoch !== epoch) {
        this.forget(om);
        swept = true;
      }
    }
    if (swept) this.pump(peer);
  }

  // ---------------------------------------------------------------- sender

  /** True when a new sequence number stays within MSG_WINDOW of the oldest outstanding one. */
  private windowOpen(peer: Peer): boolean {
    if (peer.out.size === 0) return true;
    const oldest = peer.out.keys().next().value as number;
    return ((peer.nextSeq - oldest) & 0xff) < MSG_WINDOW;
  }

  /**
   * Transmit queued messages while the windows and the outbox allow. A message whose endpoint
   * window is full waits without holding back messages to other endpoints (order only matters
   * per destination endpoint).
   */
  private pump(peer: Peer): void {
    if (peer.sweptEpoch !== this.core.net.epoch) this.sweepZombies(peer);
    let i = 0;
    while (i < peer.queue.length && peer.retryTimer < 0 && this.windowOpen(peer)) {
      const om = peer.queue[i]!;
      const n = peer.perPort.get(om.toPort) ?? 0;
      if (n >= MSG_PORT_WINDOW) {
        i++;
        continue;
      }
      if (!this.transmit(om, peer.nextSeq)) {
        this.retryLater(peer);
        return;
      }
      if (i === 0) peer.queue.shift();
      else peer.queue.splice(i, 1);
      om.seq = peer.nextSeq;
      om.epoch = this.core.net.epoch;
      peer.nextSeq = (peer.nextSeq + 1) & 0xff;
      peer.out.set(om.seq, om);
      peer.perPort.set(om.toPort, n + 1);
    }
  }

  private retryLater(peer: Peer): void {
    if (peer.retryTimer >= 0) return;
    peer.retryTimer = this.core.setTimer(this.core.limits.retryMs, () => {
      peer.retryTimer = -1;
      const ports = [...peer.resendPorts];
      peer.resendPorts.clear();
      for (const port of ports) this.resume(peer, port);
      this.pump(peer);
    });
  }

  /** Build and send one MSG frame for `om` with sequence number `seq`; false when refused. */
  private transmit(om: OutMsg, seq: number): boolean {
    const core = this.core;
    const peer = om.peer;
    const n = om.data.length;
    core.beforeData(om.toNode, true);
    let ack1 = -1;
    let piggy = 0;
    if (peer.respLen > 0) {
      if (!core.outboxEmpty()) {
        this.flushPeer(peer);
      } else if (peer.respLen === 3 && peer.resp[0] === Resp.ACK && peer.resp[2] === 1) {
        ack1 = peer.resp[1];
      } else if (5 + peer.respLen + n <= core.limits.maxFramePayload) {
        piggy = peer.respLen;
      } else {
        this.flushPeer(peer);
      }
    }
    const head = 2 + (ack1 >= 0 ? 1 : 0) + (piggy > 0 ? 1 + piggy : 0);
    const p = new Uint8Array(head + n);
    p[0] = om.prio | (om.block ? MsgFlag.BLOCK : 0) | (ack1 >= 0 ? MsgFlag.ACK1 : 0) | (piggy > 0 ? MsgFlag.PIGGYBACK : 0);
    p[1] = seq;
    let off = 2;
    if (ack1 >= 0) p[off++] = ack1;
    if (piggy > 0) {
      p[off] = piggy;
      p.set(peer.resp.subarray(0, piggy), off + 1);
    }
    copyInto(p, head, om.data);
    if (!core.tx(McapiFrame.MSG, om.toNode, om.from.port, om.toPort, p, true)) return false;
    om.state = INFLIGHT;
    if (ack1 >= 0 || piggy > 0) {
      peer.respLen = 0;
      peer.lastAck = -1;
      this.respPending.delete(peer);
      core.counters.piggybacked++;
    }
    return true;
  }

  /** Complete a message's request and forget it. */
  /**
   * The network gave up on `node` (it restarted, or acknowledged nothing for the net's
   * e2eGiveUpMs; docs/PROTOCOL.md §8): every send to it that is not complete ends with
   * MCAPI_ERR_TRANSMISSION — its delivery cannot be confirmed — instead of waiting forever.
   */
  unreachable(node: number): void {
    const peer = this.peers.get(node);
    if (peer === undefined) return;
    const why = `node ${String(node)} is unreachable: the network could not confirm delivery`;
    for (const om of [...peer.queue, ...peer.out.values()]) {
      if (om.zombie) this.forget(om);
      else this.finish(om, Status.MCAPI_ERR_TRANSMISSION, why);
    }
  }

  private finish(om: OutMsg, status: StatusCode, detail?: string): void {
    const core = this.core;
    const peer = om.peer;
    this.forget(om);
    if (status === Status.MCAPI_SUCCESS) {
      core.counters.msgDelivered++;
      core.requests.succeed(om.req, om.data.length, om.data.length);
    } else {
      core.requests.fail(om.req, status, detail);
    }
    this.pump(peer);
  }

  private forget(om: OutMsg): void {
    const peer = om.peer;
    if (om.state === QUEUED) {
      const i = peer.queue.indexOf(om);
      if (i >= 0) peer.queue.splice(i, 1);
    } else if (peer.out.get(om.seq) === om) {
      peer.out.delete(om.seq);
      const n = (peer.perPort.get(om.toPort) ?? 1) - 1;
      if (n === 0) peer.perPort.delete(om.toPort);
      else peer.perPort.set(om.toPort, n);
    }
    this.core.clearTimer(om.timer);
    om.timer = -1;
  }

  /** The TIMEOUT attribute ran out: give up unless a response is on its way. */
  private expire(om: OutMsg): void {
    om.timer = -1;
    om.expired = true;
    if (om.state === INFLIGHT) return;
    if (om.state === REJECTED && om.block) this.withdraw(om);
    this.finish(om, Status.MCAPI_TIMEOUT, 'the receiver had no room within the send endpoint TIMEOUT');
  }

  /**
   * Cancel. A queued message is simply dropped. A refused one is withdrawn. One in flight may
   * still be delivered (MCAPI cannot recall it); it is withdrawn in case it gets refused, and
   * kept as a zombie until its response arrives so its sequence number is not reused early.
   */
  private abandon(om: OutMsg): void {
    const peer = om.peer;
    if (om.zombie) return;
    // A message of an older epoch was sent to an endpoint of a rolled-back run (deleted with
    // it), or to a board that is gone: nothing there to withdraw from.
    const withdraw = om.block && om.epoch === this.core.net.epoch;
    if (om.state === INFLIGHT) {
      om.zombie = true;
      if (withdraw) this.withdraw(om);
      this.core.clearTimer(om.timer);
      om.timer = -1;
      return;
    }
    if (om.state === REJECTED && withdraw) this.withdraw(om);
    this.forget(om);
    this.pump(peer);
  }

  private withdraw(om: OutMsg): void {
    const p = new Uint8Array(2);
    p[0] = MsgFlag.WITHDRAW | om.prio;
    p[1] = om.seq;
    this.core.tx(McapiFrame.MSG, om.toNode, om.from.port, om.toPort, p, false);
  }

  private onResponses(node: number, p: Uint8Array, start: number, end: number): void {
    const peer = this.peers.get(node);
    let off = start;
    while (off + 3 <= end) {
      const t = p[off];
      const a = p[off + 1];
      const b = p[off + 2];
      if (t === Resp.ACK) {
        if (peer !== undefined) for (let i = 0; i < b; i++) this.acked(peer, (a + i) & 0xff);
      } else if (t === Resp.NACK) {
        const om = peer === undefined ? undefined : peer.out.get(a);
        if (om !== undefined && om.state === INFLIGHT) {
          if (om.zombie) this.forget(om);
          else this.nacked(om, b);
        } else if (om !== undefined && om.state === REJECTED && b === Nack.NO_ENDPOINT) {
          // A refused message whose endpoint was deleted while it waited for room.
          this.finish(om, nackStatus(b), 'the receive endpoint was deleted while the message waited for room');
        }
      } else if (t === Resp.RESUME) {
        if (peer !== undefined) this.resume(peer, (a << 8) | b);
      } else {
        break;
      }
      off += 3;
    }
    if (off !== end) this.core.counters.malformed++;
    if (peer !== undefined) this.pump(peer);
  }

  private acked(peer: Peer, seq: number): void {
    const om = peer.out.get(seq);
    if (om === undefined || om.state !== INFLIGHT) return;
    if (om.zombie) this.forget(om);
    else this.finish(om, Status.MCAPI_SUCCESS);
  }

  private nacked(om: OutMsg, reason: number): void {
    if (reason === Nack.FULL || reason === Nack.ORDER) {
      this.core.counters.msgRejected++;
      if (!om.block) {
        this.finish(om, Status.MCAPI_ERR_MEM_LIMIT, 'the receiver has no room (fail-on-limit policy)');
      } else if (om.expired) {
        this.withdraw(om);
        this.finish(om, Status.MCAPI_TIMEOUT, 'the receiver had no room within the send endpoint TIMEOUT');
      } else {
        om.state = REJECTED;
      }
      return;
    }
    this.finish(om, nackStatus(reason), nackWhy(reason));
  }

  /** The receiver has room on `port`: resend what it refused there, oldest first. */
  private resume(peer: Peer, port: number): void {
    for (const om of peer.out.values()) {
      if (om.toPort !== port || om.state !== REJECTED || om.zombie) continue;
      if (peer.retryTimer >= 0 || !this.transmit(om, om.seq)) {
        peer.resendPorts.add(port);
        this.retryLater(peer);
        return;
      }
      this.core.counters.msgRetransmits++;
    }
  }

  // ---------------------------------------------------------------- receiver

  onMsg(f: NetFrame): void {
    const core = this.core;
    const p = f.payload;
    const flags = p.length >= 2 ? p[0] : 0x80;
    if ((flags & 0x80) !== 0) {
      core.counters.malformed++;
      return;
    }
    const seq = p[1];
    let off = 2;
    if ((flags & MsgFlag.ACK1) !== 0) {
      if (p.length < 3) {
        core.counters.malformed++;
        return;
      }
      const peer = this.peers.get(f.src);
      if (peer !== undefined) this.acked(peer, p[2]);
      off = 3;
    }
    if ((flags & MsgFlag.PIGGYBACK) !== 0) {
      if (p.length < off + 1 || off + 1 + p[off] > p.length) {
        core.counters.malformed++;
        return;
      }
      const end = off + 1 + p[off];
      this.onResponses(f.src, p, off + 1, end);
      off = end;
    } else if ((flags & MsgFlag.ACK1) !== 0) {
      const peer = this.peers.get(f.src);
      if (peer !== undefined) this.pump(peer);
    }
    const peer = this.peer(f.src);
    const port = f.dstPort;
    if ((flags & MsgFlag.WITHDRAW) !== 0) {
      if (off !== p.length) core.counters.malformed++;
      else this.withdrawn(peer, port, seq);
      return;
    }
    const st = core.endpoints.get(port);
    const block = (flags & MsgFlag.BLOCK) !== 0;
    const prio = flags & MsgFlag.PRIORITY_MASK;
    const n = p.length - off;
    if (st === undefined) return this.respond(peer, Resp.NACK, seq, Nack.NO_ENDPOINT);
    if (st.chan !== null || st.connecting !== null) return this.respond(peer, Resp.NACK, seq, Nack.CHAN_CONNECTED);
    if (n > st.maxPayload) return this.respond(peer, Resp.NACK, seq, Nack.SIZE);
    if (prio >= core.limits.priorities) return this.respond(peer, Resp.NACK, seq, Nack.PRIORITY);
    let b = peer.blocked.get(port);
    if (b !== undefined && b.list[0] !== seq) {
      if (!block) return this.respond(peer, Resp.NACK, seq, Nack.FULL);
      if (b.list.indexOf(seq) < 0) {
        if (b.list.length >= MSG_PORT_WINDOW || this.blockedTotal >= core.limits.maxBlocked) {
          return this.respond(peer, Resp.NACK, seq, Nack.OVERFLOW);
        }
        b.list.push(seq);
        this.blockedTotal++;
      }
      b.armed = true;
      this.respond(peer, Resp.NACK, seq, Nack.ORDER);
      this.maybeResume(st);
      return;
    }
    if (this.deliver(st, f.src, f.srcPort, prio, p.subarray(off))) {
      if (b !== undefined) {
        b.list.shift();
        this.blockedTotal--;
        if (b.list.length === 0) peer.blocked.delete(port);
      }
      this.respond(peer, Resp.ACK, seq, 1);
      if (b !== undefined && b.list.length > 0) this.maybeResume(st);
      return;
    }
    if (block) {
      if (b === undefined) {
        if (this.blockedTotal >= core.limits.maxBlocked) return this.respond(peer, Resp.NACK, seq, Nack.OVERFLOW);
        b = { list: [seq], armed: true };
        peer.blocked.set(port, b);
        this.blockedTotal++;
      } else {
        b.armed = true;
      }
    }
    this.respond(peer, Resp.NACK, seq, Nack.FULL);
  }

  onResp(f: NetFrame): void {
    this.onResponses(f.src, f.payload, 0, f.payload.length);
  }

  private hasCapacity(st: EndpointState, n: number): boolean {
    const core = this.core;
    const l = core.limits;
    return st.queued < st.recvBuffers && core.queuedMsgs < l.maxQueuedMessages && core.queuedBytes + n <= l.maxQueuedBytes;
  }

  private deliver(st: EndpointState, srcNode: number, srcPort: number, prio: number, data: Uint8Array): boolean {
    const core = this.core;
    const w = st.recvWaiters[0];
    if (w !== undefined && st.queued === 0 && w.buf.length >= data.length) {
      st.recvWaiters.shift();
      copyInto(w.buf, 0, data);
      core.counters.msgReceived++;
      core.requests.succeed(w.req, data.length, data.length);
      return true;
    }
    if (!this.hasCapacity(st, data.length)) return false;
    // The Net hands over the payload for keeps (docs/PROTOCOL.md, "What the layers above get").
    st.queues[prio]!.push({ data, srcNode, srcPort });
    st.queued++;
    st.queuedBytes += data.length;
    core.queuedMsgs++;
    core.queuedBytes += data.length;
    this.serveWaiters(st);
    return true;
  }

  /** Hand queued messages to waiting receives; a too-small buffer fails with TRUNCATED. */
  private serveWaiters(st: EndpointState): void {
    const core = this.core;
    while (st.recvWaiters.length > 0 && st.queued > 0) {
      const w = st.recvWaiters.shift()!;
      const m = st.peek()!;
      if (w.buf.length >= m.data.length) {
        const n = this.take(st, w.buf);
        core.requests.succeed(w.req, n, n);
      } else {
        core.requests.fail(w.req, Status.MCAPI_ERR_MSG_TRUNCATED, `message of ${String(m.data.length)} bytes, buffer of ${String(w.buf.length)}`, m.data.length);
      }
    }
  }

  private withdrawn(peer: Peer, port: number, seq: number): void {
    const b = peer.blocked.get(port);
    if (b === undefined) return;
    const i = b.list.indexOf(seq);
    if (i < 0) return;
    b.list.splice(i, 1);
    this.blockedTotal--;
    if (b.list.length === 0) {
      peer.blocked.delete(port);
      return;
    }
    const st = this.core.endpoints.get(port);
    if (st !== undefined) this.maybeResume(st);
  }

  /** After node-wide message memory was freed: resume every endpoint that has room now. */
  private resumeAll(): void {
    if (this.blockedTotal === 0) return;
    const ports = new Set<number>();
    for (const peer of this.peers.values()) for (const [port, b] of peer.blocked) if (b.armed) ports.add(port);
    for (const port of ports) {
      const st = this.core.endpoints.get(port);
      if (st !== undefined) this.maybeResume(st);
    }
  }

  /** Tell senders whose messages were refused that the endpoint has room now. */
  private maybeResume(st: EndpointState): void {
    if (this.blockedTotal === 0) return;
    const core = this.core;
    const l = core.limits;
    const room = st.recvWaiters.length > 0
      || (st.queued < st.recvBuffers && core.queuedMsgs < l.maxQueuedMessages && core.queuedBytes < l.maxQueuedBytes);
    if (!room) return;
    for (const peer of this.peers.values()) {
      const b = peer.blocked.get(st.port);
      if (b !== undefined && b.armed) {
        b.armed = false;
        this.respond(peer, Resp.RESUME, st.port, 0);
      }
    }
  }

  /** Batch one response entry (ACK seq, NACK seq reason, RESUME port) for `peer`. */
  private respond(peer: Peer, kind: number, a: number, b: number): void {
    const r = peer.resp;
    if (kind === Resp.ACK && peer.lastAck >= 0) {
      const count = r[peer.lastAck + 2];
      if (count < 255 && ((r[peer.lastAck + 1] + count) & 0xff) === a) {
        r[peer.lastAck + 2] = count + 1;
        return;
      }
    }
    if (peer.respLen + 3 > RESP_MAX) this.flushPeer(peer);
    const o = peer.respLen;
    r[o] = kind;
    if (kind === Resp.RESUME) {
      r[o + 1] = (a >>> 8) & 0xff;
      r[o + 2] = a & 0xff;
    } else {
      r[o + 1] = a;
      r[o + 2] = b;
    }
    peer.respLen = o + 3;
    peer.lastAck = kind === Resp.ACK ? o : -1;
    if (!this.respPending.has(peer)) {
      this.respPending.add(peer);
      this.core.requestFlush();
    }
  }

  private flushPeer(peer: Peer): void {
    if (peer.respLen === 0) return;
    const payload = peer.resp.slice(0, peer.respLen);
    peer.respLen = 0;
    peer.lastAck = -1;
    this.respPending.delete(peer);
    this.core.counters.respFrames++;
    this.core.tx(McapiFrame.MSG_RESP, peer.node, 0, 0, payload, false);
  }

  /** Send the responses batched for `node` now (before a channel frame to it). */
  flushNode(node: number): void {
    const peer = this.peers.get(node);
    if (peer !== undefined && peer.respLen > 0) this.flushPeer(peer);
  }

  /** Send every batched response (end of turn). flushPeer removes each peer as it goes. */
  flush(): void {
    for (const peer of this.respPending) this.flushPeer(peer);
  }
}
