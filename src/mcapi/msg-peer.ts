/**
 * What the message engine keeps per other node (messages.ts explains the protocol): the
 * outgoing messages and their sequence space, the refused numbers remembered as a receiver, and
 * the responses batched for that node.
 */
import { Request } from './request.js';

/** A sent message's state (OutMsg.flags & OutFlag.STATE). */
export const OutState = {
  /** Transmitted, awaiting its response. */
  INFLIGHT: 0,
  /** Refused by a full receiver; resent on RESUME (wait policy). */
  REJECTED: 1,
  /** Not transmitted yet (window full, outbox full, or earlier messages to the node waiting). */
  QUEUED: 2,
} as const;

/**
 * OutMsg.flags: its state (an OutState) in the low bits, three yes/no facts, its priority, its
 * sequence number and the epoch of its transmission, one number (< 2^32) rather than seven fields (every property is an XS slot per
 * message in flight; a dozen messages in flight is a conformance case, docs/FOOTPRINT.md
 * "Round 12: conformance slots").
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
  /** The priority (0..7, limits.priorities <= 8) is `(flags >> PRIO_SHIFT) & 7`. */
  PRIO_SHIFT: 5,
  /** The 8-bit sequence number, given at the first transmission, is `(flags >>> SEQ_SHIFT) & 0xff`. */
  SEQ_SHIFT: 8,
  /**
   * The membership epoch of its transmission (the net's, 0..65535; the network drops answers
   * of older epochs) is `flags >>> EPOCH_SHIFT`, so flags are read with `>>>` (unsigned).
   */
  EPOCH_SHIFT: 16,
  /** Every bit below the sequence number. */
  BELOW_SEQ: 0xff,
} as const;

/**
 * A message sent (msgSendI, msgSend) is one record: its request itself, with the message's
 * fields (a Request and an OutMsg record beside it were 13 + 12 XS slots per message in flight,
 * docs/FOOTPRINT.md "Round 12: conformance slots"). The app sees a Request; these fields are
 * the engine's. While pending, the request's result field `_out` holds the message's data
 * (the app's buffer, kept for a resend after a refusal); completion replaces it with the
 * size sent or the failure's detail, as for every request.
 */
export class OutMsg extends Request<number> {
  // `declare`d fields, made by the constructor's assignments: a class field declaration is a
  // define and then the assignment, on every send (XS units, bench mcapi).
  /** @internal the destination node's state: the node is `peer.node` (no field of its own) */
  declare readonly peer: Peer;
  /**
   * @internal its send endpoint's port x 0x10000 + the destination endpoint's port (one field
   * for two, < 2^32): `ports >>> 16` and `ports & 0xffff`. The send endpoint by its port: a
   * deleted endpoint's messages end at its deletion (MessageSender.dropFrom), before any
   * endpoint can take the port again.
   */
  declare readonly ports: number;
  /** @internal OutFlag bits: state, yes/no facts, priority, sequence number, epoch */
  declare flags: number;
  // No `timer` field (a send endpoint's TIMEOUT timer is in MessageSender.timers, made only
  // for an endpoint that has one) and no `_cancel` (Core.abort asks the message sender by the
  // request's kind): every property is an XS slot of every message in flight, and the DSM's
  // messages (a barrier's release until its acceptance rides back, a push) have no timeout
  // (docs/FOOTPRINT.md "Round 21: the round peaks").

  constructor(peer: Peer, ports: number, flags: number, data: Uint8Array) {
    super(-1, Request.KIND.MSG_SEND);
    this.peer = peer;
    this.ports = ports;
    this.flags = flags;
    this._out = data;
  }
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
  /**
   * Transmitted messages awaiting their outcome, in sending order (so by sequence number from
   * the oldest). An array, not a Map by sequence number: a Map entry is 3 XS slots per message
   * in flight, an array's items are chunk memory (docs/FOOTPRINT.md "Round 12: conformance slots").
   */
  readonly out: OutMsg[] = [];
  /** Messages not transmitted yet, in order. */
  readonly queue: OutMsg[] = [];
  /**
   * Ports whose refused messages must be resent once the outbox has room; null until the
   * first (as `blocked`: a collection per peer is ~4 slots on XS whether used or not, and
   * both serve refusals only; docs/FOOTPRINT.md, "Round 7: pingpong slots").
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
   * they ride on a message first; -1 when none is set; below -1, -(2 + its delay) while it
   * waits for the end of the Completions' microtask to be armed (Responses.schedule).
   */
  respTimer = -1;
  /** Acceptances batched under that timer (bounded: Responses.DELAYED_MAX). */
  delayedAcks = 0;
  /** Epoch at which zombies were last swept (MessageSender.sweepZombies). */
  sweptEpoch = 0;

  constructor(node: number) {
    this.node = node;
  }

  /** The transmitted message numbered `seq`, undefined when none is outstanding. */
  sent(seq: number): OutMsg | undefined {
    const out = this.out;
    // Oldest first: answers come in sending order, so the first compare usually finds it.
    for (let i = 0; i < out.length; i++) {
      const om = out[i]!;
      if (((om.flags >>> OutFlag.SEQ_SHIFT) & 0xff) === seq) return om;
    }
    return undefined;
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
