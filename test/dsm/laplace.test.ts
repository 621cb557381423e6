import test from 'ava';
import fc from 'fast-check';
import { digestFloat64, interiorOf, laplaceHomes, laplaceOnDsm, laplaceSequential } from '../../examples/laplace/laplace.js';
import { drive, makeRig, values } from './memnet.js';

async function runLaplace(boards: number, n: number, iters: number, seed: number, pageSize = 1024) {
  const rig = makeRig(boards, { seed }, { pageSize });
  const out = values(await drive(rig, (dsm) => laplaceOnDsm(dsm, { n, iters })));
  return { rig, out };
}

test('homes tile the grid in rank order on page boundaries, and every cell is computed by exactly one rank', (t) => {
  for (const [n, boards, pageSize] of [
    [256, 4, 1024],
    [256, 16, 1024],
    [64, 8, 256],
    [10, 3, 64],
    [2, 4, 1024],
    [7, 7, 8],
  ] as const) {
    const xs = n + 2;
    const total = xs * xs;
    const perPage = pageSize / 8;
    const homes = laplaceHomes(n, boards, pageSize);
    const interiorCell = (i: number): boolean => {
      const y = Math.floor(i / xs);
      const x = i - y * xs;
      return x >= 1 && x <= n && y >= 1 && y <= n;
    };
    let next = 0;
    const computed = new Uint8Array(total);
    for (let r = 0; r < boards; r++) {
      const [s, e] = homes[r]!;
      if (e === s) continue;
      t.is(s, next, `${n}/${boards}: rank ${r} starts where the one before ends`);
      // The false-sharing guard: a bound inside a page would give that page to one rank and
      // have the other write into it (a DIFF and its ack at every barrier).
      t.is(s % perPage, 0, `${n}/${boards}/${pageSize}: rank ${r}'s home starts on a page`);
      t.true(e === total || e % perPage === 0, `${n}/${boards}/${pageSize}: rank ${r}'s home ends on a page`);
      const cells = interiorOf(n, s, e);
      if (cells !== null) {
        t.true(cells[0] >= s && cells[1] <= e, `rank ${r} computes inside its home`);
        // The columns 0 and n+1 between rows lie inside the range; the sweep leaves them alone.
        for (let i = cells[0]; i < cells[1]; i++) if (interiorCell(i)) computed[i]! += 1;
      }
      next = e;
    }
    t.is(next, total);
    for (let i = 0; i < total; i++) {
      if (computed[i] !== (interiorCell(i) ? 1 : 0)) {
        t.fail(`${n}/${boards}: cell ${i} computed ${computed[i]} times`);
        break;
      }
    }
  }
});

// Page-aligned homes: no rank writes into a page another rank homes, so the iterations send no DIFF.
for (const [boards, pageSize] of [[4, 1024], [8, 256]] as const) {
  test(`Laplace N=64 on ${boards} boards (${pageSize} B pages) sends no DIFF during the iterations`, async (t) => {
    const n = 64;
    const iters = 6;
    const rig = makeRig(boards, { seed: 7 + boards }, { pageSize });
    const diffs: number[] = [];
    const out = values(await drive(rig, (dsm) => laplaceOnDsm(dsm, { n, iters, onComputed: () => (diffs[dsm.rank] = dsm.stats().diffs) })));
    t.is((out[0] as { digest: string }).digest, digestFloat64(laplaceSequential(n, iters)));
    t.deepEqual(diffs, new Array<number>(boards).fill(0));
  });
}

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

test('the hash state is allocated after the iterations: during them a board holds only the two grids (Round 11: Laplace slots)', async (t) => {
  // A shared array costs a board ~100 XS slots whatever its size; held through the iterations
  // the 105-byte hash state counted at every checkpoint's peak on a Moddable board.
  const rig = makeRig(2, { seed: 11 }, { pageSize: 1024 });
  const during: string[][] = [];
  const out = values(
    await drive(rig, (dsm, rank) =>
      laplaceOnDsm(dsm, {
        n: 16,
        iters: 4,
        afterBarrier: (k) => {
          if (rank === 0) during.push(dsm.sharedArrays().map((a) => a.name));
          return Promise.resolve(k);
        },
      }),
    ),
  );
  t.is(during.length, 4);
  for (const names of during) t.deepEqual(names, ['laplace.u', 'laplace.uu']);
  t.deepEqual(rig.dsms[0]!.sharedArrays().map((a) => a.name), ['laplace.u', 'laplace.uu', 'laplace.sha']);
  t.is((out[0] as { digest: string }).digest, digestFloat64(laplaceSequential(16, 4)));
});
