/**
 * What a DSM keeps per board and per array only when it is used (docs/FOOTPRINT.md "Round 11:
 * Laplace slots"): a board's lock bookkeeping (three Sets) is made by its first lock, an
 * array's twins (a Map) by its first 'rw' write to a page homed elsewhere and dropped at the
 * release, and so is its list of windows retired by a growth. Laplace takes no lock and writes
 * only its own pages, so it holds none of them; each was a few XS slots per board or array for
 * the whole run.
 */
import test from 'ava';
import { drive, makeRig } from './memnet.js';
import { RangeList } from '../../src/dsm/range-list.js';

const field = (o: object, name: string): unknown => (o as Record<string, unknown>)[name];

test('no lock Sets before the first lock; they exist after one', async (t) => {
  const rig = makeRig(2);
  for (const dsm of rig.dsms) t.is(field(field(dsm, 'sync') as object, 'locks'), null);
  const out = await drive(rig, async (dsm, rank) => {
    const a = await dsm.alloc('a', 'Int32', 1024);
    (await dsm.acquire(a, rank * 512, rank * 512 + 512, 'w')).fill(rank + 1);
    await dsm.barrier();
    t.is(field(field(dsm, 'sync') as object, 'locks'), null, `rank ${rank}: still none after an alloc, a write and a barrier`);
    if (rank === 0) {
      await dsm.lock('l');
      dsm.unlock('l');
    }
    await dsm.barrier();
    return true;
  });
  t.true(out.every((o) => o.ok), JSON.stringify(out));
  t.not(field(field(rig.dsms[0]!, 'sync') as object, 'locks'), null);
  t.is(field(field(rig.dsms[1]!, 'sync') as object, 'locks'), null);
});

test("an array has twins only while an interval has 'rw' writes to pages homed elsewhere", async (t) => {
  const rig = makeRig(2, {}, { pageSize: 256 });
  const out = await drive(rig, async (dsm, rank) => {
    const a = await dsm.alloc('a', 'Uint8', 1024, { home: { ranges: [[0, 512], [512, 1024]] } });
    const st = dsm.sharedArrays()[0]!;
    t.false('twins' in st, 'no twins property before the first twin');
    t.false('retired' in st, 'no retired property before a growth with views out');
    // Writes to its own pages only ('w' and 'rw'): no twin.
    (await dsm.acquire(a, rank * 512, rank * 512 + 256, 'w')).fill(1);
    (await dsm.acquire(a, rank * 512 + 256, rank * 512 + 512, 'rw'))[0] = 2;
    t.false('twins' in st, `rank ${rank}: own pages need no twin`);
    await dsm.barrier();
    // A 'rw' write to the other rank's page twins it until the release.
    const other = (1 - rank) * 512;
    (await dsm.acquire(a, other + rank * 8, other + rank * 8 + 8, 'rw')).fill(9);
    t.true(field(st, 'twins') instanceof Map, `rank ${rank}: a twin of the other rank's page`);
    await dsm.barrier();
    t.is(field(st, 'twins'), undefined, `rank ${rank}: dropped at the release`);
    const all = await dsm.acquire(a, 0, 1024, 'r');
    return [all[0], all[256], all[512], all[768], all[512 + 0], all[8]];
  });
  t.true(out.every((o) => o.ok), JSON.stringify(out));
  for (const o of out) if (o.ok) t.deepEqual(o.value, [1, 2, 9, 2, 9, 9]);
});

test("a DSM's figures are one plain Array of numbers (no object of 28 properties), and stats() reads them back", async (t) => {
  // docs/FOOTPRINT.md "Round 11b: Laplace slots": an object's properties are XS slots (~30 here).
  const rig = makeRig(2);
  const out = await drive(rig, async (dsm, rank) => {
    const a = await dsm.alloc('a', 'Int32', 1024);
    (await dsm.acquire(a, rank * 512, rank * 512 + 512, 'w')).fill(rank + 1);
    await dsm.barrier();
    return true;
  });
  t.true(out.every((o) => o.ok), JSON.stringify(out));
  for (const dsm of rig.dsms) {
    const f = field(dsm, 'figures');
    t.true(Array.isArray(f), 'kept as a plain Array (2 XS slots; a typed array is 7)');
    const s = dsm.stats();
    t.is(Object.keys(s).length, (f as number[]).length, 'every figure in the public object');
    t.true(s.messagesSent > 0 && s.bytesSent > 0 && s.messagesReceived > 0);
    t.is(s.barriers, 1);
    t.is(s.malformed, 0);
  }
});

