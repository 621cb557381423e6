/**
 * The receiving half of messages (messages.ts explains the protocol): the application's
 * receives, MSG frames in (queued, handed to a waiting receive, or refused), the ordered lists
 * of refused sequence numbers per (sender node, endpoint) that keep a refused message from
 * being overtaken, and RESUME when an endpoint has room again.
 */
import { assert, InvariantError } from '../util/assert.js';
import { NATIVE_COPY_MIN } from '../util/native-copy.js';
import { copyInto } from '../util/wide-copy.js';
import type { NetFrame } from '../net/net.js';
import type { Core } from './core.js';
import { MalformedFrame } from './frames.js';
import { Peer } from './msg-peer.js';
import type { Blocked } from './msg-peer.js';
import type { Responses } from './msg-responses.js';
import type { MessageSender } from './msg-sender.js';
import { Request } from './request.js';
import type { EndpointState, MsgRecvWait } from './state.js';
import { McapiError, Status } from './status.js';
import { MSG_PORT_WINDOW, MsgFlag, Nack, Resp } from './wire.js';

export class MessageReceiver {
  /** Sequence numbers held in all Blocked lists (0: nothing to check on dequeue). */
  blockedTotal = 0;

  constructor(
    private readonly core: Core,
    private readonly peers: Map<number, Peer>,
    private readonly responses: Responses,
    private readonly sender: MessageSender,
  ) {}

  // ---------------------------------------------------------------- application calls

  recvI(st: EndpointState, buf: Uint8Array): Request<number> {
    if (st.chan !== undefined || st.connecting !== undefined) {
      throw new McapiError(Status.MCAPI_ERR_CHAN_CONNECTED, 'endpoint is connected to a channel');
    }
    return this.post(st, buf, this.core.requests.alloc<number>(Request.KIND.MSG_RECV));
  }

  /**
   * A receive on a checked endpoint, as `req` (a new 'msg-recv' request, or one reused:
   * RequestTable.reuse): completes at once when a message is queued. `buf` null (the runtime's
   * own users, McapiNode.msgRecvC): the request's value is the message's view, not copied.
   */
  post(st: EndpointState, buf: Uint8Array | null, req: Request<number>): Request<number> {
    const core = this.core;
    const m = st.queued > 0 ? st.peek() : null;
    if (m !== null) {
      if (buf === null) {
        const n = this.take(st, null).length;
        core.requests.succeed(req as Request<unknown>, m, n);
      } else if (buf.length >= m.length) {
        const n = this.take(st, buf).length;
        core.requests.succeed(req, n, n);
      } else {
        core.requests.fail(req, Status.MCAPI_ERR_MSG_TRUNCATED, `message of ${String(m.length)} bytes, buffer of ${String(buf.length)}`, m.length);
      }
      return req;
    }
    // No closure or record per waiting receive (32 of them fill the request table): the
    // request waits in the endpoint's list with the buffer (or null: a view) in its result
    // field, and the endpoint undoes the wait (Core.abort, seeing no `_cancel` on a receive,
    // asks the endpoints: no field for it, Round 13b).
    req._out = buf;
    // Not `(st.recvWaiters ??= []).push(req)`: typescript-to-lua emits that as a field call.
    const ws = st.recvWaiters ?? [];
    ws.push(req);
    st.recvWaiters = ws;
    if (this.blockedTotal !== 0) this.maybeResume(st);
    return req;
  }


  /**
   * A blocking receive's first step: the size when a message is queued (taken at once), else
   * -1 (the caller then posts a receive with `post`). MCAPI_ERR_MSG_TRUNCATED leaves the
   * message queued (err.size is its size). No result object per call.
   */
  recvNow(st: EndpointState, buf: Uint8Array): number {
    if (st.chan !== undefined || st.connecting !== undefined) {
      throw new McapiError(Status.MCAPI_ERR_CHAN_CONNECTED, 'endpoint is connected to a channel');
    }
    const m = st.queued > 0 ? st.peek() : null;
    if (m === null) return -1;
    if (buf.length < m.length) {
      const e = new McapiError(Status.MCAPI_ERR_MSG_TRUNCATED, `message of ${String(m.length)} bytes, buffer of ${String(buf.length)}`);
      e.size = m.length;
      throw e;
    }
    return this.take(st, buf).length;
  }

  /** Take the head message of `st` into `buf` (null: not copied); returns the message. */
  private take(st: EndpointState, buf: Uint8Array | null): Uint8Array {
    const m = st.shift();
    const core = this.core;
    const n = m.length;
    // copyBytes' rule written out (as in MessageSender.transmit): short messages pay one comparison.
    if (buf !== null) {
      if (n < NATIVE_COPY_MIN || core.copy === undefined) copyInto(buf, 0, m);
      else core.copy(m, 0, n, buf, 0);
    }
    const msgs = --core.queuedMsgs;
    const bytes = (core.queuedBytes -= n);
    if (msgs < 0 || bytes < 0 || st.queuedBytes < 0) throw new InvariantError('mcapi: message queue counts went negative');
    core.counters.msgReceived++;
    // The node's message memory is shared: room freed here may be what another endpoint's
    // refused senders wait for.
    if (this.blockedTotal !== 0) this.resumeAll();
    return m;
  }

