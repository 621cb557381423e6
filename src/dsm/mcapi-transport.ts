/**
 * The DSM transport over MCAPI connectionless messages: one endpoint per board on a
 * well-known port, `msg_send` to a peer's endpoint, a few receives always posted.
 *
 * Why messages and not packet channels (the seed paper's choice, made to mirror TCP sockets):
 * the DSM core needs neither order nor connections, so channels would cost n(n-1) connect and
 * open handshakes and, worse on a board, receive buffers reserved per channel (three peers
 * with four 4 KiB buffers each already pass an ESP32's channel budget), while one message
 * endpoint serves every peer from one bounded queue. MCAPI messages are acknowledged end to
 * end and a full receiver makes the sender wait and retry, which is the back-pressure the DSM
 * window relies on. MCAPI's receive does not say who sent a message, so every message starts
 * with the sender's rank (one byte). A board looks up a peer's endpoint (mcapi_endpoint_get
 * waits until it exists) when it first sends to it, not every peer's at the start as in the
 * paper: on a ring each lookup crosses up to boards/2 links and most pairs of boards never
 * talk (a Laplace rank talks to its two neighbours, its barrier parent and children and rank 0:
 * 240 lookups at the start of a 16-board run, most of them forwarded at every hop; docs/DSM.md
 * "Over MCAPI"). Messages to a peer wait in the send queue while it is looked up.
 */
import type { Clock, Hal } from '../hal.js';
import type { Completion, Endpoint, McapiNode, Request } from '../mcapi/index.js';
import { EndpointAttr, McapiError, Status } from '../mcapi/index.js';
import { Dsm } from './dsm.js';
import { DsmError, type DsmOptions, type DsmReceiver, type DsmTransport } from './types.js';
import { assert } from '../util/assert.js';
import { MAX_BOARDS, messageBytesFor } from './limits.js';
import { Msg } from './messages.js';

/** The port of every board's DSM endpoint. */
export const DSM_PORT = 40;
/**
 * How long MCAPI may hold the acceptance of a DSM message to ride on one going back (MCAPI
 * ACCEPT_ACK_DELAY): the DSM never waits on a send's completion beyond its send slots. Below
 * the network's e2e ack delay (50 ms), so an acceptance that finds nothing to ride on carries
 * the end-to-end ack instead of a frame of its own (docs/PERFORMANCE.md "Round 8").
 */
export const DSM_ACCEPT_ACK_DELAY_MS = 100;

/** MCAPI_SUCCESS, read for every completion (a module constant, not a property of Status each time). */
const SUCCESS = Status.MCAPI_SUCCESS;
/** A page's type byte (Msg.FETCH_DATA), read after the rank byte of every message received (complete). */
const FETCH_DATA = Msg.FETCH_DATA;

/** A peer's entry while its endpoint is being looked up (McapiDsmTransport.peers). */
const LOOKING = 0;

/** Receives kept posted when the plan names none (McapiDsmPlan.recvSlots). */
const DEFAULT_RECV_SLOTS = 6;

export interface McapiDsmPlan {
  rank: number;
  size: number;
  domain: number;
  /** The node that holds each rank. */
  nodeOfRank(rank: number): number;
  /** Default DSM_PORT. */
  port?: number;
  /**
   * The port of each rank's endpoint, when ranks do not all use `port` (a board hosting two
   * ranks after a fault-tolerance shrink; a fresh port per recovery epoch). Called as the
   * plan's method, like nodeOfRank: a plan may be an object whose methods are on its class
   * (no closure per run, docs/FOOTPRINT.md "Round 11b: Laplace slots").
   */
  portOfRank?(rank: number): number;
  /** Message sends in flight at once (each holds an MCAPI request slot). Default 8. */
  sendSlots?: number;
  /**
   * Receives kept posted (each holds a request slot and a buffer of maxMessage + 1). A message that
   * finds none waits in MCAPI's node queue, and past that queue is refused and sent again, so
   * this should cover the DSM's `window` of replies plus a little control traffic. Default 6.
   */
  recvSlots?: number;
  /** How long to wait for a peer's DSM endpoint to exist when first sending to it. Default 30000 ms. */
  connectTimeoutMs?: number;
  /**
   * Largest DSM message (the rank byte comes on top); the receive buffers are this + 1 bytes.
   * Default: MCAPI's maxPayload - 1 (4159: a 4 KiB page and its header). The board runtime and
   * createMcapiDsm pass what the DSM's options need (messageBytesFor: a page and its header).
   */
  maxMessage?: number;
  /** Told about sends MCAPI failed (the DSM's own timeouts then report the silent peer). */
  onSendError?: (toRank: number, error: Error) => void;
}

