/**
 * Message responses (ACK ranges, NACKs, RESUMEs), batched per peer until the end of the turn
 * (a zero-delay timer) and sent in one MSG_RESP frame, unless they ride on a message going the
 * other way first (MessageSender.transmit). Consecutive ACKs merge into one range entry.
 *
 * An acceptance for an endpoint with an ACCEPT_ACK_DELAY waits up to that many ms for a message
 * going back instead (docs/MCAPI.md "Acceptance acks"): on a DSM ring most of them find one,
 * and a MSG_RESP frame saved is a whole frame's work on every board it crosses. NACKs and
 * RESUMEs never wait (a refused sender is stalled), and take what was batched with them.
 */
import { Core } from './core.js';
import type { AfterTold } from './request.js';
import { Peer } from './msg-peer.js';
import { McapiFrame, MSG_PORT_WINDOW, Resp } from './wire.js';

export class Responses implements AfterTold {
  /** Bytes of one response entry: ACK first count, NACK seq reason, RESUME port. */
  static readonly ENTRY = 3;
  /** Largest count of one ACK range entry. */
  private static readonly ACK_RANGE_MAX = 255;
  /**
   * Delayed acceptances per peer before they go at the end of the turn after all: a quarter of
   * a sender's per-endpoint window, so a sender streaming to one endpoint never stalls on them.
   */
  static readonly DELAYED_MAX = MSG_PORT_WINDOW / 4;
  /** How much longer than a delayed acceptance the net holds its own ack (ours goes first). */
  private static readonly HOLD_SLACK_MS = 1;
  /** Peers with responses batched for the end of this turn. */
  private readonly pending = new Set<Peer>();
  /**
   * The peer whose delayed acceptance's timer waits for the end of the Completions' microtask
   * (schedule): its `respTimer` is then below -1. No initializer: the property exists (an XS
   * slot) only on a node whose receives have Completions (the DSM transport's).
   */
  declare private deferred: Peer | undefined;

  constructor(private readonly core: Core, private readonly peers: Map<number, Peer>) {}

  reset(): void {
    // The peers go with it (MessageEngine.reset): no acceptance waits for its delay any more.
    this.core.respDelayed = 0;
    this.pending.clear();
    if (this.deferred !== undefined) this.deferred = undefined;
  }

  /**
   * Batch one response entry (ACK seq, NACK seq reason, RESUME port) for `peer`. `delayMs`
   * (ACKs only): how long it may wait for a message going back; 0 = the end of this turn.
   */
  respond(peer: Peer, kind: number, a: number, b: number, delayMs = 0): void {
    const r = peer.resp;
    if (kind === Resp.ACK && peer.lastAck >= 0) {
      const count = r[peer.lastAck + 2]!;
      if (count < Responses.ACK_RANGE_MAX && ((r[peer.lastAck + 1]! + count) & 0xff) === a) {
        r[peer.lastAck + 2] = count + 1;
        if (delayMs > 0) this.schedule(peer, delayMs);
        else if (!this.pending.has(peer)) this.endOfTurn(peer);
        return;
      }
    }
    if (peer.respLen + Responses.ENTRY > Peer.RESP_MAX) this.flushPeer(peer);
    const o = peer.respLen;
    r[o] = kind;
    if (kind === Resp.RESUME) {
      r[o + 1] = (a >>> 8) & 0xff;
      r[o + 2] = a & 0xff;
    } else {
      r[o + 1] = a;
      r[o + 2] = b;
    }
    peer.respLen = o + Responses.ENTRY;
    peer.lastAck = kind === Resp.ACK ? o : -1;
    if (delayMs > 0 && kind === Resp.ACK) {
      this.schedule(peer, delayMs);
    } else if (!this.pending.has(peer)) {
      // The usual case inline, as before delays existed (a call more per message costs ~45
      // XS units): no delay, or a refusal.
      if (peer.respTimer !== -1) {
        this.endOfTurn(peer);
        return;
      }
      this.pending.add(peer);
      this.core.requestFlush(Core.FLUSH_RESPONSES);
      // A frame to the peer leaves this turn: its link's ack may ride on it (Net.answering).
      this.core.net.answering?.(peer.node);
    }
  }