  /** An endpoint is going away: its queue and receives go first (MessageEngine.endpointDeleted). */
  dropQueue(st: EndpointState): void {
    const core = this.core;
    core.queuedMsgs -= st.queued;
    core.queuedBytes -= st.queuedBytes;
    if (st.queue !== undefined) st.queue.length = 0;
    st.queued = 0;
    st.queuedBytes = 0;
    const ws = st.recvWaiters;
    if (ws === undefined) return;
    for (const w of ws.splice(0)) core.requests.fail(w, Status.MCAPI_ERR_ENDP_INVALID, 'endpoint deleted');
  }

  /** The senders of messages refused on `port` wait for a RESUME that will never come: end them. */
  dropBlocked(peer: Peer, port: number): void {
    const b = peer.blocked === null ? undefined : peer.blocked.get(port);
    if (b === undefined) return;
    for (const seq of b.list) this.responses.respond(peer, Resp.NACK, seq, Nack.NO_ENDPOINT);
    this.blockedTotal -= b.list.length;
    peer.blocked!.delete(port);
  }

  // ---------------------------------------------------------------- frames

  onMsg(f: NetFrame): void {
    const core = this.core;
    const p = f.payload;
    const flags = p.length >= 2 ? p[0]! : MsgFlag.RESERVED;
    // Inline rather than MalformedFrame.check(): this runs for every message.
    if ((flags & MsgFlag.RESERVED) !== 0) throw new MalformedFrame('mcapi: MSG too short or with the reserved flag');
    const seq = p[1]!;
    let off = 2;
    // One lookup per message (the peer is made on first use; every MSG needs it below).
    let peer = this.peers.get(f.src);
    if (peer === undefined) peer = Peer.of(this.peers, f.src);
    if ((flags & MsgFlag.ACK1) !== 0) {
      if (p.length < 3) throw new MalformedFrame('mcapi: MSG without its ACK1 byte');
      this.sender.acked(peer, p[2]!);
      off = 3;
    }
    if ((flags & MsgFlag.PIGGYBACK) !== 0) {
      const len = p[off];
      MalformedFrame.check(len !== undefined && off + 1 + len <= p.length, 'mcapi: MSG piggyback section past its end');
      const end = off + 1 + len;
      this.sender.onResponses(f.src, p, off + 1, end);
      off = end;
    } else if ((flags & MsgFlag.ACK1) !== 0 && (peer.queue.length !== 0 || peer.sweptEpoch !== core.net.epoch)) {
      // pump's own first test written out: an answered message already pumped (finish).
      this.sender.pump(peer);
    }
    const port = f.dstPort;
    if ((flags & MsgFlag.WITHDRAW) !== 0) {
      MalformedFrame.check(off === p.length, 'mcapi: MSG WITHDRAW with data');
      this.withdrawn(peer, port, seq);
      return;
    }
    const st = core.endpoints.get(port);
    const block = (flags & MsgFlag.BLOCK) !== 0;
    const prio = flags & MsgFlag.PRIORITY_MASK;
    const n = p.length - off;
    const r = this.responses;
    if (st === undefined) return r.respond(peer, Resp.NACK, seq, Nack.NO_ENDPOINT);
    if (st.chan !== undefined || st.connecting !== undefined) return r.respond(peer, Resp.NACK, seq, Nack.CHAN_CONNECTED);
    if (n > st.attrs.maxPayload) return r.respond(peer, Resp.NACK, seq, Nack.SIZE);
    if (prio >= core.limits.priorities) return r.respond(peer, Resp.NACK, seq, Nack.PRIORITY);
    let b = peer.blocked === null ? undefined : peer.blocked.get(port);
    if (b !== undefined && b.list[0] !== seq) {
      if (!block) return r.respond(peer, Resp.NACK, seq, Nack.FULL);
      if (b.list.indexOf(seq) < 0) {
        if (b.list.length >= MSG_PORT_WINDOW || this.blockedTotal >= core.limits.maxBlocked) {
          return r.respond(peer, Resp.NACK, seq, Nack.OVERFLOW);
        }
        b.list.push(seq);
        this.blockedTotal++;
      }
      b.armed = true;
      r.respond(peer, Resp.NACK, seq, Nack.ORDER);
      this.maybeResume(st);
      return;
    }
    if (this.deliver(st, prio, p.subarray(off))) {
      if (b !== undefined) {
        b.list.shift();
        this.blockedTotal--;
        assert(this.blockedTotal >= 0, 'mcapi: refused-message count went negative');
        if (b.list.length === 0) peer.blocked!.delete(port);
      }
      r.respond(peer, Resp.ACK, seq, 1, st.attrs.ackDelayMs);
      if (b !== undefined && b.list.length > 0) this.maybeResume(st);
      return;
    }
    if (block) {
      if (b === undefined) {
        if (this.blockedTotal >= core.limits.maxBlocked) return r.respond(peer, Resp.NACK, seq, Nack.OVERFLOW);
        b = { list: [seq], armed: true };
        // Not `(peer.blocked ??= new Map()).set(...)`: typescript-to-lua emits that as a field call.
        const blocked = peer.blocked ?? new Map<number, Blocked>();
        blocked.set(port, b);
        peer.blocked = blocked;
        this.blockedTotal++;
      } else {
        b.armed = true;
      }
    }
    r.respond(peer, Resp.NACK, seq, Nack.FULL);
  }

