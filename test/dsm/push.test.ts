/**
 * The push protocol's subscription rules (docs/DSM.md, "Pushing halos to known readers"): a
 * FETCH of a push array subscribes the reader on both sides; at a barrier the home pushes the
 * subscribed granules that were written, and the reader takes them instead of fetching; what
 * is pushed and not read before the home's next batch is left (LEAVE), as is everything after
 * two empty batches; a lock's notices stop the barrier's pushes from being stored; boards must
 * agree on the flag. Every scenario runs under random delivery orders (MemNet).
 */
import test from 'ava';

/** Int32, 3 pages of 1 KiB (256 elements, 128 granules of 8 bytes each), page r homed by rank r. */
const LENGTH = 768;
import fc from 'fast-check';
import { DsmError, type Dsm, type DsmArray } from '../../src/dsm/index.js';
import { drive, makeRig, values } from './memnet.js';
import { VirtualClock } from '../../host-sim/sim/event-queue.js';
import { PushHome, PushReader } from '../../src/dsm/push.js';
import { RangeList } from '../../src/dsm/range-list.js';
import { SharedArrayState } from '../../src/dsm/shared-array.js';
import { ReadChecker, snapshotBudget } from '../../src/dsm/read-check.js';
import { decodeMessage, encodePush, type PushMsg } from '../../src/dsm/messages.js';
import { dsmStats, newDsmFigures, type DsmLimits } from '../../src/dsm/types.js';

const REQUEST_TIMEOUT_MS = 1000;

/** Rank 1's view of the test array (page r homed by rank r) with its PushReader, no network. */
function readerRig() {
  const clock = new VirtualClock();
  const st = new SharedArrayState(0, 'g', 'Int32', LENGTH, 1024, 8, 0, new Uint8Array([0, 1, 2]), 1, 64, new ReadChecker(snapshotBudget(1 << 18)), true);
  st.cover(0, LENGTH * 4);
  const figures = newDsmFigures();
  /** How the reader's waits ended, in order (DsmWaits): 'over' or the failure's message. */
  const waits: string[] = [];
  // The Dsm's part of it a reader reads (DsmShared): its clock, limits and figures; and the running call's waits.
  const port = {
    fail: (e: DsmError) => e,
    waitOver: () => void waits.push('over'),
    waitFailed: (e: Error) => void waits.push(e.message),
    rank: 1,
    size: 3,
    clock,
    figures,
    limits: { requestTimeoutMs: REQUEST_TIMEOUT_MS, maxMessage: 1024 } as DsmLimits,
  };
  const reader = new PushReader([st], [], port);
  return { st, reader, clock, figures, waits };
}

/** A decoded PUSH of barrier `epoch` for granules [s, e) pairs of array 0, every Int32 = `value`. */
function push(epoch: number, ranges: number[], value: number, parts = 1): PushMsg {
  let granules = 0;
  for (let i = 0; i < ranges.length; i += 2) granules += ranges[i + 1]! - ranges[i]!;
  const data = new Uint8Array(new Int32Array(granules * 2).fill(value).buffer);
  return decodeMessage(encodePush(epoch, parts, 0, ranges, [data], data.length), 64, 3) as PushMsg;
}


const alloc = (dsm: Dsm, push = true): Promise<DsmArray<'Int32'>> => dsm.alloc('g', 'Int32', LENGTH, { push });

/**
 * Rank 0 writes elements [0, 256) = k * 1000 + i in iteration k; after a barrier rank 1 reads
 * [200, 256) when `reads(k)`; a second barrier ends the iteration (rank 0 writes again only then).
 */
async function writerReader(dsm: Dsm, rank: number, iters: number, reads: (k: number) => boolean, after?: (k: number, g: DsmArray<'Int32'>) => void): Promise<number[]> {
  const g = await alloc(dsm);
  const seen: number[] = [];
  for (let k = 0; k < iters; k++) {
    if (rank === 0) {
      const v = await dsm.acquire(g, 0, 256, 'w');
      for (let i = 0; i < 256; i++) v[i] = k * 1000 + i;
    }
    await dsm.barrier();
    if (rank === 1 && reads(k)) {
      const v = await dsm.acquire(g, 200, 256, 'r');
      seen.push(v[0]!, v[55]!);
    }
    await dsm.barrier();
    after?.(k, g);
  }
  return seen;
}

