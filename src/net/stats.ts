/**
 * Counters the network layer keeps: the NetStats of the contract plus what the simulator's
 * live view and the console show per link.
 */
import type { LinkKind } from '../hal.js';
import type { NetStats } from './net.js';
import { namedFigures, zeros } from '../util/figures.js';

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
  /**
   * Frames refused because their version nibble is not FRAME_VERSION although the rest is a
   * whole, sealed frame of our domain: a neighbour flashed with another mcdsm version (also
   * counted in malformed; docs/PROTOCOL.md §1).
   */
  versionMismatch: number;
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
  /** Frames from the neighbour in another frame version (also in malformed; NetLayerStats.versionMismatch). */
  versionMismatch: number;
  /** That version, as last reported (a board event, once per link and version); 0: none since the link was last up. */
  peerVersion: number;
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

/**
 * The counters as they are kept: one plain Array of numbers per layer and per link, indexed by
 * the constants below, instead of an object of 33 (layer) or 25 (link) properties. An XS board
 * keeps an object's every property in a slot of its slot heap (~55 slots with one link) and an
 * Array's items in its chunk heap; the slot heap is what a board runs short of (docs/FOOTPRINT.md,
 * "Round 7: pingpong slots"). A plain Array is 2 XS slots, a Float64Array 7 (the view and its
 * buffer; "Round 19b"). `stats()` / `linkStats()` build the public objects on demand. Numbers:
 * exact integers up to 2^53, no wrap-around (nothing here relies on typed storage).
 */
export type NetCounters = number[];
export type LinkCounters = number[];

export const NS_FRAMES_IN = 0;
export const NS_FRAMES_OUT = 1;
export const NS_BYTES_IN = 2;
export const NS_BYTES_OUT = 3;
export const NS_FORWARDED = 4;
export const NS_RETRANSMITS = 5;
export const NS_MALFORMED = 6;
export const NS_STALE = 7;
export const NS_UNROUTABLE = 8;
export const NS_SENT = 9;
export const NS_DELIVERED = 10;
export const NS_UNHANDLED = 11;
export const NS_HANDLER_ERRORS = 12;
export const NS_DUPLICATES = 13;
export const NS_LINK_DROPPED = 14;
export const NS_FAULT_DROPPED = 15;
export const NS_WRONG_DOMAIN = 16;
export const NS_TTL_EXPIRED = 17;
export const NS_BROADCAST_REJECTED = 18;
export const NS_LSA_IN = 19;
export const NS_LSA_OUT = 20;
export const NS_TOPOLOGY_CHANGES = 21;
export const NS_E2E_RESENT = 22;
export const NS_E2E_DUPLICATES = 23;
export const NS_E2E_OUT_OF_ORDER = 24;
export const NS_E2E_STALE = 25;
export const NS_E2E_STREAMS = 26;
export const NS_E2E_ACKS_OUT = 27;
export const NS_E2E_FULL = 28;
export const NS_E2E_ABANDONED = 29;
export const NS_E2E_GIVEN_UP = 30;
export const NS_E2E_RESETS = 31;
export const NS_AUTH_FAILED = 32;
export const NS_VERSION_MISMATCH = 33;

/** NetLayerStats fields in the order of their indices (module-level: in flash on a preloaded firmware). */
export const NET_STAT_KEYS: readonly (keyof NetLayerStats)[] = Object.freeze([
  'framesIn', 'framesOut', 'bytesIn', 'bytesOut', 'forwarded', 'retransmits',
  'malformed', 'stale', 'unroutable', 'sent', 'delivered', 'unhandled',
  'handlerErrors', 'duplicates', 'linkDropped', 'faultDropped', 'wrongDomain', 'ttlExpired',
  'broadcastRejected', 'lsaIn', 'lsaOut', 'topologyChanges', 'e2eResent', 'e2eDuplicates',
  'e2eOutOfOrder', 'e2eStale', 'e2eStreams', 'e2eAcksOut', 'e2eFull', 'e2eAbandoned',
  'e2eGivenUp', 'e2eResets', 'authFailed', 'versionMismatch',
]);

export const LS_FRAMES_IN = 0;
export const LS_FRAMES_OUT = 1;
export const LS_BYTES_IN = 2;
export const LS_BYTES_OUT = 3;
export const LS_RETRANSMITS = 4;
export const LS_MALFORMED = 5;
export const LS_DUPLICATES = 6;
export const LS_OUT_OF_ORDER = 7;
export const LS_NO_SESSION = 8;
export const LS_DROPPED = 9;
export const LS_FAULT_DROPPED = 10;
export const LS_WRONG_DOMAIN = 11;
export const LS_AUTH_FAILED = 12;
export const LS_OVERRUNS = 13;
export const LS_GARBAGE = 14;
export const LS_UPS = 15;
export const LS_DOWNS = 16;
export const LS_VERSION_MISMATCH = 17;
export const LS_PEER_VERSION = 18;

/** LinkStats counter fields in the order of their indices. */
export const LINK_COUNTER_KEYS: readonly (keyof LinkStats)[] = Object.freeze([
  'framesIn', 'framesOut', 'bytesIn', 'bytesOut', 'retransmits', 'malformed',
  'duplicates', 'outOfOrder', 'noSession', 'dropped', 'faultDropped', 'wrongDomain',
  'authFailed', 'overruns', 'garbage', 'ups', 'downs', 'versionMismatch', 'peerVersion',
]);

export function newNetCounters(): NetCounters {
  return zeros(NET_STAT_KEYS.length);
}

export function newLinkCounters(): LinkCounters {
  return zeros(LINK_COUNTER_KEYS.length);
}

/** The public NetLayerStats object of `c` (fields in their documented order). */
export function netLayerStats(c: NetCounters): NetLayerStats {
  return namedFigures(NET_STAT_KEYS, c) as unknown as NetLayerStats;
}

/** The public LinkStats object of a link's counters and its current state. */
export function linkStats(
  index: number, kind: LinkKind, up: boolean, peer: number, c: LinkCounters,
  inflight: number, queued: number, rtoMs: number, srttMs: number,
): LinkStats {
  const o: Record<string, unknown> = { index, kind, up, peer };
  for (let i = 0; i < LINK_COUNTER_KEYS.length; i++) o[LINK_COUNTER_KEYS[i]!] = c[i]!;
  o['inflight'] = inflight;
  o['queued'] = queued;
  o['rtoMs'] = rtoMs;
  o['srttMs'] = srttMs;
  return o as unknown as LinkStats;
}
