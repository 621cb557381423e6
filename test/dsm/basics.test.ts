import test from 'ava';
import { drive, makeRig, values } from './memnet.js';

test('a write on one board is read on the others after a barrier', async (t) => {
  const rig = makeRig(3, { seed: 7 });
  const out = values(
    await drive(rig, async (dsm, rank) => {
      const a = await dsm.alloc('a', 'Int32', 600);
      if (rank === 1) {
        const v = await dsm.acquire(a, 0, 600, 'w');
        for (let i = 0; i < 600; i++) v[i] = i * 3;
      }
      await dsm.barrier();
      const r = await dsm.acquire(a, 0, 600, 'r');
      return Array.from(r).reduce((s, x) => s + x, 0);
    }),
  );
  t.deepEqual(out, [539100, 539100, 539100]);
});
