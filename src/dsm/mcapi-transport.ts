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
 * with the sender's rank (one byte). As in the paper, every board first looks up every other
 * board's endpoint (mcapi_endpoint_get waits until it exists) before the DSM sends anything.
 */
import type { Clock, Hal } from '../hal.js';
import type { Endpoint, McapiNode, Request } from '../mcapi/index.js';
import { EndpointAttr, McapiError, Status } from '../mcapi/index.js';
import { Dsm } from './dsm.js';
import { DsmError, type DsmOptions, type DsmTransport } from './types.js';
import { MAX_BOARDS, messageBytesFor } from './limits.js';

/** The port of every board's DSM endpoint. */
export const DSM_PORT = 40;
/**
 * How long MCAPI may hold the acceptance of a DSM message to ride on one going back (MCAPI
 * ACCEPT_ACK_DELAY): the DSM never waits on a send's completion beyond its send slots. Below
 * the network's e2e ack delay (50 ms), so an acceptance that finds nothing to ride on carries
 * the end-to-end ack instead of a frame of its own (docs/PERFORMANCE.md "Round 8").
 */
export const DSM_ACCEPT_ACK_DELAY_MS = 100;

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
   * ranks after a fault-tolerance shrink; a fresh port per recovery epoch).
   */
  portOfRank?: (rank: number) => number;
  /** Message sends in flight at once (each holds an MCAPI request slot). Default 8. */
  sendSlots?: number;
  /**
   * Receives kept posted (each holds a request slot and a buffer of maxMessage + 1). A message that
   * finds none waits in MCAPI's node queue, and past that queue is refused and sent again, so
   * this should cover the DSM's `window` of replies plus a little control traffic. Default 6.
   */
  recvSlots?: number;
  /** How long to wait for every other board's DSM endpoint to exist. Default 30000 ms. */
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

export class McapiDsmTransport implements DsmTransport {
  readonly rank: number;
  readonly size: number;
  readonly maxMessage: number;
  /** The sender's rank goes into the byte before each message. */
  readonly headroom = 1;
  readonly stats: McapiDsmTransportStats = { sent: 0, received: 0, sendErrors: 0, dropped: 0, maxQueued: 0 };
  private readonly queue: { to: number; data: Uint8Array }[] = [];
  private inflight = 0;
  private readonly sendSlots: number;
  private readonly recvSlots: number;
  private readonly receives: Request<number>[] = [];
  private closed = false;
  private handler: ((fromRank: number, bytes: Uint8Array) => void) | null = null;
  private receiving = false;

  private constructor(
    private readonly mcapi: McapiNode,
    private readonly ep: Endpoint,
    private readonly peers: (Endpoint | null)[],
    private readonly plan: McapiDsmPlan,
    maxMessage: number,
  ) {
    this.rank = plan.rank;
    this.size = plan.size;
    this.maxMessage = maxMessage;
    this.sendSlots = plan.sendSlots ?? 8;
    this.recvSlots = plan.recvSlots ?? 6;
  }

