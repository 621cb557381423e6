/**
 * The routing role of the network layer (docs/PROTOCOL.md §6): this node's link-state
 * advertisements (originated when its set of up neighbours changes and on a refresh timer),
 * flooding and database exchange, the routes and broadcast trees computed from the database,
 * and waiting for the database to settle. The graph algorithms themselves are in routing.ts.
 */
import { assert } from '../util/assert.js';
import type { FrameFields } from '../wire/frame.js';
import { BROADCAST_NODE, NODE_ID_MAX } from '../wire/ids.js';
import { decodeLsa, encodeLsa } from './control.js';
import type { Lsa } from './control.js';
import type { HopLink } from './hop-link.js';
import { LinkStateDb, shortestPaths, treePosition } from './routing.js';
import type { TreePosition } from './routing.js';
import type { NetCounters } from './stats.js';
import { NS_LSA_IN, NS_LSA_OUT, NS_MALFORMED, NS_TOPOLOGY_CHANGES, LS_MALFORMED } from './stats.js';


interface Waiter {
  expected: number | readonly number[];
  resolve: () => void;
}

export interface RoutingHost {
  readonly node: number;
  readonly hops: readonly HopLink[];
  readonly st: NetCounters;
  /** A fresh LSA frame describing `origin` (hop fields and CRC are set per transmission). */
  lsaFrame(origin: number, payload: Uint8Array): Uint8Array;
  /** The set of reachable nodes changed (ascending, this node included). */
  topologyChanged(reachable: readonly number[]): void;
}

