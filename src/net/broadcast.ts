/**
 * Broadcast (docs/PROTOCOL.md §7): a frame for every node travels down the breadth-first tree
 * rooted at its source, one copy per child link. Each source numbers its broadcasts (u16,
 * starting at random so a restart is told from a late copy); a node takes the first copy newer
 * than anything taken from that source, so there are no loops, no duplicates, and nothing out
 * of order.
 */
import { assert } from '../util/assert.js';
import { copyBytes } from '../wire/bytes.js';
import { HEADER_SIZE, OFF_TTL } from '../wire/frame.js';
import type { FrameFields } from '../wire/frame.js';
import type { HopLink } from './hop-link.js';
import type { LinkStateRouting } from './link-state.js';
import type { NetFrame } from './net.js';
import type { NetCounters } from './stats.js';
import type { UpperLayers } from './upper.js';
import { NS_BROADCAST_REJECTED, NS_FORWARDED, NS_MALFORMED, NS_SENT, NS_TTL_EXPIRED, NS_UNROUTABLE, LS_MALFORMED } from './stats.js';

/** Broadcast payloads start with the source's u16 broadcast number (stripped on delivery). */
export const BCAST_HEADER = 2;
/**
 * A broadcast number this far or further behind the newest one taken from its source is not
 * a late copy but a restarted source (which starts at a random number).
 */
const BCAST_RESTART_GAP = 64;

export interface BroadcastHost {
  readonly node: number;
  readonly st: NetCounters;
  readonly routing: LinkStateRouting;
  readonly upper: UpperLayers;
  /** The layer's current epoch, as it travels (u16). */
  wireEpoch(): number;
  /** A fresh frame from this node with `prefix` zero bytes before `payload` (the broadcast number's room). */
  frame(send: Omit<NetFrame, 'src' | 'epoch'>, prefix: number): Uint8Array;
}

export class Broadcast {
  /** Broadcast numbers are u16 (arithmetic written `& 0xffff`); serial distances from half of it are "behind". */
  static readonly SPACE = 0x10000;

  /** The first broadcast number for a uniform draw `r` in [0, 1): random, so a restarted source is told from a late copy. */
  static firstNumber(r: number): number {
    return Math.floor(r * Broadcast.SPACE) & 0xffff;
  }

  private readonly host: BroadcastHost;
  private readonly st: NetCounters;
  /** Number of our next broadcast. */
  private next: number;
  /**
   * Newest broadcast number taken from each source, by node id (undefined: none yet). A plain
   * Array grown to the largest source heard, not an Int32Array of every possible node: 2 XS
   * slots and an item per node up to it, not 7 slots and 1 KB of chunks a board holds all run
   * (docs/FOOTPRINT.md "Round 20").
   */
  private readonly newest: number[] = [];

  /** `first`: Broadcast.firstNumber(), drawn when the layer is built. */
  constructor(host: BroadcastHost, first: number) {
    this.host = host;
    this.st = host.st;
    this.next = first;
  }

  /** Send to every node: all or nothing (a caller that retries a refused broadcast must not duplicate it). */
  send(frame: Omit<NetFrame, 'src' | 'epoch'>): boolean {
    const routing = this.host.routing;
    const children = routing.tree(this.host.node).children;
    const hops: HopLink[] = [];
    for (const child of children) {
      const hop = routing.linkTo(child);
      if (hop === null || !hop.canEnqueue('local')) {
        this.st[NS_UNROUTABLE]!++;
        return false;
      }
      hops.push(hop);
    }
    const bytes = this.host.frame(frame, BCAST_HEADER);
    assert(this.next >= 0 && this.next < Broadcast.SPACE, 'broadcast: number in the u16 space');
    bytes[HEADER_SIZE] = this.next & 0xff;
    bytes[HEADER_SIZE + 1] = this.next >>> 8;
    this.next = (this.next + 1) & 0xffff;
    for (let i = 0; i < hops.length; i++) hops[i]!.enqueue(i === hops.length - 1 ? bytes : copyBytes(bytes), 'local');
    this.st[NS_SENT]!++;
    return true;
  }

  /** A broadcast frame from `link`, in order and exactly once on that hop. */
  onFrame(link: HopLink, bytes: Uint8Array, f: FrameFields, owned: boolean): void {
    const p = f.payload;
    if (p.length < BCAST_HEADER) {
      this.st[NS_MALFORMED]!++;
      link.stats[LS_MALFORMED]!++;
      return;
    }
    const number = p[0]! | (p[1]! << 8);
    // Take the first copy that is newer than anything taken from this source, from whichever
    // neighbour: no loops, no duplicates, never out of order.
    const newest = this.newest[f.src];
    if (f.src === this.host.node || (newest !== undefined && !this.isNewer(number, newest))) {
      this.st[NS_BROADCAST_REJECTED]!++;
      return;
    }
    this.newest[f.src] = number;
    const routing = this.host.routing;
    const children = routing.tree(f.src).children;
    if (children.length > 0) {
      if (f.ttl > 1) {
        for (const child of children) {
          if (child === link.peer) continue;
          const hop = routing.linkTo(child);
          const copy = copyBytes(bytes);
          copy[OFF_TTL] = f.ttl - 1;
          if (hop !== null && hop.enqueue(copy, 'transit')) this.st[NS_FORWARDED]!++;
          else this.st[NS_UNROUTABLE]!++;
        }
      } else {
        this.st[NS_TTL_EXPIRED]!++;
        this.st[NS_UNROUTABLE]!++;
      }
    }
    this.host.upper.deliver(f, owned ? p.subarray(BCAST_HEADER) : copyBytes(p.subarray(BCAST_HEADER)), this.host.wireEpoch());
  }

  /** Whether broadcast `number` is new after `newest`: ahead of it, or far enough behind to be a restart. */
  private isNewer(number: number, newest: number): boolean {
    const ahead = (number - newest) & 0xffff;
    if (ahead === 0) return false;
    if (ahead < Broadcast.SPACE / 2) return true;
    return Broadcast.SPACE - ahead >= BCAST_RESTART_GAP;
  }
}
