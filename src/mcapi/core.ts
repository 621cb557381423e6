/**
 * What the MCAPI engines share: the Net and Clock, the endpoint table, the request table,
 * counters, and frame transmission with a loopback for frames to the node itself and a
 * bounded outbox for frames the network refuses for a moment.
 *
 * Every timer goes through setTimer here so finalize can clear them all. Frames to this very
 * node go through a zero-delay timer rather than a direct call, so no handler ever runs inside
 * an application call (the same rule the Hal gives its callbacks).
 */
import { assert } from '../util/assert.js';
import { nonZeroNext } from '../util/next-id.js';
import { BROADCAST_NODE, NODE_ID_MAX } from '../wire/ids.js';
import { SPLICE_MIN, bufferConcat, ownBuffer } from '../wire/bytes.js';
import type { Clock, Hal } from '../hal.js';
import type { NativeCopy } from '../util/native-copy.js';
import type { Net, NetFrame } from '../net/net.js';
import { MalformedFrame } from './frames.js';
import { DEFAULT_LIMITS } from './limits.js';
import type { McapiLimits } from './limits.js';
import { Request, RequestTable } from './request.js';
import type { Undo } from './request.js';
import { TimedWait, WaitAny } from './timed-wait.js';
import type { EndpointAttrs, EndpointState } from './state.js';
import { McapiError, Status } from './status.js';
import type { StatusCode } from './status.js';

export interface McapiCounters {
  framesOut: number;
  framesIn: number;
  bytesOut: number;
  bytesIn: number;
  msgSent: number;
  msgDelivered: number;
  msgReceived: number;
  msgRejected: number;
  msgRetransmits: number;
  respFrames: number;
  piggybacked: number;
  pktSent: number;
  pktReceived: number;
  sclSent: number;
  sclReceived: number;
  creditFrames: number;
  /** Credit entries that rode on a packet (PKT_CR) instead of a CREDIT frame of their own. */
  creditsRidden: number;
  /** Frames malformed at the MCAPI layer (too short, bad field, protocol violation); dropped. */
  malformed: number;
  /** Well-formed frames with nowhere to go (unknown endpoint or channel, node not initialized), or outgoing ones of an older epoch. */
  dropped: number;
  /** Message data frames refused because the outbox was full (the message is retried). */
  txRefused: number;
  /**
   * Always 0, kept so the stats keep their fields: the frame handler catches only decode
   * errors (counted in `malformed`); any other exception is a bug and propagates.
   */
  handlerErrors: number;
}

interface OutFrame {
  frame: Omit<NetFrame, 'src' | 'epoch'>;
  data: boolean;
  /** The membership epoch it was sent in: sent later, it would carry the newer one. */
  epoch: number;
}

/** What a Core calls on the node it serves (McapiNodeBase implements it). */
export interface CoreHost {
  /** Route one MCAPI frame to its engine. */
  dispatchFrame(f: NetFrame): void;
  /** Send whatever responses and credits the engines batched. */
  flushAll(): void;
  /** Send what is batched for `dst` before a data frame to it (Core.beforeData). */
  flushBeforeData(dst: number, msg: boolean): void;
}

/** The endpoint attributes every endpoint of a node with `limits` starts with, frozen. */
function endpointDefaultsOf(limits: Readonly<McapiLimits>): Readonly<EndpointAttrs> {
  return Object.freeze({
    maxPayload: limits.maxPayload,
    priority: 0,
    recvBuffers: limits.defaultRecvBuffers,
    timeoutMs: limits.defaultTimeoutMs,
    failOnLimit: limits.fullPolicy === 'fail',
    ackDelayMs: 0,
  });
}

/** Those of a node at the default limits (every board's): module-level, in flash on a preloaded firmware. */
const DEFAULT_ENDPOINT_ATTRS = endpointDefaultsOf(DEFAULT_LIMITS);

/**
 * What every core's reused frame record holds between sends (not the application's last
 * buffer): empty and frozen, so nothing can be written into it; module-level, so in flash on a preloaded
 * firmware, where one per core was ~5 XS slots (docs/FOOTPRINT.md "Round 22: the resident set").
 */