test('a FETCH of a push array subscribes the reader on both sides; the home pushes what was written and the reader fetches no more', async (t) => {
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 0, max: 0x7fffffff }), async (seed) => {
      const rig = makeRig(3, { seed });
      const subs: string[] = [];
      const out = values(
        await drive(rig, (dsm, rank) =>
          writerReader(dsm, rank, 6, () => true, (k, g) => {
            if (rank === 1 && k === 5) subs.push(JSON.stringify([...dsm.pushSubscriptions(g).homes]));
            if (rank === 0 && k === 5) subs.push(JSON.stringify([...dsm.pushSubscriptions(g).readers]));
          }),
        ),
      );
      // Every iteration's values, read through pushes from the second on.
      t.deepEqual(out[1], [200, 255, 1200, 1255, 2200, 2255, 3200, 3255, 4200, 4255, 5200, 5255]);
      // Granules [100, 128) of the array (elements 200..255), the same on both sides.
      t.deepEqual(subs.sort(), ['[[0,[100,128]]]', '[[1,[100,128]]]']);
      const reader = rig.dsms[1]!.stats();
      const home = rig.dsms[0]!.stats();
      t.is(reader.fetches, 1, 'only the first reading fetches');
      t.is(reader.pushGranulesApplied, 5 * 28);
      t.is(home.fetchesServed, 1);
      t.true(home.pushesSent >= 5, 'one batch per barrier after the subscription');
      t.is(home.pushedBytes, 5 * 28 * 8, 'only the subscribed granules are pushed');
      t.is(rig.dsms[2]!.stats().pushesSent + rig.dsms[2]!.stats().fetches, 0, 'rank 2 is nobody\'s reader or home here');
      return true;
    }),
    { seed: 1206, numRuns: 25 },
  );
});

test('subscribed granules nobody wrote are neither pushed nor fetched', async (t) => {
  const rig = makeRig(3, { seed: 3 });
  const out = values(
    await drive(rig, async (dsm, rank) => {
      const g = await alloc(dsm);
      if (rank === 0) (await dsm.acquire(g, 0, 256, 'w')).fill(7);
      await dsm.barrier();
      let sum = 0;
      for (let k = 0; k < 4; k++) {
        // Rank 0 writes elements it alone reads from now on; rank 1's subscription sees no change.
        if (rank === 0) (await dsm.acquire(g, 0, 100, 'w')).fill(k);
        await dsm.barrier();
        if (rank === 1) sum += (await dsm.acquire(g, 200, 256, 'r')).reduce((a, b) => a + b, 0);
      }
      return sum;
    }),
  );
  t.is(out[1], 4 * 56 * 7);
  const s = rig.dsms[1]!.stats();
  t.is(s.fetches, 1);
  t.is(s.pushGranulesApplied, 0);
  t.is(rig.dsms[0]!.stats().pushedBytes, 0, 'empty batches only');
  t.is(s.leaves, 1, 'two empty batches in a row: the reader left');
  t.deepEqual([...rig.dsms[0]!.pushSubscriptions(rig.dsms[0]!.sharedArrays()[0]!).readers], [], 'and the home knows');
});

test('granules pushed and not read before the next batch are left; reading them again fetches and subscribes anew', async (t) => {
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 0, max: 0x7fffffff }), async (seed) => {
      const rig = makeRig(3, { seed });
      const readers: number[] = [];
      // Rank 1 reads in iterations 0..2, skips 3..6, reads again in 7.
      const out = values(
        await drive(rig, (dsm, rank) =>
          writerReader(dsm, rank, 8, (k) => k <= 2 || k === 7, (k, g) => {
            if (rank === 0 && k === 6) readers.push(dsm.pushSubscriptions(g).readers.size);
          }),
        ),
      );
      t.deepEqual(out[1], [200, 255, 1200, 1255, 2200, 2255, 7200, 7255]);
      t.deepEqual(readers, [0], 'the home pushes to nobody after the LEAVE');
      const s = rig.dsms[1]!.stats();
      t.is(s.leaves, 1);
      t.is(s.fetches, 2, 'the first reading and the one after leaving');
      return true;
    }),
    { seed: 77, numRuns: 25 },
  );
});

test('a lock grant since the barrier: the barrier\'s pushes are not stored over its notices, and nothing waits for them', async (t) => {
  const { st, reader, figures } = readerRig();
  reader.subscribed(0, st, [100, 128]);
  st.invalidate(100, 128);
  reader.barrierTaken(1);
  // A LOCK_GRANT named granule 100 (written under the lock after the home's release).
  st.invalidate(100, 101);
  reader.grantTaken();
  t.false(reader.waitFor(st, 100, 128), 'the reader fetches instead of waiting');
  reader.receive(0, push(1, [100, 128], 5));
  t.true(st.stale.isStale(100) && st.stale.isStale(127), 'nothing stored');
  t.is(dsmStats(figures).pushesDropped, 1);
  t.is(dsmStats(figures).pushGranulesApplied, 0);
});

