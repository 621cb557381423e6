/**
 * What the message engine keeps per other node (messages.ts explains the protocol): the
 * outgoing messages and their sequence space, the refused numbers remembered as a receiver, and
 * the responses batched for that node.
 */
import type { Request } from './request.js';
import type { EndpointState } from './state.js';
import { Status } from './status.js';
import type { StatusCode } from './status.js';
import { Nack } from './wire.js';

/** OutMsg.state: transmitted, awaiting its response. */
export const INFLIGHT = 0;
/** OutMsg.state: refused by a full receiver; resent on RESUME (wait policy). */
export const REJECTED = 1;
/** OutMsg.state: not transmitted yet (window full, outbox full, or earlier messages to the node waiting). */
export const QUEUED = 2;

/** Response bytes batched per peer before a MSG_RESP frame is forced out. */
export const RESP_MAX = 252;

export interface OutMsg {
  req: Request<number>;
  from: EndpointState;
  toNode: number;
  toPort: number;
  prio: number;
  block: boolean;
  data: Uint8Array;
  /** 8-bit sequence number, given at the first transmission (-1 before). */
  seq: number;
  state: number;
  expired: boolean;
  /** Cancelled while a response was on its way: kept only to hold its sequence number. */
  zombie: boolean;
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
  readonly node: number;
  nextSeq = 0;
  /** Transmitted messages awaiting their outcome, by sequence number, in sending order. */
  readonly out = new Map<number, OutMsg>();
  /** Messages not transmitted yet, in order. */
  readonly queue: OutMsg[] = [];
  /** Transmitted, unfinished messages per destination port (at most MSG_PORT_WINDOW). */
  readonly perPort = new Map<number, number>();
  /** Ports whose refused messages must be resent once the outbox has room. */
  readonly resendPorts = new Set<number>();
  retryTimer = -1;
  readonly blocked = new Map<number, Blocked>();
  readonly resp = new Uint8Array(RESP_MAX);
  respLen = 0;
  /** Offset of the last entry when it is an ACK range that may still grow; -1 otherwise. */
  lastAck = -1;
  /** Epoch at which zombies were last swept (MessageSender.sweepZombies). */
  sweptEpoch = 0;

  constructor(node: number) {
    this.node = node;
  }
}

/** The peers by node id, made on first use. */
export class Peers {
  readonly byNode = new Map<number, Peer>();

  of(node: number): Peer {
    let p = this.byNode.get(node);
    if (p === undefined) {
      p = new Peer(node);
      this.byNode.set(node, p);
    }
    return p;
  }
}

export function nackStatus(reason: number): StatusCode {
  switch (reason) {
    case Nack.NO_ENDPOINT: return Status.MCAPI_ERR_ENDP_INVALID;
    case Nack.CHAN_CONNECTED: return Status.MCAPI_ERR_CHAN_CONNECTED;
    case Nack.SIZE: return Status.MCAPI_ERR_MSG_SIZE;
    case Nack.PRIORITY: return Status.MCAPI_ERR_PRIORITY;
    default: return Status.MCAPI_ERR_MEM_LIMIT;
  }
}

export function nackWhy(reason: number): string {
  switch (reason) {
    case Nack.NO_ENDPOINT: return 'no such endpoint on the receiving node';
    case Nack.CHAN_CONNECTED: return 'receive endpoint is connected to a channel';
    case Nack.SIZE: return "message exceeds the receive endpoint's MAX_PAYLOAD_SIZE";
    case Nack.OVERFLOW: return 'the receiver remembers too many refused messages from this node';
    case Nack.PRIORITY: return 'priority not supported by the receiving node';
    default: return `refused (reason ${String(reason)})`;
  }
}
