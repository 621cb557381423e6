/**
 * The remote-call layer's use of MCAPI: one message endpoint per board on RPC_PORT, a receive
 * loop that hands every message to the protocol, and fire-and-forget sends.
 *
 * Sends do not wait: the protocol above retransmits whatever goes missing, so a send that MCAPI
 * refuses (full receiver: the endpoint fails on the memory limit instead of blocking) or that
 * times out only costs a retransmission. What is in flight is bounded per destination
 * (PER_NODE_SENDS, then a queue of PER_NODE_QUEUED beyond which the oldest message is dropped
 * and counted) and in all (MAX_SENDS requests of the node's MCAPI request table): a dead peer,
 * whose sends each take the endpoint's TIMEOUT to fail, holds up only its own messages.
 */
import type { McapiNode, Endpoint } from '../mcapi/index.js';
import { EndpointAttr, MemoryType } from '../mcapi/index.js';

/** MCAPI requests the layer keeps in flight at once (the node has maxRequests, 32 by default). */
const MAX_SENDS = 12;
/** ... and towards one node. */
const PER_NODE_SENDS = 3;
/** Messages waiting for a send slot towards one node; beyond it the oldest is dropped (and counted). */
const PER_NODE_QUEUED = 48;
/** Largest message the endpoint takes (a chunk plus the largest header). */
export const MAX_MESSAGE_BYTES = 4160;

export interface TransportStats {
  sent: number;
  received: number;
  dropped: number;
  failedSends: number;
  lookupsFailed: number;
}

export class RpcTransport {
  private ep: Endpoint | null = null;
  private readonly remote = new Map<number, Endpoint>();
  private readonly finding = new Map<number, Promise<Endpoint | null>>();
  private readonly peers = new Map<number, { queue: Uint8Array[]; inflight: number }>();
  private inflight = 0;
  private closed = false;
  readonly stats: TransportStats = { sent: 0, received: 0, dropped: 0, failedSends: 0, lookupsFailed: 0 };

  constructor(
    private readonly mcapi: McapiNode,
    private readonly domain: number,
    private readonly port: number,
    /** How long a lookup of a peer's endpoint may take before its messages are dropped. */
    private readonly lookupMs: number,
    /** How long one MCAPI send may take (endpoint TIMEOUT). */
    private readonly sendMs: number,
    private readonly onMessage: (bytes: Uint8Array) => void,
  ) {}

  get node(): number {
    return this.mcapi.nodeId();
  }

  get open(): boolean {
    return this.ep !== null && !this.closed;
  }

  /** Create the endpoint and start receiving (idempotent). */
  start(): void {
    if (this.ep !== null || this.closed) return;
    const ep = this.mcapi.createEndpoint(this.port);
    this.mcapi.setEndpointAttribute(ep, EndpointAttr.MEMORY_TYPE, MemoryType.LOCAL_MEMORY | MemoryType.FAIL_ON_MEM_LIMIT);
    this.mcapi.setEndpointAttribute(ep, EndpointAttr.TIMEOUT, this.sendMs);
    this.ep = ep;
    void this.receiveLoop(ep);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.peers.clear();
    const ep = this.ep;
    this.ep = null;
    if (ep !== null) {
      try {
        this.mcapi.deleteEndpoint(ep);
      } catch {
        // Already gone with the node (finalized): nothing left to release.
      }
    }
  }

  private async receiveLoop(ep: Endpoint): Promise<void> {
    const buf = new Uint8Array(MAX_MESSAGE_BYTES);
    while (!this.closed) {
      let n: number;
      try {
        n = await this.mcapi.wait(this.mcapi.msgRecvI(ep, buf));
      } catch {
        // The endpoint was deleted (close) or the node finalized: the loop ends with it.
        return;
      }
      if (this.closed) return;
      this.stats.received++;
      this.onMessage(buf.slice(0, n));
    }
  }

  /** The peer's RPC endpoint, looked up once; null when it does not appear within `ms`. */
  endpointOf(node: number, ms: number = this.lookupMs): Promise<Endpoint | null> {
    const known = this.remote.get(node);
    if (known !== undefined) return Promise.resolve(known);
    let p = this.finding.get(node);
    if (p === undefined) {
      p = this.mcapi.getEndpoint(this.domain, node, this.port, ms).then(
        (ep) => {
          this.finding.delete(node);
          this.remote.set(node, ep);
          return ep;
        },
        () => {
          this.finding.delete(node);
          this.stats.lookupsFailed++;
          return null;
        },
      );
      this.finding.set(node, p);
    }
    return p;
  }

  send(node: number, bytes: Uint8Array): void {
    if (this.closed) return;
    let peer = this.peers.get(node);
    if (peer === undefined) this.peers.set(node, (peer = { queue: [], inflight: 0 }));
    if (peer.queue.length >= PER_NODE_QUEUED) {
      // The newest messages say the most (latest acknowledgement, latest progress).
      peer.queue.shift();
      this.stats.dropped++;
    }
    peer.queue.push(bytes);
    this.pump();
  }

  private pump(): void {
    for (const [node, peer] of this.peers) {
      while (!this.closed && this.inflight < MAX_SENDS && peer.inflight < PER_NODE_SENDS && peer.queue.length > 0) {
        const bytes = peer.queue.shift()!;
        this.inflight++;
        peer.inflight++;
        void this.deliver(node, bytes).finally(() => {
          this.inflight--;
          peer.inflight--;
          this.pump();
        });
      }
    }
  }

  private async deliver(node: number, bytes: Uint8Array): Promise<void> {
    const from = this.ep;
    if (from === null) return;
    const to = await this.endpointOf(node);
    if (to === null || this.closed) {
      this.stats.dropped++;
      return;
    }
    try {
      await this.mcapi.wait(this.mcapi.msgSendI(from, to, bytes));
      this.stats.sent++;
    } catch {
      // Refused (full), timed out or unreachable: the protocol's retransmission covers it.
      this.stats.failedSends++;
    }
  }
}