test("a DSM's limits hold only what differs from the frozen defaults, and read every limit", (t) => {
  // docs/FOOTPRINT.md "Round 12: Laplace slots": as the net's and FT's options.
  const rig = makeRig(2, {}, { window: 2 });
  for (const dsm of rig.dsms) {
    const l = dsm.limits;
    t.true(Object.isFrozen(Object.getPrototypeOf(l)), 'inherits from a frozen defaults object');
    t.true(Object.keys(l).length < 6, `own limits: ${Object.keys(l).join(', ')}`);
    t.true(Object.keys(l).includes('window'));
    t.is(l.window, 2);
    t.is(l.pageSize, 1024);
    t.is(l.granule, 8);
    t.is(l.checkReads, true);
    t.is(l.maxArrays, 16);
  }
  t.is(Object.getPrototypeOf(rig.dsms[0]!.limits), Object.getPrototypeOf(rig.dsms[1]!.limits));
});

test('push subscriptions keep an Array of range lists per rank (indexed by array id) in an Array by rank, no Map', async (t) => {
  const rig = makeRig(2, {}, { pageSize: 256 });
  const home = { ranges: [[0, 512], [512, 1024]] as [number, number][] };
  const out = await drive(rig, async (dsm, rank) => {
    const a = await dsm.alloc('a', 'Uint8', 1024, { home, push: true });
    const b = await dsm.alloc('b', 'Uint8', 1024, { home, push: true });
    for (let k = 0; k < 4; k++) {
      (await dsm.acquire(a, rank * 512, rank * 512 + 512, 'w')).fill(k + rank);
      (await dsm.acquire(b, rank * 512, rank * 512 + 512, 'w')).fill(k + 2 * rank);
      await dsm.barrier();
      // The other rank's first row of each array: fetched once, then pushed at every barrier.
      const other = (1 - rank) * 512;
      const ra = await dsm.acquire(a, other, other + 64, 'r');
      const rb = await dsm.acquire(b, other, other + 64, 'r');
      if (ra[0] !== k + 1 - rank || rb[0] !== k + 2 * (1 - rank)) throw new Error(`rank ${rank} iteration ${k}: read ${ra[0]}, ${rb[0]}`);
      await dsm.barrier();
    }
    return [[...dsm.pushSubscriptions(a).homes], [...dsm.pushSubscriptions(b).readers], dsm.stats().pushGranulesApplied > 0];
  });
  t.true(out.every((o) => o.ok), JSON.stringify(out));
  for (const dsm of rig.dsms) {
    const reader = field(field(dsm, 'client') as object, 'push') as object;
    const writer = field(field(dsm, 'home') as object, 'push') as object;
    for (const [side, subs] of [['reader', field(reader, 'subs')], ['unread', field(reader, 'unread')], ['home', field(writer, 'subs')]] as const) {
      // Round 14: by rank an Array too (no Map), a rank without lists holding 0, never a hole.
      t.true(Array.isArray(subs), `${side}: an Array by rank, not a Map`);
      const byRank = subs as unknown[];
      const values = byRank.filter((v) => v !== 0);
      t.true(values.length >= 1, `${side}: subscriptions kept`);
      t.is(byRank.length, byRank.filter((v) => v !== undefined).length, `${side}: no holes`);
      for (const v of values) t.true(Array.isArray(v), `${side}: an Array of range lists per rank, indexed by array id, no Map of Maps`);
    }
  }
  for (const o of out) if (o.ok) t.is((o.value as unknown[])[2], true, 'halos came by push');
});

// ---- Round 13 (docs/FOOTPRINT.md "Round 13: Laplace slots") ------------------------------------

