/**
 * Link-state routing: the database of advertisements and the breadth-first searches over it.
 * An edge a–b exists only when a lists b AND b lists a, so a half-known or half-dead link is
 * never used. Searches visit neighbours in ascending node id, which gives the documented
 * tie-break for free: among equal-length paths the first hop with the lowest node id wins.
 */
import { assert } from '../util/assert.js';
import { NODE_ID_MAX, NODE_TABLE_SIZE } from '../wire/ids.js';
import type { Lsa } from './control.js';

export class LinkStateDb {
  private readonly entries = new Map<number, Lsa>();

  get(node: number): Lsa | undefined {
    return this.entries.get(node);
  }

  set(node: number, lsa: Lsa): void {
    this.entries.set(node, lsa);
  }

  /** Origins with an advertisement, in insertion order. */
  origins(): IterableIterator<number> {
    return this.entries.keys();
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }

  adjacent(a: number, b: number): boolean {
    const ea = this.entries.get(a);
    const eb = this.entries.get(b);
    return ea !== undefined && eb !== undefined && ea.neighbours.includes(b) && eb.neighbours.includes(a);
  }
}

export interface SearchResult {
  /** parent[v]: the node v was reached from, -1 for the root and for unreachable nodes. */
  parent: Int16Array;
  /** Reached nodes in visiting order, the root first. */
  order: number[];
}

export function breadthFirst(db: LinkStateDb, root: number): SearchResult {
  assert(root >= 0 && root <= NODE_ID_MAX, 'routing: a search starts at a node id');
  const parent = new Int16Array(NODE_TABLE_SIZE).fill(-1);
  const seen = new Uint8Array(NODE_TABLE_SIZE);
  const order = [root];
  seen[root] = 1;
  for (let i = 0; i < order.length; i++) {
    const u = order[i]!;
    const eu = db.get(u);
    if (eu === undefined) continue;
    for (const v of eu.neighbours) {
      if (seen[v] === 1) continue;
      const ev = db.get(v);
      if (ev === undefined || !ev.neighbours.includes(u)) continue;
      seen[v] = 1;
      parent[v] = u;
      order.push(v);
    }
  }
  return { parent, order };
}

export interface Routes {
  /**
   * firstHop[dst]: the neighbour to send through, dst itself for a neighbour, -1 when unreachable
   * or self, undefined past the largest reachable node id. A plain Array as long as that id + 1,
   * not an Int16Array of every possible node a board holds all run: 2 XS slots and an item per
   * node id up to it, not 7 slots and 512 B of chunks (docs/FOOTPRINT.md "Round 20").
   */
  firstHop: number[];
  /** Reachable nodes including `self`, ascending. */
  reachable: number[];
}

export function shortestPaths(db: LinkStateDb, self: number): Routes {
  const { parent, order } = breadthFirst(db, self);
  let top = self;
  for (let i = 1; i < order.length; i++) top = Math.max(top, order[i]!);
  // Filled by push (no holes: a hole ends a Lua array; typescript-to-lua has no `new Array(n)`).
  const firstHop: number[] = [];
  for (let v = 0; v <= top; v++) firstHop.push(-1);
  // BFS order puts every node after its parent, so the parent's first hop is known.
  for (let i = 1; i < order.length; i++) {
    const v = order[i]!;
    const p = parent[v]!;
    firstHop[v] = p === self ? v : firstHop[p]!;
  }
  const reachable = order.slice().sort((a, b) => a - b);
  return { firstHop, reachable };
}

export interface TreePosition {
  /** Our parent in the tree rooted at the source, -1 when we are the root or not in the tree. */
  parent: number;
  /** Our children in that tree, ascending. */
  children: number[];
}

/** Where `self` sits in the breadth-first broadcast tree rooted at `root`. */
export function treePosition(db: LinkStateDb, root: number, self: number): TreePosition {
  const { parent, order } = breadthFirst(db, root);
  const children: number[] = [];
  for (let i = 1; i < order.length; i++) {
    const v = order[i]!;
    if (parent[v] === self) children.push(v);
  }
  children.sort((a, b) => a - b);
  return { parent: parent[self]!, children };
}
