/**
 * Rank maps and who keeps whose checkpoint. A view is a rank map (the node of each rank) at
 * an epoch. Buddies of rank r are found walking the ring r+1, r+2, ... (mod the number of
 * ranks), taking the first `k` distinct nodes other than r's own — with one rank per node
 * that is simply the nodes of ranks r+1 .. r+k. The coordinator is the lowest node of the map.
 */

export function buddiesOf(map: readonly number[], rank: number, k: number): number[] {
  const own = map[rank];
  const out: number[] = [];
  for (let i = 1; i < map.length && out.length < k; i++) {
    const n = map[(rank + i) % map.length] as number;
    if (n !== own && !out.includes(n)) out.push(n);
  }
  return out;
}

/** Ranks hosted by `node`. */
export function ranksOf(map: readonly number[], node: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < map.length; r++) if (map[r] === node) out.push(r);
  return out;
}

/** Ranks (not hosted by `node`) whose checkpoint `node` keeps a copy of. */
export function wardsOf(map: readonly number[], node: number, k: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < map.length; r++) if (map[r] !== node && buddiesOf(map, r, k).includes(node)) out.push(r);
  return out;
}

/** Distinct nodes of the map, ascending. */
export function membersOf(map: readonly number[]): number[] {
  return ascendingNodes(new Set(map));
}

/**
 * The nodes of `set` ascending. Node ids are bytes, so a typed array's native sort does it
 * without a comparator call per comparison: FT's heartbeat tick builds such lists several
 * times (docs/PERFORMANCE.md "Round 9: 16 boards": a tick cost ~25k XS units on 16 boards).
 */
export function ascendingNodes(set: ReadonlySet<number>): number[] {
  const a = new Uint8Array(set.size);
  let i = 0;
  for (const n of set) {
    if ((n & 0xff) !== n) return [...set].sort((x, y) => x - y);
    a[i++] = n;
  }
  return Array.from(a.sort());
}
