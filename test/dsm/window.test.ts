/**
 * A shared array's local copy is a window of the pages this board homes or touched
 * (src/dsm/shared-array.ts), not the whole array. These tests fail if a board goes back to
 * holding arrays whole, and check the window against a flat model of the array: data written
 * anywhere, read anywhere, growth while views are out (their writes must survive).
 */
import test from 'ava';
import fc from 'fast-check';
import { digestFloat64, laplaceHomes, laplaceOnDsm, laplaceSequential } from '../../examples/laplace/laplace.js';
import type { Dsm } from '../../src/dsm/index.js';
import { laplaceMemory } from '../../examples/laplace/memory.js';
import { drive, makeRig, values, withNativeCompare } from './memnet.js';

const PAGE = 1024;

/** Bytes this board holds locally for every array, by name. */
function held(dsm: Dsm): Record<string, number> {
  const out: Record<string, number> = {};
  for (const st of dsm.sharedArrays()) out[st.name] = st.heldBytes;
  return out;
}

test('a board touching one page of a large array holds about one page', async (t) => {
  // 512 KiB of Float64; rank 2 homes nothing and reads one element in the middle.
  const length = 65_536;
  const rig = makeRig(3, { seed: 3 }, { pageSize: PAGE });
  const home = { ranges: [[0, 32_768], [32_768, length], [length, length]] as [number, number][] };
  const out = values(
    await drive(rig, async (dsm, rank) => {
      const a = await dsm.alloc('big', 'Float64', length, { home });
      const before = held(dsm).big;
      if (rank === 1) (await dsm.acquire(a, 40_000, 40_001, 'w'))[0] = 42;
      await dsm.barrier();
      const v = rank === 2 ? (await dsm.acquire(a, 40_000, 40_001, 'r'))[0] : null;
      await dsm.barrier();
      return { before, after: held(dsm).big, v };
    }),
  );
  t.deepEqual(out[0], { before: 262_144, after: 262_144, v: null }, 'rank 0 holds its home half only');
  t.deepEqual(out[1], { before: 262_144, after: 262_144, v: null }, 'rank 1 holds its home half only');
  t.deepEqual(out[2], { before: 0, after: PAGE, v: 42 }, 'rank 2 holds the one page it read');
});

test('Laplace N=64 on 2 boards: each grid holds its home band and one halo page, not the grid', async (t) => {
  const n = 64;
  const iters = 6;
  const rig = makeRig(2, { seed: 11 }, { pageSize: PAGE });
  const out = values(await drive(rig, (dsm) => laplaceOnDsm(dsm, { n, iters })));
  t.deepEqual(out[0], { digest: digestFloat64(laplaceSequential(n, iters)), n, iters, boards: 2 });
  const grid = (n + 2) * (n + 2) * 8;
  const homes = laplaceHomes(n, 2, PAGE);
  for (let r = 0; r < 2; r++) {
    const h = held(rig.dsms[r]!);
    const [s, e] = homes[r]!;
    const band = (e - s) * 8;
    for (const name of ['laplace.u', 'laplace.uu']) {
      t.true(h[name]! <= band + 2 * PAGE, `rank ${r} ${name}: ${h[name]} B for a ${band} B band`);
      t.true(h[name]! < grid * 0.6, `rank ${r} ${name}: ${h[name]} B of a ${grid} B grid`);
    }
  }
});

type Op =
  | { kind: 'write'; rank: number; start: number; len: number; mode: 'w' | 'rw'; seed: number }
  | { kind: 'two'; rank: number; a: number; b: number; seed: number }
  | { kind: 'read'; rank: number; start: number; len: number };

const LENGTH = 4096; // Int32: 16 KiB, 16 pages over 3 boards
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('write' as const), rank: fc.nat(2), start: fc.nat(LENGTH - 1), len: fc.integer({ min: 1, max: 700 }), mode: fc.constantFrom('w' as const, 'rw' as const), seed: fc.nat() }),
  fc.record({ kind: fc.constant('two' as const), rank: fc.nat(2), a: fc.nat(LENGTH - 1), b: fc.nat(LENGTH - 1), seed: fc.nat() }),
  fc.record({ kind: fc.constant('read' as const), rank: fc.nat(2), start: fc.nat(LENGTH - 1), len: fc.integer({ min: 1, max: 2000 }) }),
);

