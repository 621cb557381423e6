/**
 * Laplace on the DSM in the simulator, 1 to 4 boards, N = 64 and 256, XS and V8 boards: rank
 * 0's digest of the final grid must equal the sequential kernel's, computed here on the host.
 * Iterations are kept short (the 100-iteration run is laplace-100.test.ts); N = 256 with few
 * iterations still moves whole bands in rank 0's final gather.
 */
import test from 'ava';
import { expectedDigest, laplace, ranOnXs, type Engine } from './helpers.js';

const ITERS: Record<number, number> = { 64: 20, 256: 5 };

for (const engine of ['node', 'xs'] as Engine[]) {
  for (const n of [64, 256]) {
    for (const boards of [1, 2, 3, 4]) {
      const iters = ITERS[n]!;
      // XS boards are processes: one run at a time keeps two cores from thrashing.
      const declare = engine === 'xs' ? test.serial : test;
      declare(`Laplace N=${n}, ${iters} iterations on ${boards} ${engine} board(s) gives the sequential digest`, async (t) => {
        const s = await laplace(boards, n, iters, engine);
        t.true(s.ok, s.reason);
        t.deepEqual(s.app.result, { digest: expectedDigest(n, iters), n, iters, boards });
        for (let r = 1; r < boards; r++) t.is(s.app.results[r], null);
        if (engine === 'xs') t.true(ranOnXs(s), 'every board ran in XS');
        if (boards > 1) t.true(s.wire.bytes > 0);
        else t.is(s.wire.bytes, 0, 'one board needs no link');
      });
    }
  }
}

test.serial('Laplace on XS and on V8 boards puts the same frames on the wire', async (t) => {
  const xs = await laplace(3, 64, 6, 'xs', { topology: 'ring' });
  const v8 = await laplace(3, 64, 6, 'node', { topology: 'ring' });
  t.true(xs.ok && v8.ok, `${xs.reason} / ${v8.reason}`);
  t.deepEqual(xs.app.result, v8.app.result);
  t.is(xs.traceDigest, v8.traceDigest);
  t.is(xs.wire.bytes, v8.wire.bytes);
});

test('Laplace survives a lossy ring (frames lost and sent again)', async (t) => {
  const s = await laplace(4, 64, 20, 'node', { topology: 'ring', link: 'uart:921600,loss=0.02', seed: '5' });
  t.true(s.ok, s.reason);
  t.true(s.links.some((l) => l.lost > 0), 'some frames were lost');
  t.is((s.app.result as { digest: string }).digest, expectedDigest(64, 20));
});