const NO_PAYLOAD: Uint8Array = Object.freeze(new Uint8Array(0));

/** The end-of-turn flush timer of every core: one module-level function, the core as its argument. */
function onFlushTimer(core: Core): void {
  core.flushTimerFired();
}

export class Core {
  /** Who asked for the end-of-turn flush (requestFlush / dropFlush). */
  static readonly FLUSH_RESPONSES = 1;
  static readonly FLUSH_CREDITS = 2;
  static newCounters(): McapiCounters {
    return {
      framesOut: 0, framesIn: 0, bytesOut: 0, bytesIn: 0,
      msgSent: 0, msgDelivered: 0, msgReceived: 0, msgRejected: 0, msgRetransmits: 0,
      respFrames: 0, piggybacked: 0,
      pktSent: 0, pktReceived: 0, sclSent: 0, sclReceived: 0, creditFrames: 0, creditsRidden: 0,
      malformed: 0, dropped: 0, txRefused: 0, handlerErrors: 0,
    };
  }

  readonly net: Net;
  readonly clock: Clock;
  /**
   * The board's native copy (`Hal.bytes.copy`) when it has one: message payloads of
   * NATIVE_COPY_MIN bytes and more move through it (copyBytes) instead of a JS copy XS meters
   * per byte. One field here, not one per message or peer.
   */
  readonly copy: NativeCopy | undefined;
  readonly limits: Readonly<McapiLimits>;
  /** The attributes every endpoint shares until one of its own is set (EndpointAttrs), frozen. */
  readonly endpointDefaults: Readonly<EndpointAttrs>;
  readonly requests: RequestTable;
  readonly endpoints = new Map<number, EndpointState>();
  readonly counters: McapiCounters = Core.newCounters();
  domain = -1;
  node = -1;
  initialized = false;
  /** Messages and bytes queued on all local endpoints. */
  queuedMsgs = 0;
  queuedBytes = 0;
  /** Bytes reserved by open channel receivers. */
  channelBytes = 0;
  /** Why the last malformed frame was dropped ('' if none). */
  lastHandlerError = '';
  /**
   * @internal Undoes a cancelled message send (the MessageSender sets itself here): an OutMsg
   * has no `_cancel` field of its own, an XS slot of every message in flight (abort).
   */
  msgUndo: Undo | null = null;
  /**
   * The node this core serves (McapiNodeBase): it routes frames to its engines and flushes
   * their batches. One host object instead of three closures set by the node (~15 XS slots
   * each, docs/FOOTPRINT.md "Round 9: conformance slots").
   */
  private readonly host: CoreHost;
  private readonly txFrame: Omit<NetFrame, 'src' | 'epoch'> = { type: 0, dst: 0, srcPort: 0, dstPort: 0, payload: NO_PAYLOAD };
  private readonly timers = new Set<number>();
  private endpointGen = 0;
  private loop: NetFrame[] = [];
  private loopTimer = -1;
  /** @internal Frames the network refused for a moment, in order (read by MessageSender.transmit: empty is the usual case). */
  readonly outbox: OutFrame[] = [];
  private outboxData = 0;
  /** Frames in the outbox per destination, made with the first refused frame (non-null while the outbox holds any). */
  private outboxPerDst: Map<number, number> | null = null;
  private outboxTimer = -1;
  private flushTimer = -1;
  /**
   * @internal Who batched something for the end-of-turn flush (Core.FLUSH_RESPONSES |
   * Core.FLUSH_CREDITS). FLUSH_CREDITS is set whenever a channel owes a credit (Credits.owe
   * asks for the flush with every first credit owed, and drops it only when none is left), so
   * a clear bit means no credit to send before a data frame (beforeData).
   */
  flushWant = 0;
  /**
   * @internal Peers whose batched acceptances wait for a delay (Responses: a `respTimer` armed or
   * deferred). Responses batched otherwise wait for the end of the turn, with FLUSH_RESPONSES
   * set: with FLUSH_CREDITS and FLUSH_RESPONSES clear and this 0, nothing goes before a
   * channel frame (beforeData), and a packet's send pays no call for it.
   */
  respDelayed = 0;

