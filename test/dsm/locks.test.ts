import test from 'ava';
import fc from 'fast-check';
import { counterOnDsm } from '../../examples/counter/counter.js';
import { drive, makeRig, values } from './memnet.js';

for (const boards of [1, 2, 3, 4]) {
  test(`counter on ${boards} board(s): N x K increments under one lock`, async (t) => {
    const k = 8;
    const rig = makeRig(boards, { seed: 31 + boards });
    const out = values(await drive(rig, (dsm) => counterOnDsm(dsm, k)));
    t.deepEqual(out[0], { counter: boards * k });
    t.true(rig.dsms.every((d) => d.stats().lockAcquires === k));
  });
}

test('counter is exact under random delivery orders', async (t) => {
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 5 }), fc.integer(), async (boards, k, seed) => {
      const rig = makeRig(boards, { seed });
      const out = values(await drive(rig, (dsm) => counterOnDsm(dsm, k)));
      return (out[0] as { counter: number }).counter === boards * k;
    }),
    { seed: 777, numRuns: 40 },
  );
  t.pass();
});

test('writes under a lock reach the next holder transitively through another lock', async (t) => {
  // Rank 1 writes under A; rank 2 takes A then B and writes under B; rank 3 takes B and must
  // see rank 1's write too (happens-before through rank 2), with no barrier in between.
  const rig = makeRig(4, { seed: 3, fifo: true });
  const out = values(
    await drive(rig, async (dsm, rank) => {
      const x = await dsm.alloc('x', 'Float64', 512, { home: 'cyclic' });
      const flag = await dsm.alloc('flag', 'Int32', 4);
      await dsm.barrier();
      const waitFor = async (name: string, value: number): Promise<void> => {
        for (;;) {
          await dsm.lock(name);
          const f = await dsm.acquire(flag, 0, 4, 'r');
          const ok = f[name === 'A' ? 0 : 1] === value;
          dsm.unlock(name);
          if (ok) return;
        }
      };
      if (rank === 1) {
        await dsm.lock('A');
        (await dsm.acquire(x, 200, 300, 'w')).fill(1.5);
        (await dsm.acquire(flag, 0, 1, 'w'))[0] = 1;
        dsm.unlock('A');
      } else if (rank === 2) {
        await waitFor('A', 1);
        await dsm.lock('B');
        (await dsm.acquire(x, 300, 301, 'rw'))[0] = 2.5;
        (await dsm.acquire(flag, 1, 2, 'w'))[0] = 1;
        dsm.unlock('B');
      } else if (rank === 3) {
        await waitFor('B', 1);
        await dsm.lock('B');
        const v = await dsm.acquire(x, 199, 302, 'r');
        const seen = [v[0], v[1], v[100], v[101], v[102]];
        dsm.unlock('B');
        await dsm.barrier();
        return seen;
      }
      await dsm.barrier();
      return null;
    }),
  );
  t.deepEqual(out[3], [0, 1.5, 1.5, 2.5, 0]);
});

test('a lock is exclusive: holders never overlap, even across fetches', async (t) => {
  const rig = makeRig(3, { seed: 11 });
  let inside = 0;
  let worst = 0;
  const out = values(
    await drive(rig, async (dsm, rank) => {
      const log = await dsm.alloc('log', 'Int32', 1024, { home: 'cyclic' });
      for (let i = 0; i < 5; i++) {
        await dsm.lock('m');
        inside++;
        worst = Math.max(worst, inside);
        // Stale after the previous holder's writes: this fetches, so other boards run meanwhile.
        const v = await dsm.acquire(log, 0, 1024, 'rw');
        v[0] = v[0]! + 1;
        v[v[0]!] = rank + 1;
        inside--;
        dsm.unlock('m');
      }
      await dsm.barrier();
      const v = await dsm.acquire(log, 0, 16, 'r');
      return Array.from(v);
    }),
  );
  t.is(worst, 1);
  t.is(out[0]![0], 15);
  t.deepEqual(out[0], out[2]);
  t.deepEqual([...out[0]!.slice(1)].sort(), [1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3]);
});
