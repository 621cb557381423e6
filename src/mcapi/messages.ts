/**
 * Connectionless messages (mcapi_msg_*), with end-to-end delivery acknowledgement.
 *
 * A send completes when the receiving node has queued the message (or handed it to a waiting
 * receive): the sender learns about a full receiver, a missing endpoint or a size mismatch.
 * Each sender keeps a u16 sequence number per destination node. The receiver answers every
 * message frame exactly once, batching answers per node until the end of the turn (or riding
 * them on a message going back: piggybacking), and merging consecutive ACKs into ranges.
 *
 * Full receiver, wait policy (BLOCK flag): the receiver refuses (NACK FULL) and remembers the
 * sequence number in an ordered list per (sender node, endpoint); until that list drains it
 * refuses (NACK ORDER) every later message from that node to that endpoint, so nothing
 * overtakes a refused message. When the endpoint has room again it sends RESUME, and the sender
 * resends what was refused, in order. A sender that gives up (timeout, cancel) sends WITHDRAW so
 * the receiver forgets the number. Fail policy: NACK FULL ends the send with MCAPI_ERR_MEM_LIMIT.
 * Memory stays bounded: the sender holds only a reference to the application's buffer (which
 * MCAPI lets it use until the request completes), the receiver only sequence numbers.
 */
import type { NetFrame } from '../net/net.js';
import type { Core } from './core.js';
import { Endpoint } from './handles.js';
import type { Request } from './request.js';
import type { EndpointState } from './state.js';
import { McapiError, Status } from './status.js';
import type { StatusCode } from './status.js';
import { MsgFlag, McapiFrame, Nack, Resp, readU16, writeU16 } from './wire.js';