  constructor(net: Net, clock: Clock & Pick<Hal, 'bytes'>, limits: Readonly<McapiLimits>, host: CoreHost) {
    this.net = net;
    this.clock = clock;
    this.copy = clock.bytes?.copy;
    this.limits = limits;
    // At the default limits the module-level record: a copy per node was 7 XS slots (Round 14).
    this.endpointDefaults = limits === DEFAULT_LIMITS ? DEFAULT_ENDPOINT_ATTRS : endpointDefaultsOf(limits);
    this.host = host;
    this.requests = new RequestTable(limits.maxRequests);
  }

  /** Sends whatever responses and credits were batched (the node's engines). */
  flush(): void {
    this.host.flushAll();
  }

  /**
   * Called before a data frame (message, packet, scalar) goes to `dst`, to send first the
   * credits (and, for channel data, the message responses) batched for `dst`. So a credit
   * returned before a later message is never overtaken by it.
   */
  beforeData(dst: number, msg: boolean): void {
    // A message (msg) needs only the credits sent first, and none is owed when FLUSH_CREDITS
    // is clear; channel data the responses too, and none is batched when FLUSH_RESPONSES is
    // clear and no acceptance waits for a delay.
    if (msg ? (this.flushWant & Core.FLUSH_CREDITS) === 0 : this.flushWant === 0 && this.respDelayed === 0) return;
    this.host.flushBeforeData(dst, msg);
  }

  /** @internal The end-of-turn flush timer fired (onFlushTimer). */
  flushTimerFired(): void {
    this.flushTimer = -1;
    this.flushWant = 0;
    this.host.flushAll();
  }

  nextGen(): number {
    this.endpointGen = nonZeroNext(this.endpointGen);
    return this.endpointGen;
  }

  setTimer(ms: number, fire: () => void): number {
    const id = this.clock.setTimer(ms, () => {
      this.timers.delete(id);
      fire();
    });
    this.timers.add(id);
    return id;
  }

  /**
   * setTimer without a closure: `fire(arg)` is called, and must call timerFired(id) first
   * (a timed wait, TimedWait). Cleared by clearTimer and reset like the others.
   */
  setTimerFor<A>(ms: number, fire: (arg: A) => void, arg: A): number {
    const id = this.clock.setTimer(ms, fire, arg);
    this.timers.add(id);
    return id;
  }

  /** A setTimerFor timer fired: forget its id. */
  timerFired(id: number): void {
    this.timers.delete(id);
  }

  clearTimer(id: number): void {
    if (id < 0) return;
    if (this.timers.delete(id)) this.clock.clearTimer(id);
  }

  /** Drop every timer, queued frame and batched output (finalize). */
  reset(): void {
    // The answers batched for this turn's end go with the rest (Net.answering).
    if (this.flushTimer >= 0) this.net.unanswered?.(BROADCAST_NODE);
    for (const id of this.timers) this.clock.clearTimer(id);
    this.timers.clear();
    this.loop = [];
    this.loopTimer = -1;
    this.outbox.length = 0;
    this.outboxData = 0;
    this.outboxPerDst = null;
    this.outboxTimer = -1;
    if (this.flushTimer >= 0) this.clock.clearTimer(this.flushTimer);
    this.flushTimer = -1;
    this.flushWant = 0;
    this.endpoints.clear();
    this.queuedMsgs = 0;
    this.queuedBytes = 0;
    this.channelBytes = 0;
  }

  checkInit(): void {
    if (!this.initialized) throw new McapiError(Status.MCAPI_ERR_NODE_NOTINIT, 'mcapi node is not initialized');
    if (this.requests.scope === RequestTable.CLOSED_SCOPE) {
      throw new McapiError(Status.MCAPI_ERR_NODE_NOTINIT, 'this run was superseded by a rollback: its MCAPI objects are gone');
    }
  }

  validNode(n: unknown): n is number {
    return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= NODE_ID_MAX;
  }

  validPort(p: unknown): p is number {
    return typeof p === 'number' && Number.isInteger(p) && p >= 1 && p <= this.limits.maxPort;
  }