test("rank 0 holds an alloc checker only while an alloc round is open, and goes on counting rounds after dropping it", async (t) => {
  const rig = makeRig(2);
  const sync0 = field(rig.dsms[0]!, 'sync') as { allocChecking: boolean };
  t.false(sync0.allocChecking, 'none before the first alloc');
  const out = await drive(rig, async (dsm, rank) => {
    const a = await dsm.alloc('a', 'Int32', 256);
    const b = await dsm.alloc('b', 'Int32', 256);
    (await dsm.acquire(a, rank * 128, rank * 128 + 128, 'w')).fill(rank + 1);
    await dsm.barrier();
    const c = await dsm.alloc('c', 'Uint8', 64);
    return [dsm.sharedArrays().length, (await dsm.acquire(a, 0, 256, 'r'))[200], b.name, c.name];
  });
  t.true(out.every((o) => o.ok), JSON.stringify(out));
  for (const o of out) if (o.ok) t.deepEqual(o.value, [3, 2, 'b', 'c']);
  t.false(sync0.allocChecking, 'dropped once every round was decided');
  t.false((field(rig.dsms[1]!, 'sync') as { allocChecking: boolean }).allocChecking, 'never on another rank');
  t.is(rig.dsms[0]!.stats().malformed, 0);
});

test("a lend is an object of three fields (no closure), and a push reader's empty-batch counts an Array, not a Map", async (t) => {
  const rig = makeRig(2, {}, { pageSize: 256 });
  const home = { ranges: [[0, 512], [512, 1024]] as [number, number][] };
  const out = await drive(rig, async (dsm, rank) => {
    const a = await dsm.alloc('a', 'Uint8', 1024, { home, push: true });
    const l = dsm.lendPages([a]);
    t.is(typeof l, 'object');
    t.deepEqual(Object.keys(l).sort(), ['home', 'open', 'states']);
    l.end();
    l.end();
    for (let k = 0; k < 3; k++) {
      (await dsm.acquire(a, rank * 512, rank * 512 + 512, 'w')).fill(k + 1);
      await dsm.barrier();
      const other = (1 - rank) * 512;
      (await dsm.acquire(a, other, other + 16, 'r'))[0];
      await dsm.barrier();
    }
    return field(field(field(dsm, 'client') as object, 'push') as object, 'emptyRun');
  });
  t.true(out.every((o) => o.ok), JSON.stringify(out));
  for (const o of out) if (o.ok) t.true(Array.isArray(o.value), 'emptyRun is an Array');
});

// ---- Round 14 (docs/FOOTPRINT.md "Round 14: DSM member slots") ---------------------------------

test("a DSM's arrays share its read checker and keep no 32-bit view of their window; read checks still find a write", async (t) => {
  const rig = makeRig(2);
  const out = await drive(rig, async (dsm, rank) => {
    const a = await dsm.alloc('a', 'Int32', 1024);
    const b = await dsm.alloc('b', 'Int32', 1024);
    (await dsm.acquire(a, rank * 512, rank * 512 + 512, 'w')).fill(rank + 1);
    (await dsm.acquire(b, rank * 512, rank * 512 + 512, 'w')).fill(rank + 1);
    await dsm.barrier();
    // Both arrays read through their read-only views, which grow the windows; rank 1 writes through one.
    const ra = await dsm.acquire(a, 0, 1024, 'r');
    const rb = await dsm.acquire(b, 0, 1024, 'r');
    if (rank === 1) rb[3] = 99;
    try {
      await dsm.barrier();
    } catch (e) {
      return `${(e as { code?: string }).code}: ${ra[0]}, ${rb[600]}`;
    }
    return `ok: ${ra[0]}, ${rb[600]}`;
  });
  t.deepEqual(out.map((o) => (o.ok ? o.value : o.error.message)), ['ok: 1, 2', 'READ_ONLY_WRITE: 1, 2']);
  for (const dsm of rig.dsms) {
    const checker = field(dsm, 'checker');
    t.truthy(checker, 'the DSM holds one checker');
    for (const st of dsm.sharedArrays()) {
      t.is(field(st, 'checker'), checker, `'${st.name}' uses the DSM's checker`);
      t.false('words' in st, `'${st.name}' keeps no Int32Array of its window`);
      t.false('fromBuffer' in st, `'${st.name}' keeps no copy of the checker's BigInt function`);
    }
    t.false('snapshots' in dsm, "the snapshot budget is the checker's");
  }
});

