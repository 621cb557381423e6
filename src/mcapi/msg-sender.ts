/**
 * The sending half of messages (messages.ts explains the protocol): numbering, the windows per
 * node (MSG_WINDOW) and per destination endpoint (MSG_PORT_WINDOW), transmission with
 * piggybacked responses, the outcome of each message (ACK, NACK, RESUME), withdrawal on
 * timeout or cancel, and zombies that hold a sequence number until their answer arrives.
 */
import { InvariantError } from '../util/assert.js';
import type { NetFrame } from '../net/net.js';
import { Args } from './args.js';
import { Core } from './core.js';
import type { Endpoint } from './handles.js';
import { OutFlag, OutMsg, OutState, Peer } from './msg-peer.js';
import { Responses } from './msg-responses.js';
import type { Request, Undo } from './request.js';
import type { EndpointState } from './state.js';
import { McapiError, Status } from './status.js';
import type { StatusCode } from './status.js';
import { MSG_PORT_WINDOW, MSG_WINDOW, MsgFlag, McapiFrame, Nack, Resp } from './wire.js';

export class MessageSender implements Undo {
  /** Bytes of a MSG frame's header before any ACK1 byte or piggybacked section: flags, seq. */
  static readonly HEAD = 2;
  /**
   * Header bytes budgeted for a message that carries piggybacked responses: flags, seq and the
   * length byte, with two to spare. Kept as it was: it decides which messages carry
   * responses, and so what goes on the wire.
   */
  private static readonly PIGGY_HEAD_BUDGET = 5;


  /**
   * The TIMEOUT timer of each message whose send endpoint has one, made at the first such
   * message and dropped when the last one ends: not a field of every OutMsg (an XS slot per
   * message in flight; most endpoints, the DSM's among them, have no TIMEOUT).
   */
  private timers: Map<OutMsg, number> | null = null;

  constructor(private readonly core: Core, private readonly peers: Map<number, Peer>, private readonly responses: Responses) {
    // Core.abort undoes a cancelled send here (no `_cancel` field per message).
    core.msgUndo = this;
  }

  /** Outgoing messages not yet acknowledged. */
  pending(): number {
    let n = 0;
    for (const p of this.peers.values()) n += p.out.length + p.queue.length;
    return n;
  }

