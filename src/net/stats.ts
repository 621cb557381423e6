/**
 * Counters the network layer keeps: the NetStats of the contract plus what the simulator's
 * live view and the console show per link.
 */
import type { LinkKind } from '../hal.js';
import type { NetStats } from './net.js';

export interface NetLayerStats extends NetStats {
  /** Frames accepted by send() (broadcasts count once). */
  sent: number;
  /** Frames handed to registered handlers (a frame two handlers share counts once). */
  delivered: number;
  /** Delivered frames no handler was registered for. */
  unhandled: number;
  /** Handlers that threw (the layer logs, counts and carries on). */
  handlerErrors: number;
  /** Sequenced frames received a second time (retransmissions of frames already had). */
  duplicates: number;
  /** Frames queued or in flight on a link when it went down or its peer restarted. */
  linkDropped: number;
  /** Frames dropped by the ingress fault injector (drop probability or blockNodes). */
  faultDropped: number;
  /** Well-formed frames of another domain. */
  wrongDomain: number;
  /** Frames that could not be forwarded because their ttl ran out (also counted in unroutable). */
  ttlExpired: number;
  /** Broadcast copies not taken: one already taken (or older than the newest taken) from that source, or our own. */
  broadcastRejected: number;
  /** Link-state advertisements received and installed / sent (floods count per link). */
  lsaIn: number;
  lsaOut: number;
  /** Times the set of reachable nodes changed. */
  topologyChanges: number;
  /** End-to-end layer (docs/PROTOCOL.md §8): frames sent again because no ack came in time or a route changed. */
  e2eResent: number;
  /** Frames received a second time end to end (dropped), and frames ahead of a gap (dropped, resent later). */
  e2eDuplicates: number;
  e2eOutOfOrder: number;
  /** Frames of a stream the receiver retired (a late copy from before a restart of the stream). */
  e2eStale: number;
  /** Streams adopted by this node as a receiver (a new sender, or a sender's new incarnation). */
  e2eStreams: number;
  /** Standalone E2E_ACK frames sent (acks riding on data frames are free). */
  e2eAcksOut: number;
  /** Frames refused by send() because the end-to-end window or memory was full. */
  e2eFull: number;
  /** Accepted frames that will never be delivered (definite failure): the destination restarted, was declared dead, or acknowledged nothing for e2eGiveUpMs. */
  e2eAbandoned: number;
  /** Destinations given up after e2eGiveUpMs without an ack; destinations found restarted. */
  e2eGivenUp: number;
  e2eResets: number;
  /** Domain key (docs/PROTOCOL.md §13): frames dropped for a missing or wrong MAC — forged, altered, replayed, or from a board without the key. */
  authFailed: number;
}

export interface LinkStats {
  index: number;
  kind: LinkKind;
  /** Both sides have heard each other's HELLO: frames flow. */
  up: boolean;
  /** Node id of the neighbour last heard on this link, -1 if none yet. */
  peer: number;
  framesIn: number;
  framesOut: number;
  /** Raw bytes, COBS overhead included on stream links. */
  bytesIn: number;
  bytesOut: number;
  retransmits: number;
  /** Frames that failed decode (CRC, length, version, flags) or carried bad control payloads. */
  malformed: number;
  duplicates: number;
  /** Sequenced frames that arrived ahead of a gap and were held for in-order delivery. */
  outOfOrder: number;
  /** Sequenced frames received while the link was not up (the peer retransmits them later). */
  noSession: number;
  /** Frames lost from this link's queue/window when it went down or its peer restarted. */
  dropped: number;
  faultDropped: number;
  wrongDomain: number;
  /** Frames dropped for a missing or wrong MAC (domain key). */
  authFailed: number;
  /** Stream links: frames longer than the largest frame, and frames cut short by a delimiter. */
  overruns: number;
  garbage: number;
  ups: number;
  downs: number;
  /** Frames sent and not yet acknowledged / waiting behind the window, now. */
  inflight: number;
  queued: number;
  /** Current retransmission timeout and smoothed round trip (-1 before the first sample). */
  rtoMs: number;
  srttMs: number;
}

export function newNetLayerStats(): NetLayerStats {
  return {
    framesIn: 0, framesOut: 0, bytesIn: 0, bytesOut: 0, forwarded: 0, retransmits: 0,
    malformed: 0, stale: 0, unroutable: 0, sent: 0, delivered: 0, unhandled: 0,
    handlerErrors: 0, duplicates: 0, linkDropped: 0, faultDropped: 0, wrongDomain: 0,
    ttlExpired: 0, broadcastRejected: 0, lsaIn: 0, lsaOut: 0, topologyChanges: 0,
    e2eResent: 0, e2eDuplicates: 0, e2eOutOfOrder: 0, e2eStale: 0, e2eStreams: 0, e2eAcksOut: 0,
    e2eFull: 0, e2eAbandoned: 0, e2eGivenUp: 0, e2eResets: 0, authFailed: 0,
  };
}

export function newLinkStats(index: number, kind: LinkKind): LinkStats {
  return {
    index, kind, up: false, peer: -1, framesIn: 0, framesOut: 0, bytesIn: 0, bytesOut: 0,
    retransmits: 0, malformed: 0, duplicates: 0, outOfOrder: 0, noSession: 0, dropped: 0,
    faultDropped: 0, wrongDomain: 0, authFailed: 0, overruns: 0, garbage: 0, ups: 0, downs: 0, inflight: 0,
    queued: 0, rtoMs: 0, srttMs: -1,
  };
}