const INFLIGHT = 0;
const REJECTED = 1;
/** Not transmitted yet: the outbox was full, or earlier messages to the node are waiting. */
const LOCAL = 2;

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
  seq: number;
  state: number;
  /** Transmitted at least once: the receiver may hold its number in an ordering list. */
  sent: boolean;
  expired: boolean;
  timer: number;
  peer: Peer;
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
  readonly out = new Map<number, OutMsg>();
  local = 0;
  retryTimer = -1;
  readonly blocked = new Map<number, Blocked>();
  readonly resp = new Uint8Array(RESP_MAX);
  respLen = 0;
  /** Offset of the last entry when it is an ACK range that may still grow; -1 otherwise. */
  lastAck = -1;

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
    for (const p of this.peers.values()) pendingSends += p.out.size;
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
      data, seq: peer.nextSeq, state: LOCAL, sent: false, expired: false, timer: -1, peer,
    };
    peer.nextSeq = (peer.nextSeq + 1) & 0xffff;
    peer.out.set(om.seq, om);
    req._cancel = () => this.abandon(om);
    if (from.timeoutMs !== Infinity) om.timer = core.setTimer(from.timeoutMs, () => this.expire(om));
    core.counters.msgSent++;
    if (peer.local > 0) {
      peer.local++;
    } else {
      this.transmit(om);
    }
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
   * Blocking receive's fast path: the size received, or -1 when nothing is queued.
   * MCAPI_ERR_MSG_TRUNCATED leaves the message queued (err.size is its size).
   */
  recvNow(epH: unknown, buf: unknown): number {
    const core = this.core;
    core.checkInit();
    const st = core.local(epH, 'receive endpoint');
    if (!(buf instanceof Uint8Array)) throw new McapiError(Status.MCAPI_ERR_PARAMETER, 'buffer must be a Uint8Array');
    if (st.chan !== null || st.connecting !== null) {
      throw new McapiError(Status.MCAPI_ERR_CHAN_CONNECTED, 'endpoint is connected to a channel');
    }
    if (st.queued === 0) return -1;
    const m = st.peek()!;
    if (buf.length < m.data.length) {
      const e = new McapiError(Status.MCAPI_ERR_MSG_TRUNCATED, `message of ${String(m.data.length)} bytes, buffer of ${String(buf.length)}`);
      e.size = m.data.length;
      throw e;
    }
    return this.take(st, buf);
  }

  available(epH: unknown): number {
    this.core.checkInit();
    return this.core.local(epH, 'receive endpoint').queued;
  }

  private take(st: EndpointState, buf: Uint8Array): number {
    const m = st.shift();
    buf.set(m.data);
    this.core.queuedMsgs--;
    this.core.queuedBytes -= m.data.length;
    this.core.counters.msgReceived++;
    this.maybeResume(st);
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
        this.blockedTotal -= b.list.length;
        peer.blocked.delete(st.port);
      }
      for (const om of [...peer.out.values()]) {
        if (om.from === st) {
          this.abandon(om);
          core.requests.fail(om.req, Status.MCAPI_ERR_ENDP_INVALID, 'send endpoint deleted');
        }
      }
    }
  }

  // ---------------------------------------------------------------- sender

  private transmit(om: OutMsg): void {
    const core = this.core;
    const peer = om.peer;
    const n = om.data.length;
    core.beforeData(om.toNode, true);
    let piggy = 0;
    if (peer.respLen > 0) {
      if (core.outboxEmpty() && 4 + peer.respLen + n <= core.limits.maxFramePayload) piggy = peer.respLen;
      else this.flushPeer(peer);
    }
    const head = piggy > 0 ? 4 + piggy : 3;
    const p = new Uint8Array(head + n);
    p[0] = om.prio | (om.block ? MsgFlag.BLOCK : 0) | (piggy > 0 ? MsgFlag.PIGGYBACK : 0);
    writeU16(p, 1, om.seq);
    if (piggy > 0) {
      p[3] = piggy;
      p.set(peer.resp.subarray(0, piggy), 4);
    }
    p.set(om.data, head);
    if (core.tx(McapiFrame.MSG, om.toNode, om.from.port, om.toPort, p, true)) {
      om.state = INFLIGHT;
      om.sent = true;
      if (piggy > 0) {
        peer.respLen = 0;
        peer.lastAck = -1;
        this.respPending.delete(peer);
        core.counters.piggybacked++;
      }
    } else {
      om.state = LOCAL;
      peer.local++;
      if (peer.retryTimer < 0) peer.retryTimer = core.setTimer(core.limits.retryMs, () => this.retryLocal(peer));
    }
  }

  /** Transmit messages that could not go out, oldest first; stop at the first refusal. */
  private retryLocal(peer: Peer): void {
    peer.retryTimer = -1;
    for (const om of peer.out.values()) {
      if (om.state !== LOCAL) continue;
      peer.local--;
      this.transmit(om);
      if (om.state === LOCAL) return;
    }
  }

  private finish(om: OutMsg, status: StatusCode, detail?: string): void {
    const core = this.core;
    om.peer.out.delete(om.seq);
    if (om.state === LOCAL) om.peer.local--;
    om.state = INFLIGHT;
    core.clearTimer(om.timer);
    om.timer = -1;
    if (status === Status.MCAPI_SUCCESS) {
      core.counters.msgDelivered++;
      core.requests.succeed(om.req, om.data.length, om.data.length);
    } else {
      core.requests.fail(om.req, status, detail);
    }
  }

  /** The TIMEOUT attribute ran out: give up unless a response is on its way. */
  private expire(om: OutMsg): void {
    om.timer = -1;
    om.expired = true;
    if (om.state === INFLIGHT) return;
    if (om.sent && om.block) this.withdraw(om);
    this.finish(om, Status.MCAPI_TIMEOUT, 'the receiver had no room within the send endpoint TIMEOUT');
  }

  /** Cancel: forget the message; a receiver holding its number in an ordering list is told. */
  private abandon(om: OutMsg): void {
    const peer = om.peer;
    if (peer.out.get(om.seq) !== om) return;
    peer.out.delete(om.seq);
    if (om.state === LOCAL) peer.local--;
    if (om.sent && om.block) this.withdraw(om);
    this.core.clearTimer(om.timer);
    om.timer = -1;
  }

  private withdraw(om: OutMsg): void {
    const p = new Uint8Array(3);
    p[0] = MsgFlag.WITHDRAW | om.prio;
    writeU16(p, 1, om.seq);
    this.core.tx(McapiFrame.MSG, om.toNode, om.from.port, om.toPort, p, false);
  }

  private onResponses(node: number, p: Uint8Array, start: number, end: number): void {
    const peer = this.peers.get(node);
    let off = start;
    while (off < end) {
      const t = p[off];
      if (t === Resp.ACK || t === Resp.NACK) {
        if (off + 4 > end) break;
        const seq = readU16(p, off + 1);
        const x = p[off + 3];
        off += 4;
        if (peer === undefined) continue;
        if (t === Resp.ACK) {
          for (let i = 0; i < x; i++) {
            const om = peer.out.get((seq + i) & 0xffff);
            if (om !== undefined && om.state === INFLIGHT) this.finish(om, Status.MCAPI_SUCCESS);
          }
        } else {
          const om = peer.out.get(seq);
          if (om !== undefined && om.state === INFLIGHT) this.nacked(om, x);
        }
      } else if (t === Resp.RESUME) {
        if (off + 3 > end) break;
        const port = readU16(p, off + 1);
        off += 3;
        if (peer !== undefined) this.resume(peer, port);
      } else {
        break;
      }
    }
    if (off !== end) this.core.counters.malformed++;
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
    const why = reason === Nack.NO_ENDPOINT ? 'no such endpoint on the receiving node'
      : reason === Nack.CHAN_CONNECTED ? 'receive endpoint is connected to a channel'
        : reason === Nack.SIZE ? "message exceeds the receive endpoint's MAX_PAYLOAD_SIZE"
          : reason === Nack.OVERFLOW ? 'the receiver remembers too many refused messages from this node'
            : reason === Nack.PRIORITY ? 'priority not supported by the receiving node'
              : `refused (reason ${String(reason)})`;
    this.finish(om, nackStatus(reason), why);
  }

  private resume(peer: Peer, port: number): void {
    for (const om of peer.out.values()) {
      if (om.toPort === port && om.state === REJECTED) {
        this.core.counters.msgRetransmits++;
        if (peer.local > 0) {
          om.state = LOCAL;
          peer.local++;
        } else {
          this.transmit(om);
        }
      }
    }
  }

  // ---------------------------------------------------------------- receiver

  onMsg(f: NetFrame): void {
    const core = this.core;
    const p = f.payload;
    if (p.length < 3) {
      core.counters.malformed++;
      return;
    }
    const flags = p[0];
    const seq = readU16(p, 1);
    let off = 3;
    if ((flags & MsgFlag.PIGGYBACK) !== 0) {
      if (p.length < 4 || 4 + p[3] > p.length) {
        core.counters.malformed++;
        return;
      }
      off = 4 + p[3];
      this.onResponses(f.src, p, 4, off);
    }
    if ((flags & ~(MsgFlag.PRIORITY_MASK | MsgFlag.BLOCK | MsgFlag.PIGGYBACK | MsgFlag.WITHDRAW)) !== 0) {
      core.counters.malformed++;
      return;
    }
    const peer = this.peer(f.src);
    const port = f.dstPort;
    if ((flags & MsgFlag.WITHDRAW) !== 0) {
      this.withdrawn(peer, port, seq);
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
        if (b.list.length >= core.limits.maxBlockedPerPeer) return this.respond(peer, Resp.NACK, seq, Nack.OVERFLOW);
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
      w.buf.set(data);
      core.counters.msgReceived++;
      core.requests.succeed(w.req, data.length, data.length);
      return true;
    }
    if (!this.hasCapacity(st, data.length)) return false;
    st.queues[prio]!.push({ data: data.slice(), srcNode, srcPort });
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

  private respond(peer: Peer, kind: number, a: number, b: number): void {
    if (kind === Resp.ACK && peer.lastAck >= 0) {
      const r = peer.resp;
      const first = readU16(r, peer.lastAck + 1);
      const count = r[peer.lastAck + 3];
      if (count < 255 && ((first + count) & 0xffff) === a) {
        r[peer.lastAck + 3] = count + 1;
        return;
      }
    }
    const size = kind === Resp.RESUME ? 3 : 4;
    if (peer.respLen + size > RESP_MAX) this.flushPeer(peer);
    const r = peer.resp;
    const o = peer.respLen;
    r[o] = kind;
    writeU16(r, o + 1, a);
    if (size === 4) r[o + 3] = b;
    peer.respLen = o + size;
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

  /** Send every batched response (end of turn). */
  flush(): void {
    for (const peer of [...this.respPending]) this.flushPeer(peer);
  }
}
