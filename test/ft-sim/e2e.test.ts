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

test('defect 3: a minority partition (board 2 alone) healed after 2 s: the majority keeps going, board 2 cannot end the run', async (t) => {
  const r = await ftLaplace({
    n: 256, iters: 100, spares: '2', link: LINK, seed: '9', fault: ['partition:2@1000ms:0,1,3,4,5', 'heal:2@3000ms'],
  });
  t.true(r.s.ok, r.s.reason);
  t.is(r.digest, expectedDigest(256, 100));
  t.true(r.events.some((e) => e.board === 2 && e.name === 'no-quorum'), 'the isolated board stood aside');
  t.false(r.events.some((e) => e.name === 'ft-stop'), 'nobody stopped the run');
});

test('defect 3: a minority partition healed after 8 s: the majority recovers rank 2 on a spare, the isolated board stays out', async (t) => {
  const r = await ftLaplace({
    n: 256, iters: 100, spares: '2', link: LINK, seed: '9', fault: ['partition:2@1000ms:0,1,3,4,5', 'heal:2@9000ms'],
  });
  t.true(r.s.ok, r.s.reason);
  t.is(r.digest, expectedDigest(256, 100));
  t.true(r.s.recoveries.some((x) => x.failed.includes(2)), 'rank 2 was recovered elsewhere');
  t.false(r.events.some((e) => e.name === 'ft-stop'), 'nobody stopped the run');
});
