/**
 * The recovery decision, as a pure function of what the surviving boards reported.
 *
 * - Generation G to return to: the highest one any survivor committed. A round becomes
 *   committed somewhere only after every rank stored it with all its buddies, so if anyone
 *   committed G, every complete tentative copy of G is good and is committed too; tentative
 *   data newer than G is discarded (nobody alive committed it, and nobody will).
 * - Each rank whose node failed gets the lowest live spare; without one, if the app allows
 *   it, the surviving member that already holds the rank's copy (fewest ranks first); else
 *   the run stops with a clear reason.
 * - A rank none of whose copies of G survived is lost: the run stops ("unrecoverable"). So
 *   does a live rank whose node kept no copy of G either (nothing to roll it back to).
 * - Every node that must hold a rank's image under the new map (its owner and its buddies)
 *   and does not yet, gets a copy from a holder: that is both the spare's transfer and the
 *   rebuilt redundancy.
 */
import { ImageKind } from './frames.js';
import type { HeldImage, Transfer } from './frames.js';
import { buddiesOf, membersOf } from './view.js';

export interface Report {
  node: number;
  committed: number;
  progress: number;
  images: readonly HeldImage[];
}

export interface PlanInput {
  /** The view being replaced. */
  map: readonly number[];
  /** One per board that answered (alive), spares included. */
  reports: readonly Report[];
  /** Boards whose earlier incarnation failed: their ranks count as lost even though they answer now (as spares). */
  reborn?: readonly number[];
  buddies: number;
  shrink: boolean;
  /** Spares of the configuration the network has no route to (alive or not: nobody can tell). */
  unreachableSpares?: readonly number[];
}

export type Plan =
  | {
      ok: true;
      generation: number;
      map: number[];
      transfers: Transfer[];
      /** Ranks that moved to another node. */
      moved: { rank: number; from: number; to: number }[];
      /** Nodes of the old map that are gone (or restarted). */
      failed: number[];
      shrink: boolean;
      progressAtGeneration: number;
      lostIterations: number;
    }
  | { ok: false; reason: string };

export function planRecovery(input: PlanInput): Plan {
  const { map, reports, buddies, shrink } = input;
  const reborn = new Set(input.reborn ?? []);
  const alive = new Set(reports.map((r) => r.node));
  let gen = 0;
  let maxProgress = 0;
  for (const r of reports) {
    if (r.committed > gen) gen = r.committed;
    if (r.progress > maxProgress) maxProgress = r.progress;
  }
  const holders: number[][] = map.map(() => []);
  let progressAtGen = 0;
  for (const r of reports) {
    for (const img of r.images) {
      if (img.rank >= map.length || img.gen !== gen) continue;
      if (img.kind !== ImageKind.COMMITTED && img.kind !== ImageKind.PENDING) continue;
      const h = holders[img.rank] as number[];
      if (!h.includes(r.node)) h.push(r.node);
      if (img.progress > progressAtGen) progressAtGen = img.progress;
    }
  }
  for (const h of holders) h.sort((a, b) => a - b);

  const oldMembers = membersOf(map);
  const failed = oldMembers.filter((n) => !alive.has(n) || reborn.has(n));
  const failedSet = new Set(failed);
  const spares = reports
    .map((r) => r.node)
    .filter((n) => !oldMembers.includes(n) || reborn.has(n))
    .sort((a, b) => a - b);
  const next = map.slice();
  const moved: { rank: number; from: number; to: number }[] = [];
  let shrunk = false;
  for (let rank = 0; rank < map.length; rank++) {
    const node = map[rank] as number;
    if (!failedSet.has(node)) continue;
    const h = holders[rank] as number[];
    if (gen > 0 && h.length === 0) {
      const lostBuddies = buddiesOf(map, rank, buddies);
      return {
        ok: false,
        reason: `unrecoverable: checkpoint of rank ${rank} lost (node ${node} and its buddy ${lostBuddies.length === 1 ? 'node' : 'nodes'} ${lostBuddies.length > 0 ? lostBuddies.join(', ') : 'none'} failed)`,
      };
    }
    let to = -1;
    const spare = spares.shift();
    if (spare !== undefined) to = spare;
    else if (shrink) {
      const live = membersOf(next).filter((n) => !failedSet.has(n));
      const load = (n: number): number => next.filter((x) => x === n).length;
      const order = (a: number, b: number): number => load(a) - load(b) || a - b;
      const holding = live.filter((n) => h.includes(n)).sort(order);
      to = holding[0] ?? live.sort(order)[0] ?? -1;
      if (to < 0) return { ok: false, reason: `rank ${rank} (node ${node}) failed and no board is left to take it` };
      shrunk = true;
    } else {
      const cut = (input.unreachableSpares ?? []).filter((n) => !alive.has(n));
      const why = cut.length > 0
        ? `the spare${cut.length > 1 ? 's' : ''} (node${cut.length > 1 ? 's' : ''} ${cut.join(', ')}) ${cut.length > 1 ? 'are' : 'is'} unreachable`
        : 'no spare is available';
      return { ok: false, reason: `rank ${rank} (node ${node}) failed and ${why}; the app does not allow running on fewer boards` };
    }
    next[rank] = to;
    moved.push({ rank, from: node, to });
  }

  const transfers: Transfer[] = [];
  if (gen > 0) {
    for (let rank = 0; rank < next.length; rank++) {
      const h = holders[rank] as number[];
      const owner = next[rank] as number;
      // A live rank nobody holds generation G of (after a recovery interrupted across a
      // partition, say: its owner and buddies kept only a newer tentative round or an older
      // one) cannot roll back with the others: stop, as for a lost rank, rather than copy
      // from nowhere.
      const first = h[0];
      if (first === undefined) {
        return { ok: false, reason: `unrecoverable: no board holds generation ${gen} of rank ${rank} (node ${owner})` };
      }
      const src = h.includes(owner) ? owner : first;
      for (const dst of [owner, ...buddiesOf(next, rank, buddies)]) {
        if (!h.includes(dst) || reborn.has(dst)) transfers.push({ rank, src, dst });
      }
    }
  }
  return {
    ok: true,
    generation: gen,
    map: next,
    transfers,
    moved,
    failed,
    shrink: shrunk,
    progressAtGeneration: progressAtGen,
    lostIterations: Math.max(0, maxProgress - progressAtGen),
  };
}