test('a home holds no held-diff list until a diff is held, and a DSM no lock notice list until its first lock', async (t) => {
  const rig = makeRig(2);
  const out = await drive(rig, async (dsm, rank) => {
    const a = await dsm.alloc('a', 'Int32', 1024);
    (await dsm.acquire(a, rank * 512, rank * 512 + 512, 'w')).fill(rank + 1);
    await dsm.barrier();
    const none = [field(field(dsm, 'home') as object, 'heldDiffs'), field(dsm, 'known')];
    if (rank === 0) {
      // Rank 0 writes rank 1's half under a lock: its grant, release and notices as before.
      await dsm.lock('l');
      (await dsm.acquire(a, 512, 520, 'w')).fill(7);
      dsm.unlock('l');
    }
    await dsm.barrier();
    return [none, field(dsm, 'known') !== null, (await dsm.acquire(a, 510, 522, 'r')).join(',')];
  });
  t.true(out.every((o) => o.ok), JSON.stringify(out));
  for (const o of out) if (o.ok) t.deepEqual((o.value as unknown[])[0], [null, null], 'none after an alloc, a write and a barrier');
  t.deepEqual(out.map((o) => (o.ok ? (o.value as unknown[])[1] : undefined)), [true, false], 'rank 0 made its list at its lock');
  for (const o of out) if (o.ok) t.is((o.value as unknown[])[2], '1,1,7,7,7,7,7,7,7,7,2,2');
});

test('an array holds its write-only, declared and read lists only from the acquisition that needs them to the release', async (t) => {
  const rig = makeRig(2);
  const lists = (st: object): unknown[] => ['writeOnly', 'declared', 'reads'].map((k) => field(st, k));
  const out = await drive(rig, async (dsm, rank) => {
    const a = await dsm.alloc('a', 'Int32', 1024);
    const st = dsm.sharedArrays()[0]!;
    const seen: unknown[] = [lists(st).every((l) => l === null)];
    (await dsm.acquire(a, rank * 512, rank * 512 + 512, 'w')).fill(rank + 1);
    const other = (1 - rank) * 512;
    await dsm.acquire(a, other, other + 8, 'r');
    seen.push(lists(st).map((l) => l !== null));
    await dsm.barrier();
    seen.push(lists(st).every((l) => l === null));
    // The next interval reads what the other rank wrote, and a write-only range still goes whole to its home.
    const r = await dsm.acquire(a, other, other + 4, 'r');
    seen.push(r.join(','));
    if (rank === 0) (await dsm.acquire(a, 600, 602, 'w')).fill(9);
    await dsm.barrier();
    seen.push((await dsm.acquire(a, 598, 604, 'r')).join(','));
    return seen;
  });
  t.true(out.every((o) => o.ok), JSON.stringify(out));
  for (const o of out) {
    if (!o.ok) continue;
    const [before, during, after, read, whole] = o.value as unknown[];
    t.true(before, 'none before the first acquisition');
    t.deepEqual(during, [true, true, true], 'all three while the interval has writes and reads');
    t.true(after, 'none after the release');
    t.truthy(read);
    t.is(whole, '2,2,9,9,2,2');
  }
});

test('a range list sets its cap and join gap only when it has them', (t) => {
  t.deepEqual(Object.keys(new RangeList()), ['r']);
  t.deepEqual(Object.keys(new RangeList(8)).sort(), ['lossyCap', 'r']);
  const l = new RangeList(2, 4);
  l.add(0, 2);
  l.add(5, 6);
  l.add(20, 22);
  l.add(40, 41);
  // Joined across the gap (2..5), then the two closest merged at the cap of 2.
  t.deepEqual([l.count, l.start(0), l.end(0), l.start(1), l.end(1)], [2, 0, 22, 40, 41]);
  const exact = new RangeList();
  exact.add(0, 2);
  exact.add(3, 4);
  t.is(exact.count, 2);
});