  /** The responses batched for `peer` go at the end of this turn (its delay timer, if any, is moot). */
  private endOfTurn(peer: Peer): void {
    const t = peer.respTimer;
    if (t !== -1) {
      peer.delayedAcks = 0;
      if (t >= 0) this.core.clearTimer(t);
      peer.respTimer = -1;
      this.core.respDelayed--;
    }
    this.pending.add(peer);
    this.core.requestFlush(Core.FLUSH_RESPONSES);
    this.core.net.answering?.(peer.node);
  }

  /** A delayed acceptance: by its timer, unless too many wait already (then the end of the turn). */
  private schedule(peer: Peer, delayMs: number): void {
    if (this.pending.has(peer)) return;
    if (++peer.delayedAcks > Responses.DELAYED_MAX) {
      this.endOfTurn(peer);
      return;
    }
    // The first delayed entry bounds the wait of every later one.
    if (peer.respTimer !== -1) return;
    // From here the peer's respTimer is a timer or a deferral (not -1) until it fires, is
    // cleared or the responses ride: counted for beforeData (Core.respDelayed).
    this.core.respDelayed++;
    // A message taken by a receive with a Completion (the DSM transport's) is handled in the
    // microtask that tells it, and what it sends back (a home's page) carries the acceptance:
    // the timer is armed only if the acceptance is still batched at the end of that microtask
    // (afterTold), not set and cleared in the same turn with two closures and the net's hold
    // (the home's step of every page fetch, docs/PERFORMANCE.md "Round 15"). Armed then, it
    // is armed at the same virtual time (a microtask of the same turn).
    const q = this.core.requests.told;
    if (q !== null && q.due.length > 0 && q.after === undefined) {
      // -(2 + delay): deferred, and the delay it is to be armed with.
      peer.respTimer = -2 - delayMs;
      this.deferred = peer;
      q.after = this;
      return;
    }
    peer.respTimer = this.core.setTimer(delayMs, () => {
      peer.respTimer = -1;
      this.core.respDelayed--;
      peer.delayedAcks = 0;
      this.flushPeer(peer);
    });
    // What goes to the peer by then carries the end-to-end ack as well: the net need not
    // send one of its own first (1 ms after ours, so ours fires first).
    this.core.net.holdAck?.(peer.node, delayMs + Responses.HOLD_SLACK_MS);
  }

  /** @internal CompletionQueue's hook: the Completions were told; arm the deferred peer's timer if its acceptance still waits. */
  afterTold(): void {
    const peer = this.deferred;
    if (peer === undefined) return;
    this.deferred = undefined;
    const t = peer.respTimer;
    if (t >= -1) return;
    // schedule's timer, armed now (its own copy: a call less on the reader's step).
    const delayMs = -2 - t;
    peer.respTimer = this.core.setTimer(delayMs, () => {
      peer.respTimer = -1;
      this.core.respDelayed--;
      peer.delayedAcks = 0;
      this.flushPeer(peer);
    });
    this.core.net.holdAck?.(peer.node, delayMs + Responses.HOLD_SLACK_MS);
  }

  /** The responses batched for `peer` rode on a message to it: nothing left to send. */
  taken(peer: Peer): void {
    peer.respLen = 0;
    peer.lastAck = -1;
    const t = peer.respTimer;
    if (t !== -1) {
      peer.delayedAcks = 0;
      if (t >= 0) this.core.clearTimer(t);
      peer.respTimer = -1;
      this.core.respDelayed--;
    }
    if (this.pending.delete(peer) && this.pending.size === 0) this.core.dropFlush(Core.FLUSH_RESPONSES);
  }

  flushPeer(peer: Peer): void {
    if (peer.respLen === 0) return;
    const payload = peer.resp.slice(0, peer.respLen);
    this.taken(peer);
    this.core.counters.respFrames++;
    this.core.tx(McapiFrame.MSG_RESP, peer.node, 0, 0, payload, false);
  }

  /** Send the responses batched for `node` now (before a channel frame to it). */
  flushNode(node: number): void {
    const peer = this.peers.get(node);
    if (peer !== undefined && peer.respLen > 0) this.flushPeer(peer);
  }

  /** Send every batched response (end of turn). flushPeer removes each peer as it goes. */
  flush(): void {
    // Usually empty: the responses rode on the reply (piggybacked). No iterator then.
    if (this.pending.size === 0) return;
    for (const peer of this.pending) this.flushPeer(peer);
  }
}
