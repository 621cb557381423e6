/** The recovery decision as a pure function of the survivors' reports. */
import test from 'ava';
import { planRecovery } from '../../src/ft/plan.js';
import type { Report } from '../../src/ft/plan.js';
import { ImageKind } from '../../src/ft/frames.js';
import { buddiesOf, wardsOf } from '../../src/ft/view.js';

const C = ImageKind.COMMITTED;
const P = ImageKind.PENDING;

/** Reports of a 4-rank, 1-buddy run where everyone committed `gen`; `drop` nodes are dead. */
function steady(gen: number, drop: number[], spares: number[] = [4], pendingGen = 0): Report[] {
  const map = [0, 1, 2, 3];
  const out: Report[] = [];
  for (const n of [...map, ...spares]) {
    if (drop.includes(n)) continue;
    const images = [];
    if (map.includes(n)) {
      images.push({ rank: n, gen, kind: C, progress: gen * 10 });
      if (pendingGen > 0) images.push({ rank: n, gen: pendingGen, kind: P, progress: pendingGen * 10 });
      for (const w of wardsOf(map, n, 1)) {
        images.push({ rank: w, gen, kind: C, progress: gen * 10 });
        if (pendingGen > 0) images.push({ rank: w, gen: pendingGen, kind: P, progress: pendingGen * 10 });
      }
    }
    out.push({ node: n, committed: gen, progress: gen * 10 + 3, images });
  }
  return out;
}

test('buddies walk the ring and skip the owner’s node', (t) => {
  t.deepEqual(buddiesOf([0, 1, 2, 3], 3, 1), [0]);
  t.deepEqual(buddiesOf([0, 1, 2, 3], 1, 2), [2, 3]);
  t.deepEqual(buddiesOf([0, 1, 1, 3], 0, 2), [1, 3], 'node 1 holds two ranks: counted once');
  t.deepEqual(buddiesOf([0, 1, 1, 3], 1, 1), [3], 'never the owner itself');
  t.deepEqual(buddiesOf([5], 0, 1), [], 'one rank: no buddy');
  t.deepEqual(wardsOf([0, 1, 2, 3], 2, 1), [1]);
});

test('a failed rank goes to the lowest spare and its copy comes from its buddy; lost redundancy is rebuilt', (t) => {
  const p = planRecovery({ map: [0, 1, 2, 3], reports: steady(5, [2], [4, 5]), buddies: 1, shrink: false });
  if (!p.ok) return t.fail(p.reason);
  t.is(p.generation, 5);
  t.deepEqual(p.map, [0, 1, 4, 3]);
  t.deepEqual(p.failed, [2]);
  t.deepEqual(p.moved, [{ rank: 2, from: 2, to: 4 }]);
  // Rank 2's image to the spare from node 3 (its buddy); rank 1's buddy is now node 4.
  t.deepEqual(p.transfers, [
    { rank: 1, src: 1, dst: 4 },
    { rank: 2, src: 3, dst: 4 },
  ]);
  t.is(p.lostIterations, 3);
});

test('the generation is the highest any survivor committed; complete tentative copies of it count', (t) => {
  // Node 0 (the coordinator) committed 6 and sent COMMIT to node 1 only, then died.
  const reports = steady(5, [0], [4], 6);
  const one = reports.find((r) => r.node === 1)!;
  one.committed = 6;
  const p = planRecovery({ map: [0, 1, 2, 3], reports, buddies: 1, shrink: false });
  if (!p.ok) return t.fail(p.reason);
  t.is(p.generation, 6);
  t.deepEqual(p.map, [4, 1, 2, 3]);
  t.deepEqual(p.transfers.find((x) => x.rank === 0), { rank: 0, src: 1, dst: 4 }, 'rank 0 from its buddy’s tentative copy');
  // Nobody alive committed 6: back to 5.
  const q = planRecovery({ map: [0, 1, 2, 3], reports: steady(5, [0], [4], 6), buddies: 1, shrink: false });
  t.true(q.ok && q.generation === 5);
});

test('a rank whose node and only buddy both failed is unrecoverable; with two buddies it is not', (t) => {
  const p = planRecovery({ map: [0, 1, 2, 3], reports: steady(5, [1, 2], [4, 5]), buddies: 1, shrink: false });
  t.false(p.ok);
  if (!p.ok) t.is(p.reason, 'unrecoverable: checkpoint of rank 1 lost (node 1 and its buddy node 2 failed)');
  // Two buddies: rank 1 is also kept by node 3.
  const reports = steady(5, [1, 2], [4, 5]);
  reports.find((r) => r.node === 3)!.images = [...reports.find((r) => r.node === 3)!.images, { rank: 1, gen: 5, kind: C, progress: 50 }];
  const q = planRecovery({ map: [0, 1, 2, 3], reports, buddies: 2, shrink: false });
  if (!q.ok) return t.fail(q.reason);
  t.deepEqual(q.map, [0, 4, 5, 3]);
});

test('without a spare: shrink onto the holder, or stop with a clear reason', (t) => {
  const p = planRecovery({ map: [0, 1, 2, 3], reports: steady(5, [2], []), buddies: 1, shrink: true });
  if (!p.ok) return t.fail(p.reason);
  t.deepEqual(p.map, [0, 1, 3, 3], 'node 3 holds rank 2’s copy and takes it');
  t.true(p.shrink);
  t.deepEqual(buddiesOf(p.map, 2, 1), [0], 'the new buddies skip the node holding the rank');
  const q = planRecovery({ map: [0, 1, 2, 3], reports: steady(5, [2], []), buddies: 1, shrink: false });
  t.false(q.ok);
  if (!q.ok) t.regex(q.reason, /rank 2 \(node 2\) failed and no spare is available; the app does not allow running on fewer boards/);
});

test('before any checkpoint (generation 0) nothing is copied and failed ranks restart fresh', (t) => {
  const p = planRecovery({
    map: [0, 1, 2],
    reports: [0, 1, 3].map((node) => ({ node, committed: 0, progress: 2, images: [] })),
    buddies: 1,
    shrink: false,
  });
  if (!p.ok) return t.fail(p.reason);
  t.is(p.generation, 0);
  t.deepEqual(p.map, [0, 1, 3]);
  t.deepEqual(p.transfers, []);
});

test('a restarted member counts as failed even though it answers, and may serve as the spare', (t) => {
  const reports = steady(5, [], []);
  reports.find((r) => r.node === 2)!.images = [];
  const p = planRecovery({ map: [0, 1, 2, 3], reports, reborn: [2], buddies: 1, shrink: false });
  if (!p.ok) return t.fail(p.reason);
  t.deepEqual(p.failed, [2]);
  t.deepEqual(p.map, [0, 1, 2, 3], 'it takes its own rank back');
  t.deepEqual(p.transfers, [
    { rank: 1, src: 1, dst: 2 },
    { rank: 2, src: 3, dst: 2 },
  ]);
});

test('a live rank that nobody holds the generation of stops the run instead of planning a copy from nowhere', (t) => {
  // Node 2 crashed; everyone committed generation 5 except that rank 1's owner and buddy kept
  // only generation 4 of it (a recovery interrupted across a partition).
  const reports = steady(5, [2], [4]).map((r) => ({ ...r, images: r.images.map((i) => (i.rank === 1 ? { ...i, gen: 4 } : i)) }));
  const p = planRecovery({ map: [0, 1, 2, 3], reports, buddies: 1, shrink: false });
  t.deepEqual(p, { ok: false, reason: 'unrecoverable: no board holds generation 5 of rank 1 (node 1)' });
});
