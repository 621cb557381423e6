import test from 'ava';
import { DsmError } from '../../src/dsm/index.js';
import { BarrierNode, NOTICE_JOIN_GRANULES, barrierChildren, barrierParent, releaseOrder, type BarrierOutcome } from '../../src/dsm/barrier.js';
import { Msg, decodeMessage } from '../../src/dsm/messages.js';
import { RangeList } from '../../src/dsm/range-list.js';
import type { Clock } from '../../src/hal.js';
import { newDsmFigures, type DsmLimits } from '../../src/dsm/types.js';
import { drive, makeRig, values } from './memnet.js';

function failure(o: { ok: boolean; error?: Error }): DsmError {
  if (o.ok || !(o.error instanceof DsmError)) throw new Error(`expected a DsmError, got ${JSON.stringify(o)}`);
  return o.error;
}

/** Ring distance between two ranks of `size` laid out in rank order. */
function ringHops(a: number, b: number, size: number): number {
  const d = Math.abs(a - b);
  return Math.min(d, size - d);
}

function depthOf(rank: number, size: number): number {
  let d = 0;
  for (let r = rank; r !== 0; r = barrierParent(r, size)) d++;
  return d;
}

test('the barrier tree spans every rank with O(log boards) depth and edges no longer than half the ring', (t) => {
  for (let size = 1; size <= 64; size++) {
    let depth = 0;
    let hops = 0;
    let children = 0;
    for (let r = 0; r < size; r++) {
      for (const c of barrierChildren(r, size)) t.is(barrierParent(c, size), r);
      children += barrierChildren(r, size).length;
      if (r === 0) continue;
      depth = Math.max(depth, depthOf(r, size));
      hops += ringHops(r, barrierParent(r, size), size);
      t.true(ringHops(r, barrierParent(r, size), size) <= size >>> 1);
    }
    t.is(children, size - 1, `size ${size}: one parent per rank but the root`);
    const log = size > 1 ? Math.ceil(Math.log2(size)) : 0;
    t.true(depth <= log, `size ${size}: depth ${depth} > ${log}`);
    t.true(barrierChildren(0, size).length <= 2 * log, `size ${size}: the root has too many children`);
    // Every edge crosses at most lowbit(offset) hops: O(boards log boards) hops in all, far below the n^2/4 of a central manager on a ring.
    t.true(hops <= Math.max(1, size * Math.max(1, log)) / 2 + size, `size ${size}: ${hops} hops`);
  }
  // 16 boards: 7 children at the root (offsets +-1, +-2, +-4, +8), 3 levels below it.
  t.deepEqual(barrierChildren(0, 16), [1, 2, 4, 8, 12, 14, 15]);
  t.is(depthOf(7, 16), 3);
  t.is(depthOf(9, 16), 3);
});

test('a barrier costs two messages per board but the root, and each board gets exactly the others\' notices', async (t) => {
  for (const size of [2, 3, 5, 8, 16]) {
    const rig = makeRig(size, { seed: 40 + size });
    const rounds = 3;
    const out = values(
      await drive(rig, async (dsm, rank) => {
        const a = await dsm.alloc('tree.a', 'Uint8', size * 64, { home: 'block' });
        const before = dsm.stats();
        for (let k = 0; k < rounds; k++) {
          // Each board writes a byte in every other board's block (non-home), so every notice matters.
          for (let other = 0; other < size; other++) {
            if (other === rank) continue;
            (await dsm.acquire(a, other * 64 + rank, other * 64 + rank + 1, 'w'))[0] = k + 1;
          }
          await dsm.barrier();
          const all = await dsm.acquire(a, 0, size * 64, 'r');
          for (let b = 0; b < size; b++) for (let w = 0; w < size; w++) if (b !== w && all[b * 64 + w] !== k + 1) throw new Error(`rank ${rank}: byte ${b}/${w} is ${all[b * 64 + w]} after round ${k}`);
          await dsm.barrier();
        }
        const s = dsm.stats();
        return { sent: s.messagesSent - before.messagesSent, barriers: s.barriers - before.barriers };
      }),
    );
    t.is(out[0]!.barriers, 2 * rounds);
    // The barrier messages alone: a reference run of bare barriers.
    const bare = makeRig(size, { seed: 60 + size });
    const counts = values(
      await drive(bare, async (dsm) => {
        const before = dsm.stats().messagesSent;
        for (let k = 0; k < 10; k++) await dsm.barrier();
        return dsm.stats().messagesSent - before;
      }),
    );
    const total = counts.reduce((a, b) => a + b, 0);
    t.is(total, 10 * 2 * (size - 1), `size ${size}: ${total} messages for 10 barriers`);
    // The root sends only to its children (a central manager would send to every board).
    t.is(counts[0], 10 * barrierChildren(0, size).length, `size ${size} root`);
    for (let r = 1; r < size; r++) t.is(counts[r], 10 * (1 + barrierChildren(r, size).length), `size ${size} rank ${r}`);
  }
});

test('an interior board of the tree missing at a barrier: the root names it alone, and its children hear the failure', async (t) => {
  const size = 16;
  t.deepEqual(barrierChildren(4, size), [5, 6]);
  const rig = makeRig(size, { seed: 77 }, { barrierTimeoutMs: 4000 });
  const out = await drive(rig, async (dsm, rank) => {
    if (rank === 4) return 'skipped';
    await dsm.barrier();
    return 'passed';
  });
  for (let r = 0; r < size; r++) {
    if (r === 4) continue;
    const e = failure(out[r]!);
    t.is(e.code, 'BARRIER_TIMEOUT');
    t.is(e.message, 'dsm.barrier #1 timed out after 4000 ms: rank 4 did not arrive', `rank ${r}`);
  }
  t.true(rig.clock.now() >= 4000 && rig.clock.now() < 5000);
});