  /** Send `data` from `from` to `to` (both checked by args.ts) at `prio`. */
  sendI(from: EndpointState, to: Endpoint, data: Uint8Array, prio: number): Request<number> {
    const core = this.core;
    if (from.chan !== undefined || from.connecting !== undefined) {
      throw new McapiError(Status.MCAPI_ERR_CHAN_CONNECTED, 'send endpoint is connected to a channel');
    }
    const fa = from.attrs;
    if (data.length > fa.maxPayload) {
      throw new McapiError(Status.MCAPI_ERR_MSG_SIZE, `${String(data.length)} bytes exceed the send endpoint's MAX_PAYLOAD_SIZE ${String(fa.maxPayload)}`);
    }
    if (to.node === core.node) {
      const dst = Args.local(core, to, 'receive endpoint');
      if (dst.chan !== undefined || dst.connecting !== undefined) {
        throw new McapiError(Status.MCAPI_ERR_CHAN_CONNECTED, 'receive endpoint is connected to a channel');
      }
      if (data.length > dst.attrs.maxPayload) {
        throw new McapiError(Status.MCAPI_ERR_MSG_SIZE, `${String(data.length)} bytes exceed the receive endpoint's MAX_PAYLOAD_SIZE ${String(dst.attrs.maxPayload)}`);
      }
    }
    let peer = this.peers.get(to.node);
    if (peer === undefined) peer = Peer.of(this.peers, to.node);
    // A full request table throws here (MCAPI_ERR_REQUEST_LIMIT), the peer made or not, and
    // before anything is sent: the request itself is made and added after its frame is written.
    // (checkRoom's test written out, its call only to throw: every message.)
    const rq = core.requests;
    if (rq.count >= rq.limit) rq.checkRoom();
    const ports = from.port * 0x10000 + to.port;
    const flags = (fa.failOnLimit ? 0 : OutFlag.BLOCK) | (prio << OutFlag.PRIO_SHIFT);
    // Nothing queued before it, no retry pending, no sweep due and fewer than MSG_PORT_WINDOW
    // transmitted (no endpoint window full): pump's first step for this message, without
    // queueing it first (the usual case). Same order, numbers and frames.
    const out = peer.out;
    if (
      peer.queue.length === 0 && peer.retryTimer < 0 && peer.sweptEpoch === core.net.epoch && out.length < MSG_PORT_WINDOW
      // windowOpen, written out
      && (out.length === 0 || ((peer.nextSeq - ((out[0]!.flags >>> OutFlag.SEQ_SHIFT) & 0xff)) & 0xff) < MSG_WINDOW)
    ) {
      // The frame first (a board's UART or socket sends it when it is written), then the
      // message's request and its books: nothing of them goes in the frame, and nothing
      // between the two can see them (docs/PERFORMANCE.md "Round 18").
      if (this.frame(peer, ports, flags, data, peer.nextSeq)) {
        // book's work written out (every message): INFLIGHT is state 0.
        const om = new OutMsg(peer, ports, flags, data);
        core.requests.add(om);
        if (fa.timeoutMs !== Infinity) this.startTimer(om, fa.timeoutMs);
        core.counters.msgSent++;
        this.sent(peer, om);
        return om;
      }
      const om = this.book(peer, ports, OutState.QUEUED | flags, data, fa.timeoutMs);
      peer.queue.push(om);
      this.retryLater(peer);
      return om;
    }
    const om = this.book(peer, ports, OutState.QUEUED | flags, data, fa.timeoutMs);
    peer.queue.push(om);
    this.pump(peer);
    return om;
  }

  /**
   * The request of a message (OutMsg: one record per message in flight) into the request table
   * (sendI checked it has room), with its TIMEOUT timer when the endpoint has one.
   */
  private book(peer: Peer, ports: number, flags: number, data: Uint8Array, timeoutMs: number): OutMsg {
    const core = this.core;
    const om = new OutMsg(peer, ports, flags, data);
    core.requests.add(om);
    // No closure or field per message: Core.abort asks this sender (core.msgUndo) to undo it.
    if (timeoutMs !== Infinity) this.startTimer(om, timeoutMs);
    core.counters.msgSent++;
    return om;
  }

  /** The send endpoint `st` is going: its messages to `peer` end with MCAPI_ERR_ENDP_INVALID. */
  dropFrom(peer: Peer, st: EndpointState): void {
    const mine = [...peer.queue, ...peer.out].filter((om) => om.ports >>> 16 === st.port && (om.flags & OutFlag.ZOMBIE) === 0);
    for (const om of mine) {
      this.abandon(om);
      this.core.requests.fail(om, Status.MCAPI_ERR_ENDP_INVALID, 'send endpoint deleted');
    }
    if (mine.length > 0) this.sweepZombies(peer);
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
    for (const om of [...peer.out]) {
      if ((om.flags & OutFlag.ZOMBIE) !== 0 && om.flags >>> OutFlag.EPOCH_SHIFT !== (epoch & 0xffff)) {
        this.forget(om);
        swept = true;
      }
    }
    if (swept) this.pump(peer);
  }

  /** True when a new sequence number stays within MSG_WINDOW of the oldest outstanding one. */
  private windowOpen(peer: Peer): boolean {
    const out = peer.out;
    if (out.length === 0) return true;
    const oldest = ((out[0]!.flags >>> OutFlag.SEQ_SHIFT) & 0xff);
    return ((peer.nextSeq - oldest) & 0xff) < MSG_WINDOW;
  }

