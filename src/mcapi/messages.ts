/**
 * Connectionless messages (mcapi_msg_*), with end-to-end delivery acknowledgement.
 *
 * A send completes when the receiving node has queued the message (or handed it to a waiting
 * receive): the sender learns about a full receiver, a missing endpoint or a size mismatch.
 * Each sender numbers its messages per destination node with an 8-bit sequence number, at
 * most MSG_WINDOW (128) outstanding per node and MSG_PORT_WINDOW (32) per destination endpoint.
 * The receiver answers every message frame exactly once, batching answers per node until the
 * end of the turn, merging consecutive ACKs into ranges, or riding them on a message going back
 * (piggybacking: a lone ACK costs one byte there).
 *
 * Full receiver, wait policy (BLOCK flag): the receiver refuses (NACK FULL) and remembers the
 * sequence number in an ordered list per (sender node, endpoint); until that list drains it
 * refuses (NACK ORDER) every later message from that node to that endpoint, so nothing
 * overtakes a refused message. When the endpoint has room again it sends RESUME, and the sender
 * resends what was refused, in order. A sender that gives up (timeout, cancel) sends WITHDRAW so
 * the receiver forgets the number. Fail policy: NACK FULL ends the send with MCAPI_ERR_MEM_LIMIT.
 * The receive endpoint deleted while senders wait: each refused number is answered NACK
 * NO_ENDPOINT (the sends end with MCAPI_ERR_ENDP_INVALID). The node's message memory is shared
 * by its endpoints, so memory freed on one endpoint resumes refused senders of every endpoint.
 * Memory stays bounded: the sender holds only a reference to the application's buffer (which
 * MCAPI lets it use until the request completes), the receiver only sequence numbers.
 *
 * msg-peer.ts       what is kept per other node
 * msg-sender.ts     numbering, windows, transmission, outcomes, withdrawal
 * msg-receiver.ts   receives, queueing, refusals and their order, RESUME
 * msg-responses.ts  response batching (ACK ranges, piggybacking)
 */
import type { Core } from './core.js';
import type { Peer } from './msg-peer.js';
import { MessageReceiver } from './msg-receiver.js';
import { Responses } from './msg-responses.js';
import { MessageSender } from './msg-sender.js';
import type { EndpointState } from './state.js';

export class MessageEngine {
  private readonly peers = new Map<number, Peer>();
  /** @internal Read by McapiNodeBase.flushBeforeData (before every channel frame). */
  readonly responses: Responses;
  /** The facade calls the two halves directly (one call less per message on XS). */
  readonly sender: MessageSender;
  readonly receiver: MessageReceiver;

  constructor(core: Core) {
    this.responses = new Responses(core, this.peers);
    this.sender = new MessageSender(core, this.peers, this.responses);
    this.receiver = new MessageReceiver(core, this.peers, this.responses, this.sender);
  }

  reset(): void {
    this.peers.clear();
    this.responses.reset();
    this.receiver.blockedTotal = 0;
  }

  /** Outgoing messages not yet acknowledged, and refused sequence numbers remembered. */
  depths(): { pendingSends: number; blockedSenders: number } {
    return { pendingSends: this.sender.pending(), blockedSenders: this.receiver.blockedTotal };
  }

  available(st: EndpointState): number {
    return st.queued;
  }

  /** An endpoint is going away: its queue, waiters, outgoing messages and ordering lists with it. */
  endpointDeleted(st: EndpointState): void {
    this.receiver.dropQueue(st);
    for (const peer of this.peers.values()) {
      this.receiver.dropBlocked(peer, st.port);
      this.sender.dropFrom(peer, st);
    }
    this.receiver.resumeAll();
  }

  /** See MessageSender.unreachable. */
  unreachable(node: number): void {
    this.sender.unreachable(node);
  }

  /** Send every batched response (end of turn). */
  flush(): void {
    this.responses.flush();
  }
}
