import test from 'ava';
import fc from 'fast-check';
import type { DsmHome } from '../../src/dsm/index.js';
import { drive, makeRig, values, withNativeCompare } from './memnet.js';

for (const home of ['block', 'cyclic'] as const) {
  test(`two boards writing disjoint bytes of one page both survive (home ${home}, 'rw')`, async (t) => {
    const rig = makeRig(3, { seed: 9 });
    const out = values(
      await drive(rig, async (dsm, rank) => {
        // 128 bytes: one page, homed by rank 0; ranks 1 and 2 are both non-home writers.
        const a = await dsm.alloc('a', 'Uint8', 128, { home });
        if (rank > 0) {
          const v = await dsm.acquire(a, 0, 128, 'rw');
          for (let i = rank - 1; i < 128; i += 2) v[i] = 10 * rank + (i % 7);
        }
        await dsm.barrier();
        return Array.from(await dsm.acquire(a, 0, 128, 'r'));
      }),
    );
    const expected = Array.from({ length: 128 }, (_, i) => (i % 2 === 0 ? 10 : 20) + (i % 7));
    t.deepEqual(out, [expected, expected, expected]);
  });
}

test('the home and a non-home board write interleaved bytes of one granule', async (t) => {
  const rig = makeRig(2, { seed: 4 });
  const out = values(
    await drive(rig, async (dsm, rank) => {
      const a = await dsm.alloc('a', 'Int8', 16);
      const v = await dsm.acquire(a, 0, 16, 'rw');
      for (let i = rank; i < 16; i += 2) v[i] = -(i + 1);
      await dsm.barrier();
      return Array.from(await dsm.acquire(a, 0, 16, 'r'));
    }),
  );
  const expected = Array.from({ length: 16 }, (_, i) => -(i + 1));
  t.deepEqual(out, [expected, expected]);
});

test('random disjoint writers over random homes agree with a sequential model', async (t) => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 1, max: 3 }),
      fc.constantFrom<DsmHome>('block', 'cyclic'),
      fc.constantFrom(1, 8, 32),
      fc.integer(),
      fc.boolean(),
      async (boards, rounds, home, granule, seed, native) => {
        const length = 700;
        const make = (): ReturnType<typeof makeRig> => makeRig(boards, { seed }, { pageSize: 256, granule });
        // native: twins compared chunk by chunk through BigInt.fromArrayBuffer, as on XS.
        const rig = native ? withNativeCompare(make) : make();
        const rnd = (): number => rig.net.rng.random();
        // Per round, each element gets at most one writer (race free), chosen at random.
        const plan = Array.from({ length: rounds }, () => Array.from({ length }, () => Math.floor(rnd() * (boards + 1)) - 1));
        const model = new Array<number>(length).fill(0);
        plan.forEach((owners, k) => owners.forEach((o, i) => o >= 0 && (model[i] = k * 1000 + o * 100 + (i % 97))));
        const out = values(
          await drive(rig, async (dsm, rank) => {
            const a = await dsm.alloc('a', 'Int16', length, { home });
            for (let k = 0; k < rounds; k++) {
              const owners = plan[k]!;
              const mine = owners.flatMap((o, i) => (o === rank ? [i] : []));
              if (mine.length > 0) {
                const lo = mine[0]!;
                const hi = mine[mine.length - 1]! + 1;
                const v = await dsm.acquire(a, lo, hi, 'rw');
                for (const i of mine) v[i - lo] = k * 1000 + rank * 100 + (i % 97);
              }
              await dsm.barrier();
            }
            return Array.from(await dsm.acquire(a, 0, length, 'r'));
          }),
        );
        return out.every((o) => o.every((v, i) => v === model[i]));
      },
    ),
    { seed: 99, numRuns: 60 },
  );
  t.pass();
});

test("a 'w' acquisition sends the whole range even where values did not change", async (t) => {
  const rig = makeRig(2, { seed: 2 });
  const out = values(
    await drive(rig, async (dsm, rank) => {
      const a = await dsm.alloc('a', 'Float32', 64, { home: 'cyclic' });
      if (rank === 0) (await dsm.acquire(a, 0, 64, 'w')).fill(7);
      await dsm.barrier();
      // Rank 1 overwrites with what it believes is there (zeros it never refreshed).
      if (rank === 1) (await dsm.acquire(a, 0, 64, 'w')).fill(0);
      await dsm.barrier();
      return Array.from(await dsm.acquire(a, 0, 64, 'r'));
    }),
  );
  t.deepEqual(out, [new Array(64).fill(0), new Array(64).fill(0)]);
});