  /**
   * Transmit queued messages while the windows and the outbox allow. A message whose endpoint
   * window is full waits without holding back messages to other endpoints (order only matters
   * per destination endpoint).
   */
  pump(peer: Peer): void {
    const epoch = this.core.net.epoch;
    // Nothing queued and no sweep due: nothing to do (after every answer; no loop set up).
    if (peer.queue.length === 0 && peer.sweptEpoch === epoch) return;
    if (peer.sweptEpoch !== epoch) this.sweepZombies(peer);
    let i = 0;
    while (i < peer.queue.length && peer.retryTimer < 0 && this.windowOpen(peer)) {
      const om = peer.queue[i]!; // i < peer.queue.length
      // Fewer than MSG_PORT_WINDOW transmitted in all: no port's window can be full (the
      // usual case, decided without counting).
      if (peer.out.length >= MSG_PORT_WINDOW && MessageSender.sentTo(peer, om.ports & 0xffff) >= MSG_PORT_WINDOW) {
        i++;
        continue;
      }
      if (!this.transmit(om, peer.nextSeq)) {
        this.retryLater(peer);
        return;
      }
      if (i === 0) peer.queue.shift();
      else peer.queue.splice(i, 1);
      this.sent(peer, om);
    }
  }

  /** `om` went out with the peer's next sequence number: it is outstanding now. */
  private sent(peer: Peer, om: OutMsg): void {
    const seq = peer.nextSeq;
    const out = peer.out;
    // windowOpen keeps every outstanding number within MSG_WINDOW below seq; the newest is checked.
    if (out.length > 0 && ((out[out.length - 1]!.flags >>> OutFlag.SEQ_SHIFT) & 0xff) === seq) throw new InvariantError('mcapi: a sequence number was reused while outstanding');
    // The net's epoch is 0..65535 (NetLayer.epoch): 16 bits, exact (compared masked alike).
    om.flags = (om.flags & OutFlag.BELOW_SEQ) | (seq << OutFlag.SEQ_SHIFT) | ((this.core.net.epoch & 0xffff) << OutFlag.EPOCH_SHIFT);
    peer.nextSeq = (seq + 1) & 0xff;
    out.push(om);
  }

  /**
   * Transmitted, unfinished messages to `port` (at most MSG_PORT_WINDOW): counted, not kept
   * in a Map per peer (4 XS slots, and 3 per port in use; docs/FOOTPRINT.md "Round 12:
   * conformance slots").
   */
  private static sentTo(peer: Peer, port: number): number {
    const out = peer.out;
    let n = 0;
    for (let i = 0; i < out.length; i++) if ((out[i]!.ports & 0xffff) === port) n++;
    return n;
  }

  private retryLater(peer: Peer): void {
    if (peer.retryTimer >= 0) return;
    peer.retryTimer = this.core.setTimer(this.core.limits.retryMs, () => {
      peer.retryTimer = -1;
      const ports = peer.resendPorts;
      peer.resendPorts = null;
      if (ports !== null) for (const port of ports) this.resume(peer, port);
      this.pump(peer);
    });
  }

  /** Send one MSG frame for the queued or refused message `om` with sequence number `seq`; false when refused. */
  private transmit(om: OutMsg, seq: number): boolean {
    const flags = om.flags;
    // The invariant's test without assert's call (every message).
    if ((flags & OutFlag.STATE) === OutState.INFLIGHT) throw new InvariantError('mcapi: a message in flight was transmitted again');
    // A pending send's result field holds its data (OutMsg).
    if (!this.frame(om.peer, om.ports, flags, om._out as Uint8Array, seq)) return false;
    // INFLIGHT is state 0: clearing the state bits sets it.
    om.flags &= ~OutFlag.STATE;
    return true;
  }

