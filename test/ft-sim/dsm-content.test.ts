/**
 * The DSM's checkpoint content on its own (src/runtime/dsm-content.ts), over the DSM's
 * in-memory test network: what a rank captures (its home pages and the array index), and a
 * fresh DSM restored from it reading exactly the saved data on every rank, non-home pages
 * fetched from the restored homes; scratch arrays left out come back as zeros.
 */
import test from 'ava';
import { DsmCheckpointContent } from '../../src/runtime/dsm-content.js';
import type { Segment } from '../../src/ft/types.js';
import { drive, makeRig, values } from '../dsm/memnet.js';

const SIZE = 3;
const LEN = 1000; // Int32: 4000 bytes, 4 pages of 1 KiB

function pattern(i: number, salt: number): number {
  return Math.imul(i + 1, 2654435761 + salt) | 0;
}

/** Write a pattern everywhere (each rank its block), barrier, capture every rank's content. */
async function saved(select: string[] | null): Promise<Segment[][]> {
  const rig = makeRig(SIZE, { seed: 3 });
  const contents = rig.dsms.map((dsm) => {
    const c = new DsmCheckpointContent();
    c.attach(dsm);
    c.select(select);
    return c;
  });
  const out = values(
    await drive(rig, async (dsm, rank) => {
      const a = await dsm.alloc('a', 'Int32', LEN);
      const b = await dsm.alloc('b', 'Int32', LEN, { home: 'cyclic' });
      const per = Math.ceil(LEN / SIZE);
      const v = await dsm.acquire(a, rank * per, Math.min(LEN, (rank + 1) * per), 'w');
      for (let i = 0; i < v.length; i++) v[i] = pattern(rank * per + i, 1);
      const w = await dsm.acquire(b, rank * per, Math.min(LEN, (rank + 1) * per), 'w');
      for (let i = 0; i < w.length; i++) w[i] = pattern(rank * per + i, 2);
      await dsm.barrier();
      // Copies, as FT keeps them: the live pages change later.
      return contents[rank]!.capture().map((s) => ({ name: s.name, bytes: s.bytes.slice() }));
    }),
  );
  return out;
}

test('a rank captures its home pages, one segment per run of consecutive home pages, and the index of saved arrays', async (t) => {
  const segs = await saved(null);
  const names = segs.map((list) => list.map((s) => s.name));
  // 'a' is homed in blocks of pages (2, 1, 1): rank 0's two pages are one segment named for
  // its first page (a segment per page costs ~a dozen XS slots in every image and round:
  // docs/FOOTPRINT.md "Round 9: Laplace slots"); 'b' cyclically (pages 0 and 3 on rank 0: two).
  t.deepEqual(names[0], ['dsm', 'dsm/a/0', 'dsm/b/0', 'dsm/b/3']);
  t.deepEqual(names[1], ['dsm', 'dsm/a/2', 'dsm/b/1']);
  t.deepEqual(names[2], ['dsm', 'dsm/a/3', 'dsm/b/2']);
  t.is(new TextDecoder().decode(segs[0]![0]!.bytes), 'a\nb');
  t.deepEqual(segs[0]!.slice(1).map((s) => s.bytes.length), [2048, 1024, 1024]);
  for (const list of segs.slice(1)) for (const s of list.slice(1)) t.is(s.bytes.length, 1024);
});

test('a band of many home pages is one segment, whatever its page count', async (t) => {
  const rig = makeRig(2, { seed: 4 });
  const contents = rig.dsms.map((dsm) => {
    const c = new DsmCheckpointContent();
    c.attach(dsm);
    return c;
  });
  const got = values(
    await drive(rig, async (dsm, rank) => {
      // 64 pages of 1 KiB, 32 homed on each rank.
      await dsm.alloc('band', 'Float64', 8192);
      await dsm.barrier();
      const list = contents[rank]!.capture();
      return [list.length, contents[rank]!.figures.capturedPages, list[1]!.bytes.length];
    }),
  );
  t.deepEqual(got, [[2, 32, 32768], [2, 32, 32768]]);
});

test('a fresh DSM restored from the segments reads the saved data on every rank', async (t) => {
  const segs = await saved(null);
  const rig = makeRig(SIZE, { seed: 9 });
  const contents = rig.dsms.map((dsm, rank) => {
    const c = new DsmCheckpointContent();
    c.restore(segs[rank]!);
    c.attach(dsm);
    return c;
  });
  const sums = values(
    await drive(rig, async (dsm) => {
      const a = await dsm.alloc('a', 'Int32', LEN);
      const b = await dsm.alloc('b', 'Int32', LEN, { home: 'cyclic' });
      await dsm.barrier();
      const va = await dsm.acquire(a, 0, LEN, 'r');
      const vb = await dsm.acquire(b, 0, LEN, 'r');
      let bad = 0;
      for (let i = 0; i < LEN; i++) if (va[i] !== pattern(i, 1) || vb[i] !== pattern(i, 2)) bad++;
      return bad;
    }),
  );
  t.deepEqual(sums, [0, 0, 0], 'every element on every rank');
  t.deepEqual(contents.map((c) => c.figures.restoredPages), [4, 2, 2]);
  t.deepEqual(contents.map((c) => c.figures.stalePages), [4, 6, 6], 'the other pages are fetched from their homes');
  t.true(rig.dsms.every((d) => d.stats().fetches > 0));
});

test('arrays left out of the checkpoint (scratch) are not saved and come back as zeros', async (t) => {
  const segs = await saved(['a']);
  t.deepEqual(segs[1]!.map((s) => s.name), ['dsm', 'dsm/a/2']);
  t.deepEqual(segs[0]!.map((s) => s.name), ['dsm', 'dsm/a/0']);
  const rig = makeRig(SIZE, { seed: 5 });
  rig.dsms.forEach((dsm, rank) => {
    const c = new DsmCheckpointContent();
    c.restore(segs[rank]!);
    c.attach(dsm);
  });
  const got = values(
    await drive(rig, async (dsm) => {
      const a = await dsm.alloc('a', 'Int32', LEN);
      const b = await dsm.alloc('b', 'Int32', LEN, { home: 'cyclic' });
      await dsm.barrier();
      const va = await dsm.acquire(a, 0, LEN, 'r');
      const vb = await dsm.acquire(b, 0, LEN, 'r');
      let okA = 0;
      let zerosB = 0;
      for (let i = 0; i < LEN; i++) {
        if (va[i] === pattern(i, 1)) okA++;
        if (vb[i] === 0) zerosB++;
      }
      return [okA, zerosB];
    }),
  );
  t.deepEqual(got, [[LEN, LEN], [LEN, LEN], [LEN, LEN]]);
});

test('a DSM never attached, or without arrays, captures nothing', (t) => {
  const c = new DsmCheckpointContent();
  t.deepEqual(c.capture(), []);
  const rig = makeRig(1);
  c.attach(rig.dsms[0]!);
  t.deepEqual(c.capture(), []);
});
