/**
 * The contract between the network layer (src/net: links, framing, per-hop acknowledged
 * delivery, routing) and the layers above it (MCAPI, DSM, FT). Upper layers see end-to-end
 * datagrams addressed by node and port, delivered in order per (source, destination) pair
 * while the route is stable, at most once, never corrupted.
 */

export interface NetFrame {
  /** Frame type, from the owning layer's range in FrameType. */
  type: number;
  /** Source node id (0..254). Filled in by the network layer on send. */
  src: number;
  /** Destination node id (0..254); 255 is broadcast to every node of the domain. */
  dst: number;
  srcPort: number;
  dstPort: number;
  /** Membership generation; the network layer drops frames whose epoch is older than its own. */
  epoch: number;
  payload: Uint8Array;
}

/** A handler may keep `frame.payload`: it is not reused (docs/PROTOCOL.md, section 8). */
export type NetHandler = (frame: NetFrame) => void;

export { BROADCAST_NODE } from '../wire/ids.js';

export interface NetStats {
  framesIn: number;
  framesOut: number;
  bytesIn: number;
  bytesOut: number;
  forwarded: number;
  retransmits: number;
  /** Frames dropped because they failed the CRC, were too short, or had a bad version/length. */
  malformed: number;
  /** Frames dropped because their epoch was older than the board's. */
  stale: number;
  /** Frames dropped for lack of a route or queue space. */
  unroutable: number;
}

export interface Net {
  readonly domain: number;
  readonly node: number;
  /** Current membership epoch; frames sent carry it. */
  epoch: number;
  /**
   * Send a frame (src and epoch are filled in). Returns false when it cannot be queued
   * (no route to `dst`, or the transmit queue towards it is full); the caller decides.
   * The payload is copied before send returns, so the caller may reuse its buffer at once;
   * nor is the frame record kept (MCAPI's Core reuses one record for every send).
   */
  send(frame: Omit<NetFrame, 'src' | 'epoch'>): boolean;
  /**
   * send of a frame whose payload is `head` then `frame.payload`: an upper layer's own header
   * (MCAPI's MSG header, a PKT_CR's credit entries) written into the frame with the payload,
   * instead of a joined copy that the net would copy again. Both are copied before it returns.
   * Optional: a net without it is sent the two joined (a test double, an example's wrapper).
   * The frame's fields as arguments, not a record: MCAPI's every message and packet, and a
   * record's stores and reads are XS units before the frame is written (Round 19).
   */
  sendHead?(type: number, dst: number, srcPort: number, dstPort: number, head: Uint8Array, payload: Uint8Array): boolean;
  /**
   * send of a frame whose payload of `bytes` bytes the caller writes in place: `write(frame, at,
   * a, b)` writes it at `frame[at..at + bytes)` of the frame the net makes and keeps (zeros
   * there until written), before send's path goes on. FT's checkpoint data is built straight
   * into the frame held until it is acked: no copy of it, no view, no record per frame
   * (docs/FOOTPRINT.md "Round 20: checkpoint data framed in place"). `write` a module-level function, its two arguments the
   * caller's state: no closure per frame. Not called when the frame is refused (false).
   * Optional: a net without it is sent the payload built apart.
   */
  sendBuilt?<A, B>(
    type: number, dst: number, srcPort: number, dstPort: number, bytes: number,
    write: (frame: Uint8Array, at: number, a: A, b: B) => void, a: A, b: B,
  ): boolean;
  /** Receive every frame whose type is in [first, last] and addressed to this node (or broadcast). */
  register(first: number, last: number, handler: NetHandler): void;
  /**
   * This layer will send a frame to `dst` within `ms`: the end-to-end ack owed to dst may wait
   * to ride on it (bounded by the net; docs/PROTOCOL.md §8). Optional: a net without
   * end-to-end acks has nothing to hold.
   */
  holdAck?(dst: number, ms: number): void;
  /**
   * The layer above sends `dst` a frame before the current turn ends (MCAPI's answers batched
   * for the turn's end): called while a frame from dst is delivered, so that the link ack owed
   * to dst, a neighbour, may ride on that frame instead of being timed. Optional: a net
   * without link acks has nothing to spare.
   */
  answering?(dst: number): void;
  /**
   * What `answering(dst)` announced for `dst` will not go in this turn after all (refused into an
   * outbox, or the layer reset): the net times the ack again. BROADCAST_NODE: every one. Optional.
   */
  unanswered?(dst: number): void;
  /** True when a route to `node` is known. */
  reachable(node: number): boolean;
  /** Nodes currently known in the domain (from routing), including this one, ascending. */
  nodes(): number[];
  stats(): NetStats;
}