  /**
   * Build and send the MSG frame of a message from port `ports >>> 16` to `peer`'s port
   * `ports & 0xffff` (flags: OutFlag's priority and BLOCK) with sequence number `seq`, the
   * responses owed to `peer` riding on it where they fit; false when refused.
   */
  private frame(peer: Peer, ports: number, flags: number, data: Uint8Array, seq: number): boolean {
    const core = this.core;
    const n = data.length;
    // Core.beforeData's first test written out: no call when no channel owes a credit.
    if ((core.flushWant & Core.FLUSH_CREDITS) !== 0) core.beforeData(peer.node, true);
    let ack1 = -1;
    let piggy = 0;
    if (peer.respLen > 0) {
      if (core.outbox.length !== 0) {
        this.responses.flushPeer(peer);
      } else if (peer.respLen === Responses.ENTRY && peer.resp[0] === Resp.ACK && peer.resp[2] === 1) {
        ack1 = peer.resp[1]!;
      } else if (MessageSender.PIGGY_HEAD_BUDGET + peer.respLen + n <= core.limits.maxFramePayload) {
        piggy = peer.respLen;
      } else {
        this.responses.flushPeer(peer);
      }
    }
    // The MSG header alone: the net writes it into the frame before the data (Net.send's head),
    // so the data is copied once, by the net, and not first into a payload of MCAPI's own.
    const p = new Uint8Array(MessageSender.HEAD + (ack1 >= 0 ? 1 : 0) + (piggy > 0 ? 1 + piggy : 0));
    p[0] = ((flags >>> OutFlag.PRIO_SHIFT) & 7) | ((flags & OutFlag.BLOCK) !== 0 ? MsgFlag.BLOCK : 0) | (ack1 >= 0 ? MsgFlag.ACK1 : 0) | (piggy > 0 ? MsgFlag.PIGGYBACK : 0);
    p[1] = seq;
    let off = MessageSender.HEAD;
    if (ack1 >= 0) p[off++] = ack1;
    if (piggy > 0) {
      p[off] = piggy;
      p.set(peer.resp.subarray(0, piggy), off + 1);
    }
    if (!core.txHead(McapiFrame.MSG, peer.node, ports >>> 16, ports & 0xffff, p, data, true)) return false;
    if (ack1 >= 0 || piggy > 0) {
      this.responses.taken(peer);
      core.counters.piggybacked++;
    }
    return true;
  }

  /**
   * The network gave up on `node` (it restarted, or acknowledged nothing for the net's
   * e2eGiveUpMs; docs/PROTOCOL.md §8): every send to it that is not complete ends with
   * MCAPI_ERR_TRANSMISSION — its delivery cannot be confirmed — instead of waiting forever.
   */
  unreachable(node: number): void {
    const peer = this.peers.get(node);
    if (peer === undefined) return;
    const why = `node ${String(node)} is unreachable: the network could not confirm delivery`;
    for (const om of [...peer.queue, ...peer.out]) {
      if ((om.flags & OutFlag.ZOMBIE) !== 0) this.forget(om);
      else this.finish(om, Status.MCAPI_ERR_TRANSMISSION, why);
    }
  }

  /** Complete a message's request and forget it. */
  private finish(om: OutMsg, status: StatusCode, detail?: string): void {
    const core = this.core;
    const peer = om.peer;
    this.forget(om);
    if (status === Status.MCAPI_SUCCESS) {
      core.counters.msgDelivered++;
      const n = (om._out as Uint8Array).length;
      core.requests.succeed(om, n, n);
    } else {
      core.requests.fail(om, status, detail);
    }
    // pump's own first test, without the call when there is nothing to do (every answer).
    if (peer.queue.length !== 0 || peer.sweptEpoch !== core.net.epoch) this.pump(peer);
  }

  private forget(om: OutMsg): void {
    const peer = om.peer;
    if ((om.flags & OutFlag.STATE) === OutState.QUEUED) {
      const i = peer.queue.indexOf(om);
      if (i >= 0) peer.queue.splice(i, 1);
    } else {
      const out = peer.out;
      // Mostly the oldest (answers come in sending order): a shift, without a search.
      if (out[0] === om) {
        out.shift();
      } else {
        const i = out.indexOf(om);
        if (i >= 0) out.splice(i, 1);
      }
    }
    // Most messages have no TIMEOUT timer: no call then.
    if (this.timers !== null) this.stopTimer(om);
  }

  /** `om`'s TIMEOUT timer (its send endpoint has one). */
  private startTimer(om: OutMsg, ms: number): void {
    (this.timers ??= new Map()).set(om, this.core.setTimer(ms, () => this.expire(om)));
  }