  /** True when nothing waits in the outbox: the next frame is sent or queued, never refused. */
  outboxEmpty(): boolean {
    return this.outbox.length === 0;
  }

  /**
   * Send a frame. Frames to this node loop back through a zero-delay timer. A frame the network
   * refuses waits in the outbox, behind earlier frames to the same node (order is kept). Only
   * message data frames count against limits.outboxFrames; when that is full, tx returns false
   * and the caller retries later. Control and channel frames are bounded by the protocol itself
   * (requests, credits).
   */
  tx(type: number, dst: number, srcPort: number, dstPort: number, payload: Uint8Array, data = false): boolean {
    const c = this.counters;
    if (dst === this.node) {
      // Copied like the Net copies: the payload may be the application's buffer.
      this.loop.push({ type, src: this.node, dst, srcPort, dstPort, epoch: this.net.epoch, payload: payload.slice() });
      if (this.loopTimer < 0) this.loopTimer = this.setTimer(0, () => this.drainLoop());
      c.framesOut++;
      c.bytesOut += payload.length;
      return true;
    }
    // An empty outbox (the usual case) holds nothing for dst: no Map lookup.
    if (this.outbox.length === 0 || (this.outboxPerDst!.get(dst) ?? 0) === 0) {
      // One reused frame record for the send (Net.send does not keep it): none per frame.
      const f = this.txFrame;
      f.type = type;
      f.dst = dst;
      f.srcPort = srcPort;
      f.dstPort = dstPort;
      f.payload = payload;
      const sent = this.net.send(f);
      f.payload = NO_PAYLOAD;
      if (sent) {
        c.framesOut++;
        c.bytesOut += payload.length;
        return true;
      }
    }
    return this.hold(type, dst, srcPort, dstPort, payload, data);
  }

  /**
   * tx of `head` then `payload` (a message's MSG header and its data, a packet's credit entries
   * and the packet): the net writes both into its frame (Net.sendHead), so the data is copied
   * once. A frame looped back or held in the outbox (or a Net without sendHead) gets the two
   * joined, as tx would.
   */
  txHead(type: number, dst: number, srcPort: number, dstPort: number, head: Uint8Array, payload: Uint8Array, data = false): boolean {
    const net = this.net;
    if (dst === this.node || this.outbox.length !== 0 || net.sendHead === undefined) return this.tx(type, dst, srcPort, dstPort, Core.joined(head, payload), data);
    if (net.sendHead(type, dst, srcPort, dstPort, head, payload)) {
      const c = this.counters;
      c.framesOut++;
      c.bytesOut += head.length + payload.length;
      return true;
    }
    return this.hold(type, dst, srcPort, dstPort, Core.joined(head, payload), data);
  }

  /** `head` then `payload` in one new array (txHead's rare paths; XS joins a long one by memcpy, as Credits did). */
  private static joined(head: Uint8Array, payload: Uint8Array): Uint8Array {
    const concat = payload.length >= SPLICE_MIN ? bufferConcat() : undefined;
    if (concat !== undefined) return new Uint8Array(concat.call(ownBuffer(head), ownBuffer(payload)));
    const out = new Uint8Array(head.length + payload.length);
    out.set(head, 0);
    out.set(payload, head.length);
    return out;
  }

  /** A frame the net refused, or one behind others to `dst`: it waits in the outbox (tx). */
  private hold(type: number, dst: number, srcPort: number, dstPort: number, payload: Uint8Array, data: boolean): boolean {
    const c = this.counters;
    // An answer the net was told leaves this turn (Net.answering) does not: it times its ack again.
    this.net.unanswered?.(dst);
    const frame = { type, dst, srcPort, dstPort, payload };
    if (data && this.outboxData >= this.limits.outboxFrames) {
      c.txRefused++;
      return false;
    }
    // Held past this call: copied, because the payload may be the application's buffer and
    // the request that sent it completes now (MCAPI lets the app reuse the buffer then).
    frame.payload = payload.slice();
    this.outbox.push({ frame, data, epoch: this.net.epoch });
    if (data) this.outboxData++;
    assert(this.outboxData <= this.limits.outboxFrames, 'mcapi: outbox holds more message frames than limits.outboxFrames');
    const perDst = this.outboxPerDst ?? (this.outboxPerDst = new Map());
    perDst.set(dst, (perDst.get(dst) ?? 0) + 1);
    if (this.outboxTimer < 0) this.outboxTimer = this.setTimer(this.limits.retryMs, () => this.drainOutbox());
    return true;
  }