  private deliver(st: EndpointState, prio: number, data: Uint8Array): boolean {
    const core = this.core;
    const ws = st.recvWaiters;
    const w = ws === undefined ? undefined : ws[0];
    if (w !== undefined && st.queued === 0) {
      // The waiting receive's buffer, or null: the runtime's own user takes the view (post).
      const buf = w._out as Uint8Array | null;
      const n = data.length;
      if (buf === null) {
        ws!.shift(); // w came from it
        core.counters.msgReceived++;
        core.requests.succeed(w as Request<unknown>, data, n);
        return true;
      }
      if (buf.length >= n) {
        ws!.shift();
        if (n < NATIVE_COPY_MIN || core.copy === undefined) copyInto(buf, 0, data);
        else core.copy(data, 0, n, buf, 0);
        core.counters.msgReceived++;
        core.requests.succeed(w, n, n);
        return true;
      }
    }
    const l = core.limits;
    if (!(st.queued < st.attrs.recvBuffers && core.queuedMsgs < l.maxQueuedMessages && core.queuedBytes + data.length <= l.maxQueuedBytes)) return false;
    // The Net hands over the payload for keeps (docs/PROTOCOL.md, "What the layers above get").
    st.enqueue(data, prio);
    st.queued++;
    st.queuedBytes += data.length;
    core.queuedMsgs++;
    core.queuedBytes += data.length;
    if (ws !== undefined && ws.length > 0) this.serveWaiters(ws, st);
    return true;
  }

  /** Hand queued messages to waiting receives; a too-small buffer fails with TRUNCATED. */
  private serveWaiters(ws: MsgRecvWait[], st: EndpointState): void {
    const core = this.core;
    for (;;) {
      const w = ws[0];
      if (w === undefined || st.queued === 0) return;
      const m = st.peek()!; // queued > 0
      ws.shift();
      const buf = w._out as Uint8Array | null;
      if (buf === null) {
        core.requests.succeed(w as Request<unknown>, this.take(st, null), m.length);
      } else if (buf.length >= m.length) {
        const n = this.take(st, buf).length;
        core.requests.succeed(w, n, n);
      } else {
        core.requests.fail(w, Status.MCAPI_ERR_MSG_TRUNCATED, `message of ${String(m.length)} bytes, buffer of ${String(buf.length)}`, m.length);
      }
    }
  }

  private withdrawn(peer: Peer, port: number, seq: number): void {
    const b = peer.blocked === null ? undefined : peer.blocked.get(port);
    if (b === undefined) return;
    const i = b.list.indexOf(seq);
    if (i < 0) return;
    b.list.splice(i, 1);
    this.blockedTotal--;
    assert(this.blockedTotal >= 0, 'mcapi: refused-message count went negative');
    if (b.list.length === 0) {
      peer.blocked!.delete(port);
      return;
    }
    const st = this.core.endpoints.get(port);
    if (st !== undefined) this.maybeResume(st);
  }

  /** After node-wide message memory was freed: resume every endpoint that has room now. */
  resumeAll(): void {
    if (this.blockedTotal === 0) return;
    const ports = new Set<number>();
    for (const peer of this.peers.values()) {
      if (peer.blocked !== null) for (const [port, b] of peer.blocked) if (b.armed) ports.add(port);
    }
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
    const ws = st.recvWaiters;
    const room = (ws !== undefined && ws.length > 0)
      || (st.queued < st.attrs.recvBuffers && core.queuedMsgs < l.maxQueuedMessages && core.queuedBytes < l.maxQueuedBytes);
    if (!room) return;
    for (const peer of this.peers.values()) {
      const b = peer.blocked === null ? undefined : peer.blocked.get(st.port);
      if (b !== undefined && b.armed) {
        b.armed = false;
        this.responses.respond(peer, Resp.RESUME, st.port, 0);
      }
    }
  }
}
