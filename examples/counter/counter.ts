/**
 * N boards each add 1 to one shared counter K times under one lock: the DSM's lock test in
 * its smallest form. The result is exactly N x K or the lock (or its release consistency)
 * is broken.
 */
import type { AppValue } from '../../src/app.js';
import type { Dsm } from '../../src/dsm/index.js';

export async function counterOnDsm(dsm: Dsm, k: number, onStep?: (i: number) => void): Promise<AppValue> {
  const counter = await dsm.alloc('counter', 'Int32', 1);
  for (let i = 0; i < k; i++) {
    await dsm.lock('counter');
    const v = await dsm.acquire(counter, 0, 1, 'rw');
    v[0] = v[0]! + 1;
    dsm.unlock('counter');
    onStep?.(i + 1);
  }
  await dsm.barrier();
  if (dsm.rank !== 0) return null;
  const v = await dsm.acquire(counter, 0, 1, 'r');
  return { counter: v[0]! };
}