  get outboxDepth(): number {
    return this.outbox.length;
  }

  private drainLoop(): void {
    this.loopTimer = -1;
    const frames = this.loop;
    this.loop = [];
    for (const f of frames) this.receive(f);
  }

  private drainOutbox(): void {
    this.outboxTimer = -1;
    const stuck = new Set<number>();
    let i = 0;
    while (i < this.outbox.length) {
      const o = this.outbox[i];
      assert(o !== undefined, 'mcapi: outbox index out of range');
      const dst = o.frame.dst;
      // A frame of an older epoch (before a recovery) is dropped, as the network drops one in
      // flight: sent now it would carry the new epoch into the new membership's runs.
      const stale = o.epoch !== this.net.epoch;
      if (stale || (!stuck.has(dst) && this.net.send(o.frame))) {
        this.outbox.splice(i, 1);
        if (o.data) this.outboxData--;
        const perDst = this.outboxPerDst!;
        const left = (perDst.get(dst) ?? 0) - 1;
        assert(left >= 0 && this.outboxData >= 0, 'mcapi: outbox per-destination count went negative');
        if (left === 0) perDst.delete(dst);
        else perDst.set(dst, left);
        if (stale) {
          this.counters.dropped++;
          continue;
        }
        this.counters.framesOut++;
        this.counters.bytesOut += o.frame.payload.length;
      } else {
        stuck.add(dst);
        i++;
      }
    }
    if (this.outbox.length > 0) this.outboxTimer = this.setTimer(this.limits.retryMs, () => this.drainOutbox());
  }

  /** Entry point for every MCAPI frame, from the network or the loopback. */
  receive(f: NetFrame): void {
    const c = this.counters;
    c.framesIn++;
    c.bytesIn += f.payload.length;
    if (!this.initialized) {
      c.dropped++;
      return;
    }
    try {
      this.host.dispatchFrame(f);
    } catch (e) {
      // Only a frame the decoders refused; anything else (an InvariantError, a bug) propagates.
      if (!(e instanceof MalformedFrame)) throw e;
      c.malformed++;
      this.lastHandlerError = e.message;
    }
  }

  /**
   * Batch responses and credits until the end of this turn (a zero-delay timer). `who`:
   * Core.FLUSH_RESPONSES or Core.FLUSH_CREDITS, so that dropFlush knows when nothing is left.
   */
  requestFlush(who: number): void {
    this.flushWant |= who;
    // Not in `timers`: set and cleared once per message taken, it is kept apart (reset clears it).
    if (this.flushTimer < 0) this.flushTimer = this.clock.setTimer(0, onFlushTimer, this);
  }

  /**
   * What `who` batched went out after all (the usual ping-pong: the ACK rode on the reply):
   * clear the end-of-turn timer when nobody else batched anything. Left to fire, it is a turn
   * of the board's event loop with nothing to do, once per message received (in the
   * simulator's CPU model a board step of its own, ~700 XS units of board entry).
   */
  dropFlush(who: number): void {
    const want = this.flushWant & ~who;
    this.flushWant = want;
    if (want !== 0 || this.flushTimer < 0) return;
    this.clock.clearTimer(this.flushTimer);
    this.flushTimer = -1;
  }

  /** Complete-or-cancel bookkeeping: undo the operation, then fail the request with `status`. */
  abort<T>(req: Request<T>, status: StatusCode, detail?: string): void {
    const undo = req._cancel;
    if (undo === undefined) {
      // A waiting receive sets no undo (a field is an XS slot per request; 31 of them fill the
      // table): its endpoint lists it, and cancelling one is rare (MessageReceiver.post). Nor
      // does a message send (an OutMsg, every message in flight): the message sender undoes it,
      // while it is pending (a completed one had its undo field cleared, as every request has).
      const kind = req._scopeKeep & 30;
      if (kind === Request.KIND.MSG_SEND * 2) {
        if (req.status === Status.MCAPI_PENDING) this.msgUndo?.undo(req as Request<unknown>);
      } else if (kind === Request.KIND.MSG_RECV * 2) for (const st of this.endpoints.values()) st.undo(req as Request<unknown>);
    } else {
      req._cancel = undefined;
      if (typeof undo === 'function') undo();
      else undo.undo(req as Request<unknown>);
    }
    this.requests.fail(req, status, detail);
  }

