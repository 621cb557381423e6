/**
 * Issue 11, defects 2 and 3 (docs/PROTOCOL.md §8, docs/FT.md §13): outages that make links go
 * down must not lose a message silently, and a healed minority partition must not end the run.
 * Each reproducer failed before end-to-end delivery / the quorum rule.
 */
import test from 'ava';
import { expectedDigest, ftLaplace } from './helpers.js';

const LINK = 'uart:921600,loss=0.01,corrupt=0.001';

test('defect 2: a 2.15 s hang of board 0 (its links go down, queued frames dropped) ends with the fault-free result', async (t) => {
  const r = await ftLaplace({ n: 64, iters: 60, spares: '2', link: LINK, seed: '11000104', fault: ['hang:0@996ms:2154ms'] });
  t.true(r.s.ok, r.s.reason);
  t.is(r.digest, expectedDigest(64, 60));
  t.deepEqual(r.s.faults.map((f) => f.effect), ['hang 2154 ms'], 'the hang happened');
});

test('defect 2: a pair partition between boards 1 and 2 healed after 2 s ends with the fault-free result', async (t) => {
  const r = await ftLaplace({
    n: 256, iters: 100, spares: '2', link: LINK, seed: '9',
    fault: ['partition:2@1000ms:1', 'partition:1@1000ms:2', 'heal:2@3000ms', 'heal:1@3000ms'],
  });
  t.true(r.s.ok, r.s.reason);
  t.is(r.digest, expectedDigest(256, 100));
  t.is(r.s.faults.length, 4, 'the partition and the heal happened');
});
