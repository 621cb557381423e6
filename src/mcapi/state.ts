/**
 * Per-endpoint and per-channel state of a node. Plain records: the engines (messages.ts,
 * channels.ts) own the rules; these only hold what a rule needs to remember.
 */
import { assert } from '../util/assert.js';
import type { ChannelHandle, Endpoint } from './handles.js';
import type { Uint64 } from './u64.js';
import type { Request, Undo } from './request.js';
import { ChanDir } from './wire.js';
import type { ChanDirCode, ChanKindCode } from './wire.js';

/**
 * A msgRecvI waiting for a message is its Request itself, in `EndpointState.recvWaiters`: the
 * buffer waits in the request's result field (`_out`, unused while pending) and the endpoint
 * undoes the wait on cancel (`_cancel`). A record of its own was 4 XS slots per waiting receive;
 * 32 of them fill the request table (docs/FOOTPRINT.md "Round 9: conformance slots").
 */
export type MsgRecvWait = Request<number>;

/** The buffer of a waiting receive (see MsgRecvWait). */
export function waitBuffer(w: MsgRecvWait): Uint8Array {
  return w._out as Uint8Array;
}

/** A connect this node (the send side) accepted and forwarded to the receive side. */
export interface Connecting {
  kind: ChanKindCode;
  recvNode: number;
  recvPort: number;
  connector: number;
  token: number;
}

/** An open called before the endpoint was connected; it completes (or fails) at connect. */
export interface PendingOpen {
  kind: ChanKindCode;
  dir: ChanDirCode;
  req: Request<ChannelHandle>;
}

/**
 * An endpoint's read-write attributes (mcapi_endpoint_set_attribute). Most endpoints keep them
 * all at the node's defaults: they share the core's one frozen record (Core.endpointDefaults)
 * until one is set, then own a copy (EndpointAttributes.set). Six fields an endpoint were 6 XS
 * slots each (docs/FOOTPRINT.md "Round 13b: endpoint and request slots"); no defaults on the
 * class's prototype (Moddable freezes preloaded prototypes: an assignment to an inherited
 * frozen property throws).
 */
export interface EndpointAttrs {
  maxPayload: number;
  priority: number;
  recvBuffers: number;
  timeoutMs: number;
  /** MEMORY_TYPE behaviour: fail with MCAPI_ERR_MEM_LIMIT instead of waiting for room. */
  failOnLimit: boolean;
  /** ACCEPT_ACK_DELAY: ms an acceptance may wait for a message going back (0: end of turn). */
  ackDelayMs: number;
}

export class EndpointState implements Undo {
  readonly port: number;
  /** Its handle; the endpoint's incarnation is the handle's `_gen` (no copy of its own). */
  readonly handle: Endpoint;
  /** Its attributes: the core's shared defaults until one is set (EndpointAttrs). */
  attrs: Readonly<EndpointAttrs>;
  /**
   * Queued messages, highest priority first and in arrival order within a priority: one array
   * for every priority (an array per priority cost ~10 slots per endpoint on XS, queued or not),
   * of pairs, each message's data then its priority (0 = highest). No record per message: a
   * record was 5 XS slots per queued message, an array's items are chunk memory
   * (docs/FOOTPRINT.md "Round 12: conformance slots"); nothing reads a queued message's source.
   */
  declare queue: (Uint8Array | number)[] | undefined;
  queued = 0;
  queuedBytes = 0;
  /** Waiting receives (made at the first, as `queue` at the first message). */
  declare recvWaiters: MsgRecvWait[] | undefined;
  /**
   * The channel, a connect in progress, an open waiting for the connect, deleted: unset until
   * they happen, like `queue` and `recvWaiters` (no initializer: a property is an XS slot per
   * endpoint from the moment it exists, and most endpoints never connect; 15 endpoints fill the
   * conformance board's table, docs/FOOTPRINT.md "Round 13b: endpoint and request slots").
   */
  declare chan: Channel | undefined;
  declare connecting: Connecting | undefined;
  declare pendingOpen: PendingOpen | undefined;
  declare deleted: true | undefined;
  /** The scope (an app run, McapiNode.openScope) that created it; 0: the board's own. */
  scope = 0;

  /** A waiting receive (its request) was cancelled (Core.abort): take it off the list. */
  undo(req: Request<unknown>): void {
    const ws = this.recvWaiters;
    if (ws === undefined) return;
    const i = ws.indexOf(req as MsgRecvWait);
    if (i >= 0) ws.splice(i, 1);
  }

  constructor(handle: Endpoint, attrs: Readonly<EndpointAttrs>) {
    this.handle = handle;
    this.port = handle.port;
    this.attrs = attrs;
  }

  /** Queue a message's data behind every message of its priority or a higher one. */
  enqueue(data: Uint8Array, prio: number): void {
    let q = this.queue;
    if (q === undefined) {
      q = [];
      this.queue = q;
    }
    let i = q.length;
    // Mostly one priority: the new message goes at the end without a step. q[i - 1] is the
    // priority of the pair before i.
    while (i > 0 && (q[i - 1] as number) > prio) i -= 2;
    if (i === q.length) q.push(data, prio);
    else q.splice(i, 0, data, prio);
  }

  /** The data of the head message of the highest non-empty priority, or null. */
  peek(): Uint8Array | null {
    const q = this.queue;
    return q === undefined ? null : ((q[0] as Uint8Array | undefined) ?? null);
  }