  /** `om`'s TIMEOUT timer, if it has one, is cleared and forgotten. */
  private stopTimer(om: OutMsg): void {
    const timers = this.timers;
    if (timers === null) return;
    const t = timers.get(om);
    if (t === undefined) return;
    this.core.clearTimer(t);
    this.dropTimer(timers, om);
  }

  private dropTimer(timers: Map<OutMsg, number>, om: OutMsg): void {
    timers.delete(om);
    if (timers.size === 0) this.timers = null;
  }

  /** The TIMEOUT attribute ran out: give up unless a response is on its way. */
  private expire(om: OutMsg): void {
    if (this.timers !== null) this.dropTimer(this.timers, om);
    om.flags |= OutFlag.EXPIRED;
    const state = om.flags & OutFlag.STATE;
    if (state === OutState.INFLIGHT) return;
    if (state === OutState.REJECTED && (om.flags & OutFlag.BLOCK) !== 0) this.withdraw(om);
    this.finish(om, Status.MCAPI_TIMEOUT, 'the receiver had no room within the send endpoint TIMEOUT');
  }

  /**
   * Cancel. A queued message is simply dropped. A refused one is withdrawn. One in flight may
   * still be delivered (MCAPI cannot recall it); it is withdrawn in case it gets refused, and
   * kept as a zombie until its response arrives so its sequence number is not reused early.
   */
  /** A cancelled send (Core.abort): the request is the OutMsg. */
  undo(req: Request<unknown>): void {
    this.abandon(req as OutMsg);
  }

  private abandon(om: OutMsg): void {
    const peer = om.peer;
    if ((om.flags & OutFlag.ZOMBIE) !== 0) return;
    // A message of an older epoch was sent to an endpoint of a rolled-back run (deleted with
    // it), or to a board that is gone: nothing there to withdraw from.
    const withdraw = (om.flags & OutFlag.BLOCK) !== 0 && om.flags >>> OutFlag.EPOCH_SHIFT === (this.core.net.epoch & 0xffff);
    const state = om.flags & OutFlag.STATE;
    if (state === OutState.INFLIGHT) {
      om.flags |= OutFlag.ZOMBIE;
      if (withdraw) this.withdraw(om);
      this.stopTimer(om);
      return;
    }
    if (state === OutState.REJECTED && withdraw) this.withdraw(om);
    this.forget(om);
    this.pump(peer);
  }

  private withdraw(om: OutMsg): void {
    const p = new Uint8Array(MessageSender.HEAD);
    p[0] = MsgFlag.WITHDRAW | ((om.flags >>> OutFlag.PRIO_SHIFT) & 7);
    p[1] = ((om.flags >>> OutFlag.SEQ_SHIFT) & 0xff);
    this.core.tx(McapiFrame.MSG, om.peer.node, om.ports >>> 16, om.ports & 0xffff, p, false);
  }

  /** A MSG_RESP frame: response entries only. */
  onResp(f: NetFrame): void {
    this.onResponses(f.src, f.payload, 0, f.payload.length);
  }

  /**
   * Response entries from `node` in p[start..end): each acknowledges, refuses or resumes.
   * A trailing partial entry or an unknown code is counted malformed; the entries before it
   * stand (they were well-formed and already acted upon).
   */
  onResponses(node: number, p: Uint8Array, start: number, end: number): void {
    const peer = this.peers.get(node);
    let off = start;
    while (off + Responses.ENTRY <= end) {
      // off + 2 < end <= p.length: the three bytes exist.
      const t = p[off];
      const a = p[off + 1]!;
      const b = p[off + 2]!;
      if (t === Resp.ACK) {
        if (peer !== undefined) for (let i = 0; i < b; i++) this.acked(peer, (a + i) & 0xff);
      } else if (t === Resp.NACK) {
        const om = peer === undefined ? undefined : peer.sent(a);
        const state = om === undefined ? -1 : om.flags & OutFlag.STATE;
        if (om !== undefined && state === OutState.INFLIGHT) {
          if ((om.flags & OutFlag.ZOMBIE) !== 0) this.forget(om);
          else this.nacked(om, b);
        } else if (om !== undefined && state === OutState.REJECTED && b === Nack.NO_ENDPOINT) {
          // A refused message whose endpoint was deleted while it waited for room.
          this.finish(om, MessageSender.nackStatus(b), 'the receive endpoint was deleted while the message waited for room');
        }
      } else if (t === Resp.RESUME) {
        if (peer !== undefined) this.resume(peer, (a << 8) | b);
      } else {
        break;
      }
      off += Responses.ENTRY;
    }
    if (off !== end) this.core.counters.malformed++;
    if (peer !== undefined) this.pump(peer);
  }