const valueAt = (seed: number, i: number): number => (Math.imul(seed ^ i, 0x9e3779b1) >> 3) | 1;

for (const native of [false, true]) {
  test(`the window behaves like a flat array (${native ? 'XS native compare' : 'byte compare'}): writes, reads, growth with views out`, async (t) => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 12 }), fc.nat(1000), async (ops, seed) => {
        const model = new Int32Array(LENGTH);
        const rig = native ? withNativeCompare(() => makeRig(3, { seed }, { pageSize: PAGE })) : makeRig(3, { seed }, { pageSize: PAGE });
        const seen: string[] = [];
        values(
          await drive(rig, async (dsm, rank) => {
            const a = await dsm.alloc('x', 'Int32', LENGTH, { home: 'block' });
            for (const op of ops) {
              if (op.rank === rank) {
                if (op.kind === 'write') {
                  const end = Math.min(LENGTH, op.start + op.len);
                  const v = await dsm.acquire(a, op.start, end, op.mode);
                  for (let i = 0; i < v.length; i++) v[i] = valueAt(op.seed, op.start + i);
                } else if (op.kind === 'two') {
                  // Two views in one interval, the second far away: the window may grow while the
                  // first is out, and writes through both must reach the homes.
                  const v1 = await dsm.acquire(a, op.a, op.a + 1, 'rw');
                  const v2 = await dsm.acquire(a, op.b, op.b + 1, 'rw');
                  v1[0] = valueAt(op.seed, op.a);
                  if (op.b !== op.a) v2[0] = valueAt(op.seed, op.b);
                } else {
                  const end = Math.min(LENGTH, op.start + op.len);
                  const v = await dsm.acquire(a, op.start, end, 'r');
                  seen.push(`${rank}:${op.start}:${Array.from(v).join(',')}`);
                }
              }
              await dsm.barrier();
            }
            return null;
          }),
        );
        const expected: string[] = [];
        for (const op of ops) {
          if (op.kind === 'write') {
            const end = Math.min(LENGTH, op.start + op.len);
            for (let i = op.start; i < end; i++) model[i] = valueAt(op.seed, i);
          } else if (op.kind === 'two') {
            model[op.a] = valueAt(op.seed, op.a);
            model[op.b] = valueAt(op.seed, op.b);
          } else {
            expected.push(`${op.rank}:${op.start}:${Array.from(model.subarray(op.start, Math.min(LENGTH, op.start + op.len))).join(',')}`);
          }
        }
        t.deepEqual(seen, expected);
        // No board holds more than the pages it homes or touched.
        for (const dsm of rig.dsms) t.true(dsm.sharedArrays()[0]!.heldBytes <= LENGTH * 4);
      }),
      { numRuns: 40, seed: 2026 },
    );
  });
}

// bench footprint's Laplace floor (examples/laplace/memory.ts) must be what the DSM really holds.
for (const [n, boards, pageSize] of [[64, 2, 1024], [32, 3, 256], [30, 4, 512]] as const) {
  test(`laplaceMemory(${n}, ${boards}, ${pageSize}) is the live windows and the home pages the DSM really has`, async (t) => {
    const rig = makeRig(boards, { seed: n }, { pageSize });
    values(await drive(rig, (dsm) => laplaceOnDsm(dsm, { n, iters: 3 })));
    const predicted = laplaceMemory(n, boards, pageSize);
    for (let r = 0; r < boards; r++) {
      const [u, uu] = rig.dsms[r]!.sharedArrays();
      t.is(u!.heldBytes + uu!.heldBytes, predicted[r]!.liveBytes, `rank ${r} live`);
      t.is(u!.homePages * pageSize, predicted[r]!.imageBytes, `rank ${r} image`);
      t.is(predicted[(r + 1) % boards]!.wardImageBytes, predicted[r]!.imageBytes, `rank ${r}'s buddy keeps its image`);
    }
    if (n === 64 && boards === 2) {
      // Half a grid each way: the floor is about two whole grids (2 x 66 x 66 x 8 = 69 696 B) plus halo and page rounding.
      t.deepEqual(predicted.map((p) => p.floorBytes), [72_704, 74_752]);
    }
  });
}