test("a push reader keeps the current barrier's batches and expected homes in Arrays, and leaves nothing it read", async (t) => {
  const rig = makeRig(2, {}, { pageSize: 256 });
  const home = { ranges: [[0, 512], [512, 1024]] as [number, number][] };
  const out = await drive(rig, async (dsm, rank) => {
    const a = await dsm.alloc('a', 'Uint8', 1024, { home, push: true });
    const b = await dsm.alloc('b', 'Uint8', 1024, { home, push: true });
    const leaving: number[] = [];
    for (let k = 0; k < 4; k++) {
      const w = k % 2 === 0 ? a : b;
      (await dsm.acquire(w, rank * 512, rank * 512 + 512, 'w')).fill(k + 1);
      await dsm.barrier();
      // Laplace's pattern: the halo of the array written last, read after every barrier.
      const other = (1 - rank) * 512;
      const v = await dsm.acquire(w, other, other + 64, 'r');
      if (v[0] !== k + 1) throw new Error(`rank ${rank} iteration ${k}: read ${v[0]}`);
      const reader = field(field(dsm, 'client') as object, 'push') as object;
      leaving.push((field(reader, 'leaving') as unknown[]).filter((v) => v !== 0).length);
    }
    const reader = field(field(dsm, 'client') as object, 'push') as object;
    return [Array.isArray(field(reader, 'batches')), Array.isArray(field(reader, 'expected')), leaving, dsm.stats().pushGranulesApplied > 0];
  });
  t.true(out.every((o) => o.ok), JSON.stringify(out));
  for (const o of out) if (o.ok) t.deepEqual(o.value, [true, true, [0, 0, 0, 0], true]);
});

test("a barrier node holds no present-ranks array unless a late board reported itself, and drops it when the barrier ends", async (t) => {
  // The root of a 3-board tree hears BARRIER_PRESENT only from a board whose barrier is late.
  const rig = makeRig(3);
  const out = await drive(rig, async (dsm, rank) => {
    const a = await dsm.alloc('a', 'Int32', 768);
    (await dsm.acquire(a, rank * 256, rank * 256 + 256, 'w')).fill(rank + 1);
    await dsm.barrier();
    await dsm.barrier();
    return (await dsm.acquire(a, 0, 768, 'r')).reduce((x, y) => x + y, 0);
  });
  t.true(out.every((o) => o.ok && o.value === 256 * 6), JSON.stringify(out));
  for (const dsm of rig.dsms) t.is(field(field(field(dsm, 'sync') as object, 'barrierNode') as object, 'present'), null);
  // A BARRIER_PRESENT for the next barrier makes it at the root; the end of that barrier drops it.
  const root = field(field(rig.dsms[0]!, 'sync') as object, 'barrierNode') as { reportedPresent(from: number, epoch: number): boolean };
  t.true(root.reportedPresent(2, 3));
  t.true(field(root, 'present') instanceof Uint8Array);
});

test("a DSM's sync, barrier node, home, client and push sides keep no copy of its rank, size, limits, figures or clock: they read the Dsm's (Round 14b)", async (t) => {
  const rig = makeRig(2);
  const out = await drive(rig, async (dsm, rank) => {
    const a = await dsm.alloc('a', 'Int32', 1024);
    (await dsm.acquire(a, rank * 512, rank * 512 + 512, 'w')).fill(rank + 1);
    await dsm.barrier();
    const copies: string[] = [];
    const sync = field(dsm, 'sync') as object;
    const home = field(dsm, 'home') as object;
    const client = field(dsm, 'client') as object;
    const parts: [string, object][] = [['sync', sync], ['barrier node', field(sync, 'barrierNode') as object], ['home', home], ['push home', field(home, 'push') as object], ['client', client], ['push reader', field(client, 'push') as object]];
    const names = ['rank', 'size', 'limits', 'figures', 'clock', 'timeoutMs', 'noticeCap', 'maxMessage'];
    for (const [part, o] of parts) for (const k of names) if (Object.prototype.hasOwnProperty.call(o, k)) copies.push(`${part}.${k}`);
    // The figures the parts count into are the DSM's own: a fetch served and a diff applied show in stats().
    const s = dsm.stats();
    return [copies, s.barriers, (await dsm.acquire(a, 510, 514, 'r')).join(',')];
  });
  t.true(out.every((o) => o.ok), JSON.stringify(out));
  for (const o of out) {
    if (!o.ok) continue;
    const [copies, barriers, read] = o.value as [string[], number, string];
    t.deepEqual(copies, [], 'no part keeps a copy');
    t.is(barriers, 1);
    t.is(read, '1,1,2,2');
  }
});
