import test from 'ava';
import fc from 'fast-check';
import { digestFloat64, laplaceHomes, laplaceOnDsm, laplaceSequential, bandOf } from '../../examples/laplace/laplace.js';
import { drive, makeRig, values } from './memnet.js';

async function runLaplace(boards: number, n: number, iters: number, seed: number, pageSize = 1024) {
  const rig = makeRig(boards, { seed }, { pageSize });
  const out = values(await drive(rig, (dsm) => laplaceOnDsm(dsm, { n, iters })));
  return { rig, out };
}

test('bands split rows 1..N as evenly as possible and homes cover the grid', (t) => {
  for (const [n, boards] of [
    [256, 4],
    [10, 3],
    [2, 4],
    [7, 7],
  ] as const) {
    let next = 1;
    for (let r = 0; r < boards; r++) {
      const { first, count } = bandOf(n, boards, r);
      t.is(first, next);
      t.true(count === Math.floor(n / boards) || count === Math.ceil(n / boards));
      next += count;
    }
    t.is(next, n + 1);
    const homes = laplaceHomes(n, boards);
    t.is(homes.reduce((s, [a, b]) => s + b - a, 0), (n + 2) * (n + 2));
  }
});

// The digest goes along the ranks (each hashes its rows): its value must not depend on the board count.
for (const boards of [1, 2, 3, 4, 8, 16]) {
  test(`Laplace N=64 on ${boards} board(s) gives the sequential digest`, async (t) => {
    const iters = 12;
    const { out } = await runLaplace(boards, 64, iters, 100 + boards);
    const expected = digestFloat64(laplaceSequential(64, iters));
    t.deepEqual(out[0], { digest: expected, n: 64, iters, boards });
    for (let r = 1; r < boards; r++) t.is(out[r], null);
  });
}

test('Laplace with small N survives many random delivery orders (and more boards than rows)', async (t) => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 1, max: 9 }),
      fc.integer({ min: 0, max: 6 }),
      fc.constantFrom(256, 512),
      fc.integer({ min: 0, max: 0x7fffffff }),
      async (boards, n, iters, pageSize, seed) => {
        const { out } = await runLaplace(boards, n, iters, seed, pageSize);
        const expected = digestFloat64(laplaceSequential(n, iters));
        return (out[0] as { digest: string }).digest === expected;
      },
    ),
    { seed: 20240611, numRuns: 60 },
  );
  t.pass();
});

test('Laplace wire bytes stay within 1.5x of the minimal halo exchange (N=256, 100 iterations, 4 boards, 1 KiB pages)', async (t) => {
  const boards = 4;
  const n = 256;
  const iters = 100;
  const rig = makeRig(boards, { seed: 5 }, { pageSize: 1024 });
  let computeBytes = 0;
  const sum = (k: 'bytesSent' | 'messagesSent' | 'fetches' | 'pushGranulesApplied' | 'pushWaits' | 'leaves'): number => rig.dsms.reduce((s, d) => s + d.stats()[k], 0);
  const out = values(
    await drive(rig, (dsm) =>
      laplaceOnDsm(dsm, {
        n,
        iters,
        onComputed: () => {
          if (dsm.rank === 0) computeBytes = sum('bytesSent');
        },
      }),
    ),
  );
  t.is((out[0] as { digest: string }).digest, digestFloat64(laplaceSequential(n, iters)));
  const halo = iters * 2 * (boards - 1) * n * 8;
  t.is(halo, 1_228_800);
  const total = sum('bytesSent');
  t.is(total, rig.net.totalBytes, 'the DSM counts exactly what it handed to the transport');
  t.log(
    `iterations: ${computeBytes} B = ${(computeBytes / halo).toFixed(3)} x halo; ` +
      `with the digest along the ranks: ${total} B = ${(total / halo).toFixed(3)} x halo in ${sum('messagesSent')} messages`,
  );
  t.log(`fetches ${sum('fetches')}, pushed granules stored ${sum('pushGranulesApplied')}, waits for a push ${sum('pushWaits')}, leaves ${sum('leaves')}`);
  // The halos are pushed (laplace.u and uu are push arrays): fetching them would take ~1800 FETCH messages
  // (2 x 3 halos x 100 iterations, 3 messages of 1 KiB per 2 KiB row); what is fetched is each halo's
  // first reading of each array (which subscribes) and the hash state (34 here).
  t.true(sum('fetches') < iters / 2, `fetches ${sum('fetches')}`);
  // A halo row's granules on pages the reader homes are never stale: ~190 of its 256 come by push here.
  t.true(sum('pushGranulesApplied') >= ((iters - 4) * 2 * (boards - 1) * n) / 2, `pushed granules ${sum('pushGranulesApplied')}`);
  // The result moves only the 105-byte hash state from rank to rank, never the grid (a gather on rank 0 was 400 KB here),
  // plus what the homes pushed at the last iteration's barrier after rank 0 left it (nobody reads it: one halo
  // exchange at most) and the batches and LEAVEs that end the subscriptions.
  t.true(total - computeBytes <= 1024 * boards + 2 * (boards - 1) * n * 8, `the result cost ${total - computeBytes} B`);
  t.true(computeBytes / halo <= 1.5, `iterations ratio ${computeBytes / halo}`);
  t.true(total / halo <= 1.5, `total ratio ${total / halo}`);
  // Only neighbours exchange halos: no bytes between boards two bands apart.
  const perLink = rig.net.pairBytes;
  t.true(perLink[1 * boards + 3]! === 0 && perLink[3 * boards + 1]! === 0);
});

test('Laplace with small messages (256 B, enforced by the transport) still gives the digest', async (t) => {
  const n = 40;
  const iters = 6;
  const rig = makeRig(3, { seed: 77, maxMessage: 256 }, { pageSize: 256, maxNoticeRanges: 16 });
  const out = values(await drive(rig, (dsm) => laplaceOnDsm(dsm, { n, iters })));
  t.is((out[0] as { digest: string }).digest, digestFloat64(laplaceSequential(n, iters)));
  t.true(rig.dsms.every((d) => d.limits.maxMessage === 256));
});