  /** Create this board's endpoint and find every other board's; receiving starts with onMessage. */
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
    const portOf = plan.portOfRank ?? (() => port);
    const ep = mcapi.createEndpoint(portOf(rank));
    mcapi.setEndpointAttribute(ep, EndpointAttr.ACCEPT_ACK_DELAY, DSM_ACCEPT_ACK_DELAY_MS);
    const timeout = plan.connectTimeoutMs ?? 30000;
    const peers: (Endpoint | null)[] = [];
    for (let r = 0; r < size; r++) {
      if (r === rank) {
        peers.push(null);
        continue;
      }
      const node = plan.nodeOfRank(r);
      const peerPort = portOf(r);
      try {
        peers.push(await mcapi.getEndpoint(plan.domain, node, peerPort, timeout));
      } catch (e) {
        mcapi.deleteEndpoint(ep);
        throw new DsmError('TIMEOUT', `dsm transport: no DSM endpoint on rank ${r} (node ${node}, port ${peerPort}) within ${timeout} ms: ${(e as Error).message}`);
      }
    }
    return new McapiDsmTransport(mcapi, ep, peers, plan, maxMessage);
  }

  get onMessage(): ((fromRank: number, bytes: Uint8Array) => void) | null {
    return this.handler;
  }

  /**
   * Receiving starts when the DSM installs its handler, not in `open`: a peer that is ahead
   * may already have sent (an ALLOC, a BARRIER_ARRIVE), and a receive posted before anyone
   * listens could complete into the void. Until then messages wait in MCAPI's node queue.
   */
  set onMessage(fn: ((fromRank: number, bytes: Uint8Array) => void) | null) {
    this.handler = fn;
    if (fn && !this.receiving && !this.closed) {
      this.receiving = true;
      for (let i = 0; i < this.recvSlots; i++) this.post(new Uint8Array(this.maxMessage + 1));
    }
  }

  send(toRank: number, bytes: Uint8Array): void {
    if (this.closed) return;
    if (!this.peers[toRank]) throw new DsmError('BAD_ARG', `dsm transport: no peer with rank ${toRank}`);
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
    this.queue.push({ to: toRank, data });
    if (this.queue.length > this.stats.maxQueued) this.stats.maxQueued = this.queue.length;
    this.pump();
  }

  /** Stop receiving and sending; the endpoint is deleted. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    for (const req of this.receives.splice(0)) {
      if (req.live && req.pending) this.mcapi.cancel(req);
    }
    this.mcapi.deleteEndpoint(this.ep);
  }

  private pump(): void {
    while (this.inflight < this.sendSlots && this.queue.length > 0) {
      const { to, data } = this.queue.shift()!;
      this.inflight++;
      let req: Request<number> | null = null;
      try {
        req = this.mcapi.msgSendI(this.ep, this.peers[to]!, data);
      } catch (e) {
        this.inflight--;
        this.sendFailed(to, e as Error);
      }
      // Outside the catch: typescript-to-lua cannot `continue` out of a catch block.
      if (req === null) continue;
      this.stats.sent++;
      this.mcapi.wait(req).then(
        () => this.sendDone(),
        (e: Error) => {
          this.sendFailed(to, e);
          this.sendDone();
        },
      );
    }
  }

  private sendDone(): void {
    this.inflight--;
    if (!this.closed) this.pump();
  }

  private sendFailed(to: number, e: Error): void {
    this.stats.sendErrors++;
    this.plan.onSendError?.(to, e);
  }

  /** Keep one receive posted on `buf`; every message is handed over before the buffer is reused. */
  private post(buf: Uint8Array): void {
    if (this.closed) return;
    const req = this.mcapi.msgRecvI(this.ep, buf);
    this.receives.push(req);
    this.mcapi.wait(req).then(
      (n) => {
        this.forget(req);
        this.deliver(buf.subarray(0, n));
        this.post(buf);
      },
      (e: unknown) => {
        this.forget(req);
        // A message longer than this board's buffers (a peer with other DSM options) stays at
        // the head of the endpoint's queue: take it out once with a buffer of its size.
        if (e instanceof McapiError && e.status === Status.MCAPI_ERR_MSG_TRUNCATED) this.takeOversize(e.size, buf);
        // Otherwise cancelled at close, or the endpoint went away: this receive slot ends.
      },
    );
  }

  /** Receive the next message into a buffer of `size` bytes, drop it if it is too long, then post `buf` again. */
  private takeOversize(size: number, buf: Uint8Array): void {
    if (this.closed) return;
    const big = new Uint8Array(size);
    const req = this.mcapi.msgRecvI(this.ep, big);
    this.receives.push(req);
    this.mcapi.wait(req).then(
      (n) => {
        this.forget(req);
        // Another slot may have taken the long one: what came instead is delivered as usual.
        if (n > buf.length) this.stats.dropped++;
        else this.deliver(big.subarray(0, n));
        this.post(buf);
      },
      (e: unknown) => {
        this.forget(req);
        if (e instanceof McapiError && e.status === Status.MCAPI_ERR_MSG_TRUNCATED) this.takeOversize(e.size, buf);
      },
    );
  }

  private forget(req: Request<number>): void {
    const i = this.receives.indexOf(req);
    if (i >= 0) this.receives.splice(i, 1);
  }

  private deliver(msg: Uint8Array): void {
    const from = msg.length > 0 ? msg[0]! : -1;
    if (from < 0 || from >= this.size || from === this.rank) {
      this.stats.dropped++;
      return;
    }
    this.stats.received++;
    this.handler?.(from, msg.subarray(1));
  }
}

/** The DSM of every working board of `mcapi`'s domain, over MCAPI messages. */
export async function createMcapiDsm(mcapi: McapiNode, clock: Clock & Pick<Hal, 'bytes'>, plan: McapiDsmPlan, options: DsmOptions = {}): Promise<Dsm> {
  const transport = await McapiDsmTransport.open(mcapi, { recvSlots: Dsm.recvSlotsFor(options), maxMessage: messageBytesFor(options), ...plan });
  return new Dsm(transport, clock, options);
}