  /**
   * Wait for a request and report it (its slot is freed). `timeoutMs` bounds the wait; on
   * timeout a blocking call (`abandon`) cancels the operation, while mcapi_wait leaves the
   * request pending (non-destructive) and only rejects with MCAPI_TIMEOUT.
   */
  waitFor<T>(req: Request<T>, timeoutMs: number, abandon: boolean): Promise<T> {
    // waitImpl's common case written out (every blocking receive without a TIMEOUT): one call less.
    if (timeoutMs === Infinity && req.status === Status.MCAPI_PENDING && req._resolve === undefined && req._waiters === undefined) {
      req._scopeKeep |= 1;
      return new Promise<T>((resolve: (this: void, v: T) => void, reject: (this: void, e: McapiError) => void) => {
        req._resolve = resolve as (this: void, v: unknown) => void;
        req._reject = reject;
      });
    }
    return this.waitImpl(req, timeoutMs, abandon, true) as Promise<T>;
  }

  /** waitFor that resolves with nothing (a connect): no `await` layer around it in the caller. */
  waitVoid<T>(req: Request<T>, timeoutMs: number, abandon: boolean): Promise<void> {
    return this.waitImpl(req, timeoutMs, abandon, false) as Promise<void>;
  }

  /** waitFor for sends: resolves with nothing once the request completed successfully. */
  waitDone<T>(req: Request<T>): Promise<void> {
    // waitImpl's common case written out (every blocking send): one call less.
    if (req.status === Status.MCAPI_PENDING && req._resolve === undefined && req._waiters === undefined) {
      req._scopeKeep &= ~1;
      return new Promise<void>((resolve: (this: void, v: undefined) => void, reject: (this: void, e: McapiError) => void) => {
        req._resolve = resolve as (this: void, v: unknown) => void;
        req._reject = reject;
      });
    }
    return this.waitImpl(req, Infinity, false, false) as Promise<void>;
  }

  private waitImpl<T>(req: Request<T>, timeoutMs: number, abandon: boolean, keep: boolean): Promise<T | undefined> {
    if (timeoutMs === Infinity && req.pending && req._resolve === undefined && req._waiters === undefined) {
      // The common case (a blocking send or receive without a timeout): the promise's
      // functions go on the request itself; RequestTable settles them.
      // The keep bit of `_scopeKeep` (request.ts).
      req._scopeKeep = (req._scopeKeep & ~1) | (keep ? 1 : 0);
      return new Promise<T | undefined>((resolve: (this: void, v: T | undefined) => void, reject: (this: void, e: McapiError) => void) => {
        // Settled with the request's own value (T) or nothing, as this promise's type says.
        req._resolve = resolve as (this: void, v: unknown) => void;
        req._reject = reject;
      });
    }
    return new Promise<T | undefined>((resolve: (this: void, v: T | undefined) => void, reject: (this: void, e: McapiError) => void) => {
      new TimedWait(this, req as Request<unknown>, resolve as (this: void, v: unknown) => void, reject, keep, abandon, timeoutMs).start();
    });
  }

  /**
   * mcapi_wait_any (the requests checked by Args.request): resolves with the index of a request that completed successfully; a request that failed
   * rejects with its error, `.index` set. Timeout `t` (ms, checked): rejects with MCAPI_TIMEOUT,
   * every request stays pending.
   */
  waitAny(reqs: readonly Request<unknown>[], t: number): Promise<number> {
    return new Promise<number>((resolve: (this: void, i: number) => void, reject: (this: void, e: McapiError) => void) => {
      new WaitAny(this, reqs, resolve, reject, t).start();
    });
  }

}