/** Rank 2 writes, under a lock, a value on rank 0's page (pushed to rank 1 at every barrier) and a flag on its own page. */
async function lockedWrites(seed: number): Promise<string[]> {
  const rig = makeRig(3, { seed });
  const out = values(
    await drive(rig, async (dsm, rank) => {
      const g = await alloc(dsm);
      const bad: string[] = [];
      for (let k = 0; k < 5; k++) {
        if (rank === 0) (await dsm.acquire(g, 0, 256, 'w')).fill(k);
        await dsm.barrier();
        await dsm.lock('L');
        if (rank === 2) {
          (await dsm.acquire(g, 200, 201, 'rw'))[0] = 100 + k;
          (await dsm.acquire(g, 600, 601, 'rw'))[0] = 100 + k;
        } else if (rank === 1) {
          // Whenever rank 1 sees the flag it must see the value: the barrier's push (older) may not be stored over the grant's notice.
          const value = (await dsm.acquire(g, 200, 256, 'r'))[0]!;
          const flag = (await dsm.acquire(g, 600, 601, 'r'))[0]!;
          if (flag === 100 + k && value !== 100 + k) bad.push(`k=${k}: flag set, value ${value}`);
          if (flag !== 100 + k && value !== k) bad.push(`k=${k}: flag ${flag}, value ${value}`);
        }
        dsm.unlock('L');
        await dsm.barrier();
      }
      return bad;
    }),
  );
  return out[1]!;
}

test('writes under a lock after the barrier are seen through a push array (the Dsm tells its reader of lock grants)', async (t) => {
  // Seed 298: the barrier's batch reaches rank 1 after its lock grant (1 seed in 400 does): storing it would lose rank 2's value.
  t.deepEqual(await lockedWrites(298), []);
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 0, max: 0x7fffffff }), async (seed) => (await lockedWrites(seed)).length === 0),
    { seed: 4242, numRuns: 20 },
  );
  t.pass();
});

test('a PUSH is stored only into stale granules of its own barrier: an early one waits for the barrier, a late one is dropped', async (t) => {
  const { st, reader, figures } = readerRig();
  reader.subscribed(0, st, [100, 128]);
  reader.barrierTaken(1);
  st.invalidate(100, 128);
  // Barrier 2's batch arrives before this board took barrier 2: held.
  reader.receive(0, push(2, [100, 128], 9));
  t.true(st.stale.isStale(100));
  reader.barrierTaken(2);
  t.false(st.stale.isStale(100));
  t.is(new Int32Array(st.local(800, 804).slice().buffer)[0], 9, 'stored after the barrier');
  // Granules this board holds valid are never overwritten by a push.
  reader.barrierTaken(3);
  reader.receive(0, push(3, [100, 128], 11));
  t.is(new Int32Array(st.local(800, 804).slice().buffer)[0], 9, 'not stale: kept');
  // Barrier 3's batch again after barrier 4: dropped.
  st.invalidate(100, 128);
  reader.barrierTaken(4);
  reader.receive(0, push(3, [100, 128], 13));
  t.true(st.stale.isStale(100));
  t.is(dsmStats(figures).pushesDropped, 1);
  // A PUSH from a board that does not home those pages is malformed and stores nothing.
  reader.receive(2, push(4, [100, 128], 13));
  t.true(st.stale.isStale(100));
  t.is(dsmStats(figures).malformed, 1);
});

test('an acquisition of stale subscribed granules waits for the home\'s batch, and fails naming the home when it never comes', (t) => {
  const { st, reader, clock, figures, waits } = readerRig();
  reader.subscribed(0, st, [100, 128]);
  st.invalidate(100, 128);
  reader.barrierTaken(1);
  t.false(reader.waitFor(st, 0, 50), 'granules not subscribed: no wait');
  t.true(reader.waitFor(st, 110, 112));
  // Two parts: the batch is complete with the second.
  reader.receive(0, push(1, [100, 110], 3, 2));
  t.deepEqual(waits, []);
  reader.receive(0, push(1, [110, 128], 3, 2));
  t.deepEqual(waits, ['over']);
  t.false(st.stale.isStale(111));
  t.is(dsmStats(figures).pushWaits, 1);
  st.invalidate(100, 128);
  reader.barrierTaken(2);
  t.true(reader.waitFor(st, 100, 128));
  clock.advance(REQUEST_TIMEOUT_MS + 1);
  t.is(waits.length, 2);
  t.regex(waits[1]!, /no push from rank 0 for barrier 2/);
});