test('a board that never hears its parent names the root and that parent', async (t) => {
  // Ranks 0 and 4 gone: rank 3 (child of 2) waits for 2 x the timeout and says whom it could not reach.
  const rig = makeRig(8, { seed: 78 }, { barrierTimeoutMs: 1000 });
  const out = await drive(rig, async (dsm, rank) => (rank === 0 || rank === 4 ? 'gone' : dsm.barrier()));
  t.deepEqual(barrierChildren(2, 8), [3]);
  t.regex(failure(out[3]!).message, /rank 0 \(the barrier manager\) \(or rank 2, this board's parent in the barrier tree\) is missing/);
  t.regex(failure(out[1]!).message, /rank 0 \(the barrier manager\) is missing/);
});

test('a node releases its farthest children first (their releases pass through the near ones before those push halos)', (t) => {
  const ranks = (rank: number, size: number): number[] => {
    const children = barrierChildren(rank, size);
    return releaseOrder(rank, size, children).map((i) => children[i]!);
  };
  t.deepEqual(ranks(0, 8), [4, 2, 6, 1, 7]);
  t.deepEqual(ranks(0, 16), [8, 4, 12, 2, 14, 1, 15]);
  for (const size of [2, 3, 5, 8, 13, 16]) {
    for (let r = 0; r < size; r++) {
      const order = ranks(r, size);
      t.deepEqual([...order].sort((a, b) => a - b), barrierChildren(r, size), 'every child once');
      const dist = order.map((c) => Math.min(Math.abs(c - r), size - Math.abs(c - r)));
      for (let i = 1; i < dist.length; i++) t.true(dist[i - 1]! >= dist[i]!, `rank ${r} of ${size}: ${order}`);
    }
  }
});

test('the barrier joins notices a few granules apart: bands of 16 boards reach every board as one range (O(1), not O(boards), per board)', (t) => {
  const size = 16;
  const clock = { now: () => 0, setTimer: () => 1, clearTimer: () => {} };
  const queue: { from: number; to: number; bytes: Uint8Array }[] = [];
  const got = new Map<number, RangeList>();
  const nodes = Array.from({ length: size }, (_, r) =>
    new BarrierNode({ post: (to: number, bytes: Uint8Array) => void queue.push({ from: r, to, bytes }), rank: r, size, clock: clock as unknown as Clock, figures: newDsmFigures(), limits: { barrierTimeoutMs: 1000, maxNoticeRanges: 64 } as DsmLimits }, {
      barrierEnded: (_e: number, o: BarrierOutcome) => {
        if (o.ok) got.set(r, o.notices);
      },
    }),
  );
  // Each board wrote its band: granules [100 r + 1, 100 r + 99), two unwritten granules between bands
  // (Laplace's boundary columns), and one far range 40 granules past the last band.
  const band = (r: number): RangeList => {
    const l = new RangeList();
    l.add(100 * r + 1, 100 * r + 99);
    if (r === size - 1) l.add(100 * size + 40, 100 * size + 41);
    return l;
  };
  for (let r = 0; r < size; r++) nodes[r]!.arrive(1, band(r));
  let sizes = 0;
  let messages = 0;
  while (queue.length > 0) {
    const m = queue.shift()!;
    const d = decodeMessage(m.bytes, 64, size);
    if (d.type !== Msg.BARRIER_ARRIVE && d.type !== Msg.BARRIER_RELEASE) throw new Error(`unexpected message ${d.type}`);
    sizes += m.bytes.length;
    messages++;
    if (d.type === Msg.BARRIER_ARRIVE) t.true(nodes[m.to]!.childArrived(m.from, d.epoch, d.notices));
    else t.true(nodes[m.to]!.released(m.from, d.epoch, d.notices));
    t.true(d.notices.count <= 3, `${d.type === Msg.BARRIER_ARRIVE ? 'arrive' : 'release'} ${m.from} -> ${m.to} carries ${d.notices.count} ranges`);
  }
  t.is(messages, 2 * (size - 1));
  t.true(sizes / messages < 20, `${sizes / messages} bytes per barrier message`);
  for (let r = 0; r < size; r++) {
    const n = got.get(r)!;
    // Every other board's band is covered (a superset: the gaps between bands too), the far range stays apart.
    for (let o = 0; o < size; o++) if (o !== r) t.true(covers(n, 100 * o + 1, 100 * o + 99), `rank ${r} misses band ${o}`);
    t.true(n.count <= 3, `rank ${r}: ${n.count} ranges`);
    if (r !== size - 1) t.true(covers(n, 100 * size + 40, 100 * size + 41) && !covers(n, 100 * size + 20, 100 * size + 21));
  }
  t.is(NOTICE_JOIN_GRANULES, 4);
});

test('RangeList with a join gap: ranges at most that far apart join, farther ones stay apart', (t) => {
  const l = new RangeList(0, 4);
  l.add(10, 20);
  l.add(24, 30);
  t.is(l.count, 1);
  t.deepEqual([l.start(0), l.end(0)], [10, 30]);
  l.add(35, 40);
  t.is(l.count, 2);
  l.add(4, 5);
  t.is(l.count, 3, '[4, 5) is 5 short of 10: apart');
  l.add(6, 7);
  t.is(l.count, 2, '[6, 7) is 3 from 10 and 1 from 5: all joined');
  t.deepEqual([l.start(0), l.end(0)], [4, 30]);
  const exact = new RangeList();
  exact.add(10, 20);
  exact.add(22, 30);
  t.is(exact.count, 2, 'no gap: exact as before');
});

function covers(l: RangeList, s: number, e: number): boolean {
  let c = 0;
  l.forEachIn(s, e, (a, b) => (c += b - a));
  return c === e - s;
}