export interface McapiDsmTransportStats {
  sent: number;
  received: number;
  sendErrors: number;
  /** Messages too short, from a rank outside the domain, or longer than maxMessage; dropped. */
  dropped: number;
  /** Most sends waiting for a free slot at once. */
  maxQueued: number;
}

/**
 * Sends and receives complete through MCAPI's Completion (McapiNode.msgSendC / msgRecvC):
 * the transport itself is told, so no promise, reaction or closure is made per message, and
 * each posted receive keeps one request object for its life (docs/MCAPI.md "Completions for
 * the runtime's own users"; ~80 XS slots per posted receive before, docs/FOOTPRINT.md "Round 10:
 * MCAPI completions").
 */
export class McapiDsmTransport implements DsmTransport, Completion {
  readonly rank: number;
  readonly size: number;
  readonly maxMessage: number;
  /** The sender's rank goes into the byte before each message. */
  get headroom(): number {
    // A getter (on the prototype: in flash on Moddable), not a property of every transport: the DSM reads it once.
    return 1;
  }
  readonly stats: McapiDsmTransportStats = { sent: 0, received: 0, sendErrors: 0, dropped: 0, maxQueued: 0 };
  private readonly queue: { to: number; data: Uint8Array }[] = [];
  private inflight = 0;
  private readonly sendSlots: number;
  /**
   * The sends in flight and the rank each goes to, packed (no holes: a hole ends a Lua array).
   */
  private readonly sendReqs: Request<number>[] = [];
  private readonly sendRanks: number[] = [];
  /**
   * Each posted receive's request, kept and reused for its life. The receives have no buffer:
   * MCAPI hands each message over as its view (McapiNode.msgRecvC with a null buffer), so a
   * message is not copied into a posted buffer first, and no board holds recvSlots buffers of
   * maxMessage + 1 bytes (docs/PERFORMANCE.md "Round 13: the message path").
   */
  private readonly recvReqs: Request<number>[] = [];
  /**
   * The receive of the last page (FETCH_DATA), posted again after the next send's write (or at
   * the next page), not before the reader's app resumes (complete). One at most. Made last (the
   * constructor's end): an XS lookup walks an object's properties in order, and the fields read
   * on every message come before it.
   */
  private idle: Request<number> | null;
  private closed = false;
  private sink: DsmReceiver | null = null;
  private receiving = false;

  /**
   * Each rank's endpoint once looked up: null, not yet (this board's own stays null); LOOKING
   * while it is being looked up (no Uint8Array of flags beside it: 8 XS slots).
   */
  private readonly peers: (Endpoint | null | typeof LOOKING)[];

  private constructor(
    private readonly mcapi: McapiNode,
    private readonly ep: Endpoint,
    private readonly plan: McapiDsmPlan,
    maxMessage: number,
  ) {
    this.rank = plan.rank;
    this.size = plan.size;
    this.maxMessage = maxMessage;
    this.sendSlots = plan.sendSlots ?? 8;
    this.peers = [];
    for (let r = 0; r < plan.size; r++) this.peers.push(null);
    this.idle = null;
  }

  /** Create this board's endpoint; peers are looked up on first send, receiving starts with `receiver`. */
  static async open(mcapi: McapiNode, plan: McapiDsmPlan): Promise<McapiDsmTransport> {
    const { rank, size } = plan;
    if (!Number.isInteger(size) || size < 1 || size > MAX_BOARDS || !Number.isInteger(rank) || rank < 0 || rank >= size) {
      throw new DsmError('BAD_ARG', `dsm transport: rank ${String(rank)} / size ${String(size)} must satisfy 0 <= rank < size <= ${MAX_BOARDS}`);
    }
    const port = plan.port ?? DSM_PORT;
    const payload = mcapi.limits.maxPayload;
    const maxMessage = plan.maxMessage ?? payload - 1;
    if (!Number.isInteger(maxMessage) || maxMessage < 64 || maxMessage + 1 > payload) {
      throw new DsmError('BAD_ARG', `dsm transport: maxMessage must be an integer in 64..${payload - 1} (MCAPI maxPayload - 1)`);
    }
    const ep = mcapi.createEndpoint(plan.portOfRank !== undefined ? plan.portOfRank(rank) : port);
    mcapi.setEndpointAttribute(ep, EndpointAttr.ACCEPT_ACK_DELAY, DSM_ACCEPT_ACK_DELAY_MS);
    return new McapiDsmTransport(mcapi, ep, plan, maxMessage);
  }

