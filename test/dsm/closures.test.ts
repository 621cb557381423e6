/**
 * The DSM's long-lived objects hold no closures: its parts (sync, barrier node, managers, home,
 * held diffs, push, client, request window and its watchdog) reach back through the Dsm itself
 * (DsmPort) and their owners' methods. They held about a dozen (~10 XS slots each on a board)
 * before Round 10 (docs/FOOTPRINT.md "Round 10: Laplace footprint").
 */
import test from 'ava';
import { drive, makeRig } from './memnet.js';
import { ownFunctions } from '../util/closures.js';

test('a DSM, before and after allocs, barriers and locks, holds no function of its own; its transport takes messages to the Dsm itself', async (t) => {
  const rig = makeRig(3);
  // `transport` and `clock` are the board's. The transport's hook into the DSM is the Dsm
  // (`receiver`), not a closure over it (Round 14: ~12 XS slots a board).
  const skip = ['transport', 'clock'];
  t.deepEqual(ownFunctions(rig.dsms[0]!, skip), []);
  rig.dsms.forEach((dsm, r) => t.is(rig.net.transports[r]!.receiver, dsm, `rank ${r}: the transport's receiver is the Dsm`));
  const out = await drive(rig, async (dsm, rank) => {
    const a = await dsm.alloc('a', 'Int32', 4096);
    (await dsm.acquire(a, rank * 1024, rank * 1024 + 1024, 'w')).fill(rank + 1);
    await dsm.barrier();
    await dsm.lock('l');
    dsm.unlock('l');
    const all = await dsm.acquire(a, 0, 3072, 'r');
    if (all[2048] !== 3) throw new Error('rank 2 band not read');
    await dsm.barrier();
    return a.length;
  });
  t.true(out.every((o) => o.ok), JSON.stringify(out));
  for (const dsm of rig.dsms) t.deepEqual(ownFunctions(dsm, skip), []);
});