  /** Remove the head message and return its data (call only after peek returned one). */
  shift(): Uint8Array {
    const q = this.queue;
    const data = q === undefined ? undefined : q[0] as Uint8Array | undefined;
    // The test inline, assert's call only to throw: every message a receive takes from the queue.
    if (q === undefined || data === undefined) assert(false, 'mcapi: EndpointState.shift on an empty queue');
    // The pair out: the only one (a ping-pong's every message) by emptying the array, no method
    // call; else one splice, not a shift for the data and another for its priority.
    if (q!.length === 2) q!.length = 0;
    else q!.splice(0, 2);
    this.queued--;
    this.queuedBytes -= data.length;
    return data;
  }
}

/** Local side of a channel. */
export const Side = {
  NONE: 0,
  OPENING: 1,
  OPEN: 2,
  CLOSED: 3,
} as const;
export type SideState = (typeof Side)[keyof typeof Side];

/** A packet send or scalar send waiting for a credit. */
export interface SendOp {
  req: Request<number>;
  /** Packet data (the application's buffer, untouched until the request completes). */
  data: Uint8Array | null;
  width: number;
  hi: number;
  lo: number;
  timer: number;
}

/** A received scalar: a number (8 to 32 bits), the engine's 64-bit number, or an exact [hi, lo] pair. */
export type ScalarValue = number | Uint64 | readonly [number, number];

/**
 * The queue of a scalar receive side, `granted` slots of three numbers each: slot i's width at
 * 3i, its high 32 bits at 3i + 1, its low 32 bits at 3i + 2. One typed array (7 XS slots): three
 * of their own and a record over them were 25 per scalar receive side (docs/FOOTPRINT.md
 * "Round 13: conformance slots").
 */
export type ScalarRing = Uint32Array;

/** A packet or scalar receive waiting for data. */
export interface RxWait {
  req: Request<Uint8Array> | Request<ScalarValue>;
  /** Scalar width in bytes (1, 2, 4, 8); 0 for packets. */
  width: number;
  /** A 64-bit scalar as the engine's number (u64Join) or as the exact [hi, lo] pair. */
  pair: boolean;
  timer: number;
}

export class Channel implements Undo {
  readonly kind: ChanKindCode;
  readonly dir: ChanDirCode;
  readonly ep: EndpointState;
  readonly peerNode: number;
  readonly peerPort: number;
  local: SideState = Side.NONE;
  peerOpen = false;
  peerClosed = false;
  handle: ChannelHandle | null = null;
  openReq: Request<ChannelHandle> | null = null;
  /** Send side: packets / scalars the receiver can take now. */
  credits = 0;
  readonly sendQ: SendOp[] = [];
  /** Receive side: buffers granted to the sender at open. */
  granted = 0;
  /** Receive side: bytes reserved against limits.maxChannelBufferBytes. */
  reserved = 0;
  /** Receive side: credits to return at the next flush. */
  owed = 0;
  /** Receive side: the hold period (Credits) in which `owed` last went from 0 to 1. */
  heldIn = 0;
  /** Received packets not taken yet: the Net's payloads, handed to the application as is. */
  readonly rxPackets: Uint8Array[] = [];
  readonly rxWaiters: RxWait[] = [];
  /** Packets handed to the application and not released yet. */
  inUse = 0;
  /** Scalar receive side: its ring, from the open on. */
  ring: ScalarRing | null = null;
  sclHead = 0;
  sclCount = 0;

  /** Numbers per slot of a ScalarRing (on the class: no module-level name, docs/MCAPI.md "Files"). */
  static readonly RING_STRIDE = 3;

  /**
   * The moves a local side may make, one bit per (from * 4 + to): NONE -> OPENING (open) or
   * CLOSED (its run rolled back); OPENING -> OPEN (both opened), NONE (open cancelled, or the
   * peer closed first) or CLOSED (rolled back); OPEN -> CLOSED. CLOSED is final: the channel
   * goes when the peer's close arrives.
   */
  private static readonly MOVES = (1 << (Side.NONE * 4 + Side.OPENING)) | (1 << (Side.NONE * 4 + Side.CLOSED))
    | (1 << (Side.OPENING * 4 + Side.OPEN)) | (1 << (Side.OPENING * 4 + Side.NONE)) | (1 << (Side.OPENING * 4 + Side.CLOSED))
    | (1 << (Side.OPEN * 4 + Side.CLOSED));

  constructor(kind: ChanKindCode, dir: ChanDirCode, ep: EndpointState, peerNode: number, peerPort: number) {
    this.kind = kind;
    this.dir = dir;
    this.ep = ep;
    this.peerNode = peerNode;
    this.peerPort = peerPort;
  }

  /** True when a data frame of `kind` from `src`:`srcPort` may land on this channel: an open receive side of that peer. */
  receives(kind: ChanKindCode, src: number, srcPort: number): boolean {
    return this.peerNode === src && this.peerPort === srcPort && this.kind === kind && this.dir === ChanDir.RECV && this.local === Side.OPEN;
  }

  /**
   * A receive waits for data; cancelling its request takes it out again (Core.abort calls
   * `undo`): the channel undoes it, no closure per waiting receive (~15 XS slots,
   * docs/FOOTPRINT.md "Round 12: conformance slots").
   */
  waitForData(w: RxWait): void {
    this.rxWaiters.push(w);
    w.req._cancel = this;
  }

  /** A waiting receive's request was cancelled (Core.abort): take its wait off the list. */
  undo(req: Request<unknown>): void {
    const ws = this.rxWaiters;
    for (let i = 0; i < ws.length; i++) {
      if (ws[i]!.req === req) {
        ws.splice(i, 1);
        return;
      }
    }
  }

  /** Move the local side to `to`; only the moves of MOVES happen. */
  move(to: SideState): void {
    assert(((Channel.MOVES >>> (this.local * 4 + to)) & 1) === 1, 'mcapi: channel side state move not allowed');
    this.local = to;
  }
}