  get receiver(): DsmReceiver | null {
    return this.sink;
  }

  /**
   * Receiving starts when the DSM installs itself as the receiver, not in `open`: a peer that
   * is ahead may already have sent (an ALLOC, a BARRIER_ARRIVE), and a receive posted before
   * anyone listens could complete into the void. Until then messages wait in MCAPI's node queue.
   */
  set receiver(r: DsmReceiver | null) {
    this.sink = r;
    if (r && !this.receiving && !this.closed) {
      this.receiving = true;
      const slots = this.plan.recvSlots ?? DEFAULT_RECV_SLOTS;
      for (let i = 0; i < slots; i++) this.recvReqs.push(this.mcapi.msgRecvC(this.ep, null, this));
    }
  }

  send(toRank: number, bytes: Uint8Array): void {
    if (this.closed) return;
    // `% 1` for the integer test: no Number.isInteger call per message (NaN fails it too).
    if (toRank < 0 || toRank >= this.size || toRank === this.rank || toRank % 1 !== 0) {
      throw new DsmError('BAD_ARG', `dsm transport: no peer with rank ${toRank}`);
    }
    // The DSM leaves `headroom` free bytes before every message (DsmTransport.headroom): the
    // rank goes there and the message is sent without a copy.
    let data: Uint8Array;
    if (bytes.byteOffset >= 1) {
      data = new Uint8Array(bytes.buffer, bytes.byteOffset - 1, bytes.length + 1);
    } else {
      data = new Uint8Array(bytes.length + 1);
      data.set(bytes, 1);
    }
    data[0] = this.rank;
    // Straight out when nothing waits before it, a slot is free and the peer is known (no
    // queue entry: the usual case, a home's reply to a fetch among them).
    const peer = this.peers[toRank];
    if (this.queue.length === 0 && this.inflight < this.sendSlots && peer !== null && peer !== LOOKING) {
      this.transmit(toRank, data);
    } else {
      this.queue.push({ to: toRank, data });
      if (this.queue.length > this.stats.maxQueued) this.stats.maxQueued = this.queue.length;
      this.pump();
    }
    // The frame is written: the receive held back since the last message is posted now.
    const idle = this.idle;
    if (idle !== null) {
      this.idle = null;
      this.mcapi.msgRecvC(this.ep, null, this, idle);
    }
  }

  /** Stop receiving and sending; the endpoint is deleted. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    // Told later with MCAPI_ERR_REQUEST_CANCELLED (complete() then does nothing: closed).
    for (const req of this.recvReqs) {
      if (req.live && req.pending) this.mcapi.cancel(req);
    }
    this.mcapi.deleteEndpoint(this.ep);
  }

  private pump(): void {
    let i = 0;
    while (this.inflight < this.sendSlots && i < this.queue.length) {
      const { to, data } = this.queue[i]!;
      const peer = this.peers[to];
      if (peer === null || peer === LOOKING) {
        // Waits for its endpoint; messages to other peers go on (the DSM needs no order).
        this.lookUp(to);
        i++;
        continue;
      }
      this.queue.splice(i, 1);
      this.transmit(to, data);
    }
  }

  /** Hand `data` to MCAPI for `to` (a slot is free and its endpoint known). */
  private transmit(to: number, data: Uint8Array): void {
    this.inflight++;
    let req: Request<number> | null = null;
    try {
      // Told through this transport's complete (no promise per send).
      req = this.mcapi.msgSendC(this.ep, this.peers[to] as Endpoint, data, this);
    } catch (e) {
      this.inflight--;
      this.sendFailed(to, e as Error);
    }
    if (req === null) return;
    this.stats.sent++;
    this.sendReqs.push(req);
    this.sendRanks.push(to);
    assert(this.sendReqs.length <= this.sendSlots, 'dsm transport: more sends in flight than send slots');
  }