  /** Message `seq` to `peer` was queued by the receiver. */
  acked(peer: Peer, seq: number): void {
    // The oldest first, inline (answers come in sending order), else the search.
    const first = peer.out[0];
    const om = first !== undefined && ((first.flags >>> OutFlag.SEQ_SHIFT) & 0xff) === seq ? first : peer.sent(seq);
    if (om === undefined || (om.flags & OutFlag.STATE) !== OutState.INFLIGHT) return;
    if ((om.flags & OutFlag.ZOMBIE) !== 0) this.forget(om);
    else this.finish(om, Status.MCAPI_SUCCESS);
  }

  private nacked(om: OutMsg, reason: number): void {
    if (reason === Nack.FULL || reason === Nack.ORDER) {
      this.core.counters.msgRejected++;
      if ((om.flags & OutFlag.BLOCK) === 0) {
        this.finish(om, Status.MCAPI_ERR_MEM_LIMIT, 'the receiver has no room (fail-on-limit policy)');
      } else if ((om.flags & OutFlag.EXPIRED) !== 0) {
        this.withdraw(om);
        this.finish(om, Status.MCAPI_TIMEOUT, 'the receiver had no room within the send endpoint TIMEOUT');
      } else {
        om.flags = (om.flags & ~OutFlag.STATE) | OutState.REJECTED;
      }
      return;
    }
    this.finish(om, MessageSender.nackStatus(reason), MessageSender.nackWhy(reason));
  }

  /** The receiver has room on `port`: resend what it refused there, oldest first. */
  private resume(peer: Peer, port: number): void {
    for (const om of peer.out) {
      if ((om.ports & 0xffff) !== port || (om.flags & (OutFlag.STATE | OutFlag.ZOMBIE)) !== OutState.REJECTED) continue;
      if (peer.retryTimer >= 0 || !this.transmit(om, ((om.flags >>> OutFlag.SEQ_SHIFT) & 0xff))) {
        const ports = peer.resendPorts ?? new Set<number>();
        ports.add(port);
        peer.resendPorts = ports;
        this.retryLater(peer);
        return;
      }
      this.core.counters.msgRetransmits++;
    }
  }

  private static nackStatus(reason: number): StatusCode {
    switch (reason) {
      case Nack.NO_ENDPOINT: return Status.MCAPI_ERR_ENDP_INVALID;
      case Nack.CHAN_CONNECTED: return Status.MCAPI_ERR_CHAN_CONNECTED;
      case Nack.SIZE: return Status.MCAPI_ERR_MSG_SIZE;
      case Nack.PRIORITY: return Status.MCAPI_ERR_PRIORITY;
      default: return Status.MCAPI_ERR_MEM_LIMIT;
    }
  }

  private static nackWhy(reason: number): string {
    switch (reason) {
      case Nack.NO_ENDPOINT: return 'no such endpoint on the receiving node';
      case Nack.CHAN_CONNECTED: return 'receive endpoint is connected to a channel';
      case Nack.SIZE: return "message exceeds the receive endpoint's MAX_PAYLOAD_SIZE";
      case Nack.OVERFLOW: return 'the receiver remembers too many refused messages from this node';
      case Nack.PRIORITY: return 'priority not supported by the receiving node';
      default: return `refused (reason ${String(reason)})`;
    }
  }
}