function sameList(a: readonly number[] | undefined, b: readonly number[]): boolean {
  if (a === undefined || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class LinkStateRouting {
  private readonly host: RoutingHost;
  private readonly node: number;
  private readonly hops: readonly HopLink[];
  private readonly st: NetCounters;
  private readonly db = new LinkStateDb();
  private mySeq = 0;
  /** firstHop[dst]: the neighbour towards dst, -1 (or undefined past its end) when unreachable or dst is this node (Routes.firstHop). */
  private firstHop: number[] = [];
  private reachableNodes: number[];
  /** Every adjacency advertised by a reachable node is confirmed by the other end too. */
  private settled = true;
  private readonly trees = new Map<number, TreePosition>();
  private waiters: Waiter[] = [];

  constructor(host: RoutingHost) {
    this.host = host;
    this.node = host.node;
    this.hops = host.hops;
    this.st = host.st;
    this.reachableNodes = [host.node];
  }

  /** The up link towards `dst` (a node-id byte), or null when it is unreachable (or this node). */
  route(dst: number): HopLink | null {
    // No test of the first hop itself: -1 (unreachable) and undefined (past the routes' end)
    // match no up link, whose peer is a node id; a compare fewer on every send and forward.
    const fh = this.firstHop[dst];
    // linkTo's loop inline: every unicast send and forward routes, a call fewer each.
    const hops = this.hops;
    for (let i = 0; i < hops.length; i++) {
      const h = hops[i]!;
      if (h.up && h.peer === fh) return h;
    }
    return null;
  }

  /** The up link with the lowest index towards neighbour `peer`. */
  linkTo(peer: number): HopLink | null {
    const hops = this.hops;
    for (let i = 0; i < hops.length; i++) {
      const h = hops[i]!;
      if (h.up && h.peer === peer) return h;
    }
    return null;
  }

  /** Where this node sits in the broadcast tree rooted at `root` (cached until routes change). */
  tree(root: number): TreePosition {
    let pos = this.trees.get(root);
    if (pos === undefined) {
      pos = treePosition(this.db, root, this.node);
      this.trees.set(root, pos);
    }
    return pos;
  }

  reachable(node: number): boolean {
    return node === this.node || (node >= 0 && node <= NODE_ID_MAX && (this.firstHop[node] ?? -1) >= 0);
  }

  nodes(): number[] {
    return this.reachableNodes.slice();
  }

  /** The link-state database as this node sees it, by origin ascending (for diagnostics). */
  linkState(): { node: number; seq: number; neighbours: number[] }[] {
    const out: { node: number; seq: number; neighbours: number[] }[] = [];
    for (const origin of this.db.origins()) {
      const lsa = this.db.get(origin);
      if (lsa !== undefined) out.push({ node: origin, seq: lsa.seq, neighbours: lsa.neighbours.slice() });
    }
    return out.sort((a, b) => a.node - b.node);
  }

  /** See NetLayer.converged. */
  converged(expected: number | readonly number[]): boolean {
    if (!this.settled) return false;
    if (typeof expected === 'number') return this.reachableNodes.length >= expected;
    for (const n of expected) if (!this.reachable(n)) return false;
    return true;
  }

  whenConverged(expected: number | readonly number[]): Promise<void> {
    if (this.converged(expected)) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.waiters.push({ expected, resolve });
    });
  }

  /** A link went up or down: advertise the new neighbour set, exchange databases on a new link. */
  linkChanged(hop: HopLink): void {
    const neighbours = this.upNeighbours();
    const originated = !sameList(this.db.get(this.node)?.neighbours, neighbours);
    if (originated) this.originate();
    else this.recompute();
    if (hop.up) {
      // Database exchange: the neighbour may have just restarted and know nothing.
      for (const origin of this.db.origins()) {
        if (originated && origin === this.node) continue;
        const lsa = this.db.get(origin);
        if (lsa !== undefined) this.sendLsa(hop, origin, lsa);
      }
    }
  }

  /** Advertise our current neighbours under a new sequence number. */
  originate(): void {
    // LSA sequence numbers are u32; the next after the last is 0 (never reached in practice).
    this.mySeq = this.mySeq >= 0xffffffff ? 0 : this.mySeq + 1;
    const lsa: Lsa = { seq: this.mySeq, neighbours: this.upNeighbours() };
    this.db.set(this.node, lsa);
    this.flood(this.node, lsa, null);
    this.recompute();
  }

  /** An LSA frame, in order and exactly once, from `link`. */
  onLsa(link: HopLink, f: FrameFields): void {
    const lsa = decodeLsa(f.payload);
    if (lsa === null || f.src === BROADCAST_NODE) {
      this.st[NS_MALFORMED]!++;
      link.stats[LS_MALFORMED]!++;
      return;
    }
    const origin = f.src;
    if (origin === this.node) {
      // Our own advertisement from before a restart: continue numbering above it.
      const mine = this.db.get(this.node);
      if (lsa.seq > this.mySeq || (lsa.seq === this.mySeq && !sameList(mine?.neighbours, lsa.neighbours))) {
        this.mySeq = lsa.seq;
        this.originate();
      }
      return;
    }
    const cur = this.db.get(origin);
    if (cur === undefined || lsa.seq > cur.seq) {
      this.st[NS_LSA_IN]!++;
      this.db.set(origin, lsa);
      this.flood(origin, lsa, link);
      this.recompute();
    } else if (lsa.seq < cur.seq) {
      this.sendLsa(link, origin, cur);
    }
  }

  private upNeighbours(): number[] {
    const out: number[] = [];
    for (const hop of this.hops) if (hop.up && !out.includes(hop.peer)) out.push(hop.peer);
    return out.sort((a, b) => a - b);
  }

  private flood(origin: number, lsa: Lsa, except: HopLink | null): void {
    for (const hop of this.hops) if (hop.up && hop !== except) this.sendLsa(hop, origin, lsa);
  }

  private sendLsa(hop: HopLink, origin: number, lsa: Lsa): void {
    if (hop.enqueue(this.host.lsaFrame(origin, encodeLsa(lsa)), 'control')) this.st[NS_LSA_OUT]!++;
  }

  private recompute(): void {
    const { firstHop, reachable } = shortestPaths(this.db, this.node);
    assert(reachable.includes(this.node), 'routing: a node always reaches itself');
    this.firstHop = firstHop;
    this.trees.clear();
    let settled = true;
    for (const u of reachable) {
      const lsa = this.db.get(u);
      if (lsa === undefined) continue;
      for (const v of lsa.neighbours) {
        if (!this.db.adjacent(u, v)) settled = false;
      }
    }
    const changed = !sameList(this.reachableNodes, reachable);
    if (!changed && settled === this.settled) return;
    this.settled = settled;
    if (changed) {
      this.reachableNodes = reachable;
      this.st[NS_TOPOLOGY_CHANGES]!++;
      this.host.topologyChanged(reachable);
    }
    if (this.waiters.length > 0) {
      const waiting = this.waiters;
      this.waiters = [];
      for (const w of waiting) {
        if (this.converged(w.expected)) w.resolve();
        else this.waiters.push(w);
      }
    }
  }
}
