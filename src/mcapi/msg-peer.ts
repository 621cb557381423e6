/**
 * What the message engine keeps per other node (messages.ts explains the protocol): the
 * outgoing messages and their sequence space, the refused numbers remembered as a receiver, and
 * the responses batched for that node.
 */
import type { Request } from './request.js';
import type { EndpointState } from './state.js';

/** OutMsg.state values. */
export const OutState = {
  /** Transmitted, awaiting its response. */
  INFLIGHT: 0,
  /** Refused by a full receiver; resent on RESUME (wait policy). */
  REJECTED: 1,
  /** Not transmitted yet (window full, outbox full, or earlier messages to the node waiting). */
  QUEUED: 2,
} as const;

/**
 * OutMsg.flags: its state (an OutState) in the low bits and three yes/no facts, one number
 * rather than four fields (every property is an XS slot per message in flight; a dozen
 * messages in flight is a conformance case, docs/TARGETS.md "Round 10: MCAPI completions").
 */
export const OutFlag = {
  /** The OutState bits. */
  STATE: 3,
  /** Sent with the wait policy: a full receiver refuses and resumes it (else it fails at once). */
  BLOCK: 4,
  /** Its send endpoint's TIMEOUT ran out while a response was on its way: a refusal then ends it. */
  EXPIRED: 8,
  /** Cancelled while a response was on its way: kept only to hold its sequence number. */
  ZOMBIE: 16,
} as const;

export interface OutMsg {
  req: Request<number>;
  from: EndpointState;
  /** The destination node is `peer.node` (no field of its own: a slot per message in flight). */
  toPort: number;
  prio: number;
  /** Its OutFlag bits. */
  flags: number;
  data: Uint8Array;
  /** 8-bit sequence number, given at the first transmission (-1 before). */
  seq: number;
  state: number;
  timer: number;
  peer: Peer;
  /** Membership epoch of its transmission (the network drops answers of older epochs). */
  epoch: number;
}

export interface Blocked {
  /** Refused sequence numbers in arrival order; only the head may be accepted. */
  list: number[];
  /** A NACK went out since the last RESUME: send RESUME when there is room. */
  armed: boolean;
}

/** Everything kept about one other node (or this one, for messages to itself). */
export class Peer {
  /** Response bytes batched per peer before a MSG_RESP frame is forced out. */
  static readonly RESP_MAX = 252;
  readonly node: number;
  nextSeq = 0;
  /** Transmitted messages awaiting their outcome, by sequence number, in sending order. */
  readonly out = new Map<number, OutMsg>();
  /** Messages not transmitted yet, in order. */
  readonly queue: OutMsg[] = [];
  /** Transmitted, unfinished messages per destination port (at most MSG_PORT_WINDOW). */
  readonly perPort = new Map<number, number>();
  /**
   * Ports whose refused messages must be resent once the outbox has room; null until the
   * first (as `blocked`: a collection per peer is ~4 slots on XS whether used or not, and
   * both serve refusals only; docs/TARGETS.md, "Round 7: pingpong slots").
   */
  resendPorts: Set<number> | null = null;
  retryTimer = -1;
  /** Refused messages per port, as the receiver; null until the first refusal. */
  blocked: Map<number, Blocked> | null = null;
  readonly resp = new Uint8Array(Peer.RESP_MAX);
  respLen = 0;
  /** Offset of the last entry when it is an ACK range that may still grow; -1 otherwise. */
  lastAck = -1;
  /**
   * The timer that sends batched acceptances nobody needs at once (ACCEPT_ACK_DELAY) unless
   * they ride on a message first; -1 when none is set.
   */
  respTimer = -1;
  /** Acceptances batched under that timer (bounded: Responses.DELAYED_MAX). */
  delayedAcks = 0;
  /** Epoch at which zombies were last swept (MessageSender.sweepZombies). */
  sweptEpoch = 0;

  constructor(node: number) {
    this.node = node;
  }

  /** The peer for `node` in `peers`, made on first use. */
  static of(peers: Map<number, Peer>, node: number): Peer {
    let p = peers.get(node);
    if (p === undefined) {
      p = new Peer(node);
      peers.set(node, p);
    }
    return p;
  }
}