  /** A send or a posted receive completed (MCAPI's Completion, a microtask after it did). */
  complete(req: Request<unknown>): void {
    const r = req as Request<number>;
    const slot = this.sendReqs.indexOf(r);
    if (slot >= 0) {
      const to = this.sendRanks[slot]!;
      // The last one moves into the slot (their order means nothing): no splice.
      const last = this.sendReqs.length - 1;
      this.sendReqs[slot] = this.sendReqs[last]!;
      this.sendRanks[slot] = this.sendRanks[last]!;
      this.sendReqs.pop();
      this.sendRanks.pop();
      if (r.status !== SUCCESS) this.sendFailed(to, r.error ?? new McapiError(r.status));
      // sendDone written out: no pump call when nothing waits.
      this.inflight--;
      if (!this.closed && this.queue.length > 0) this.pump();
      return;
    }
    // Not a send: one of recvReqs (this transport is the Completion of its own requests only;
    // no indexOf per message to check it).
    if (this.closed) return;
    if (r.status !== SUCCESS) return; // cancelled, or the endpoint went away: this receive slot ends
    // A view receive's value is the message itself (msgRecvC), never written again by MCAPI.
    const msg = (r as Request<unknown>).value as Uint8Array;
    // The sender's rank, then the DSM message: one view of it to the handler. A message longer
    // than this board's (a peer with other DSM options) or from no peer's rank is dropped.
    const n = msg.length;
    const from = n > 0 ? msg[0]! : -1;
    if (n > this.maxMessage + 1 || from < 0 || from >= this.size || from === this.rank) {
      this.stats.dropped++;
    } else {
      this.stats.received++;
      this.sink?.receive(from, msg.subarray(1, n));
    }
    // The receiver may have closed the transport.
    if (this.closed) return;
    if (msg[1] === FETCH_DATA && this.recvReqs.length > 1) {
      // A page resumes the reader's acquisition (the app's continuation, a microtask after
      // this one): its receive is posted again after the next send's write or at the next
      // page, not on the way there. The one held back before goes now: recvSlots - 1 stay
      // posted. Holding no message meanwhile (the page would stay in the heap until then).
      const prev = this.idle;
      r.dropValue();
      this.idle = r;
      if (prev !== null) this.mcapi.msgRecvC(this.ep, null, this, prev);
      return;
    }
    this.mcapi.msgRecvC(this.ep, null, this, r);
  }

  /** Find `rank`'s endpoint, then send what waits for it; a peer that never appears fails its messages. */
  private lookUp(rank: number): void {
    if (this.peers[rank] === LOOKING) return;
    this.peers[rank] = LOOKING;
    const node = this.plan.nodeOfRank(rank);
    const plan = this.plan;
    const port = plan.portOfRank !== undefined ? plan.portOfRank(rank) : (plan.port ?? DSM_PORT);
    const timeout = this.plan.connectTimeoutMs ?? 30000;
    this.mcapi.getEndpoint(this.plan.domain, node, port, timeout).then(
      (peer) => {
        this.peers[rank] = peer;
        if (!this.closed) this.pump();
      },
      (e: Error) => {
        this.peers[rank] = null;
        if (this.closed) return;
        const err = new DsmError('TIMEOUT', `dsm transport: no DSM endpoint on rank ${rank} (node ${node}, port ${port}) within ${timeout} ms: ${e.message}`);
        // Its messages are dropped and reported; a later send looks it up again.
        for (let i = this.queue.length - 1; i >= 0; i--) if (this.queue[i]!.to === rank) this.queue.splice(i, 1);
        this.sendFailed(rank, err);
      },
    );
  }

  private sendFailed(to: number, e: Error): void {
    this.stats.sendErrors++;
    this.plan.onSendError?.(to, e);
  }
}

/** The DSM of every working board of `mcapi`'s domain, over MCAPI messages. */
export async function createMcapiDsm(mcapi: McapiNode, clock: Clock & Pick<Hal, 'bytes'>, plan: McapiDsmPlan, options: DsmOptions = {}): Promise<Dsm> {
  const transport = await McapiDsmTransport.open(mcapi, { recvSlots: Dsm.recvSlotsFor(options), maxMessage: messageBytesFor(options), ...plan });
  return new Dsm(transport, clock, options);
}