test('arrays without push: no subscriptions, no PUSH; boards disagreeing on push fail the alloc naming it', async (t) => {
  const rig = makeRig(3, { seed: 9 });
  values(
    await drive(rig, async (dsm, rank) => {
      const g = await alloc(dsm, false);
      for (let k = 0; k < 3; k++) {
        if (rank === 0) (await dsm.acquire(g, 0, 256, 'w')).fill(k);
        await dsm.barrier();
        if (rank === 1) await dsm.acquire(g, 200, 256, 'r');
      }
      t.deepEqual([...dsm.pushSubscriptions(g).readers, ...dsm.pushSubscriptions(g).homes], []);
    }),
  );
  t.is(rig.dsms[0]!.stats().pushesSent, 0);
  t.is(rig.dsms[1]!.stats().fetches, 3);

  const mixed = makeRig(2, { seed: 9 });
  const outcomes = await drive(mixed, (dsm, rank) => dsm.alloc('h', 'Int32', 512, { push: rank === 0 }));
  for (const o of outcomes) {
    t.false(o.ok);
    if (!o.ok) {
      t.true(o.error instanceof DsmError && o.error.code === 'ALLOC_MISMATCH');
      t.regex(o.error.message, /push/);
    }
  }
  await t.throwsAsync(makeRig(1).dsms[0]!.alloc('x', 'Int32', 8, { push: 'yes' as unknown as boolean }), { message: /push must be true or false/ });
});

/** A RangeList's [start, end) pairs. */
function pairsOf(l: RangeList): number[] {
  const out: number[] = [];
  for (let i = 0; i < l.count; i++) out.push(l.start(i), l.end(i));
  return out;
}

/** Rank 0's PushHome over one Float64 array of 1 KiB pages all homed by rank 0; the PUSHes it posts. */
function homeRig(maxMessage: number, elements: number) {
  const pages = Math.ceil((elements * 8) / 1024);
  const st = new SharedArrayState(0, 'h', 'Float64', elements, 1024, 8, 0, new Uint8Array(pages), 0, 64, new ReadChecker(snapshotBudget(1 << 18)), true);
  st.cover(0, elements * 8);
  const sent: { to: number; bytes: Uint8Array }[] = [];
  const port = { post: (to: number, bytes: Uint8Array) => void sent.push({ to, bytes }), rank: 0, size: 2, clock: new VirtualClock(), figures: newDsmFigures(), limits: { maxMessage } as DsmLimits };
  const home = new PushHome([st], port);
  return { st, home, sent };
}

test('a halo row of 258 granules goes in one PUSH of a 2080-byte message, at any epoch (Round 9c: the header is reserved at its varints\' size)', (t) => {
  // 2080 = two 1 KiB pages + 2 x HEADER_ROOM, the message size of a 1 KiB-page DSM; Laplace
  // N=256 pushes rows of 258 Float64. With five bytes reserved per varint this was 256 + 2.
  for (const epoch of [1, 101, 200, 20000]) {
    const { st, home, sent } = homeRig(2080, 1024);
    home.subscribe(1, st, [10, 268]);
    const written = new RangeList();
    written.add(0, 1024);
    home.release(epoch, written, new RangeList());
    t.is(sent.length, 1, `epoch ${epoch}`);
    const m = decodeMessage(sent[0]!.bytes, 64, 3) as PushMsg;
    t.deepEqual([...m.ranges], [10, 268]);
    t.is(m.parts, 1);
    t.true(sent[0]!.bytes.length <= 2080);
  }
});

test('PUSH parts never outgrow maxMessage and carry exactly the written subscribed granules', (t) => {
  t.notThrows(() => fc.assert(
    fc.property(
      fc.integer({ min: 128, max: 3000 }),
      fc.array(fc.tuple(fc.integer({ min: 0, max: 4095 }), fc.integer({ min: 1, max: 600 })), { minLength: 1, maxLength: 6 }),
      fc.integer({ min: 1, max: 1 << 20 }),
      (maxMessage, subs, epoch) => {
        const { st, home, sent } = homeRig(maxMessage, 4096);
        const want = new RangeList();
        for (const [s, n] of subs) want.add(s, Math.min(4096, s + n));
        home.subscribe(1, st, pairsOf(want));
        const written = new RangeList();
        written.add(0, 4096);
        home.release(epoch, written, new RangeList());
        const got = new RangeList();
        for (const { bytes } of sent) {
          if (bytes.length > maxMessage) return false;
          const m = decodeMessage(bytes, 64, 3) as PushMsg;
          if (m.parts !== sent.length || m.epoch !== epoch) return false;
          for (let i = 0; i < m.ranges.length; i += 2) got.add(m.ranges[i]!, m.ranges[i + 1]!);
        }
        return JSON.stringify(pairsOf(got)) === JSON.stringify(pairsOf(want));
      },
    ),
    { numRuns: 200, seed: 9 },
  ));
});
