/**
 * The XS slots a board's Broadcast holds all run (the newest broadcast number taken from each
 * source), counted in a real XS machine (gc() + currentHeapCount around each step;
 * fixtures/xs-broadcast-main.ts). A typed array is 7 XS slots (the view and its ArrayBuffer), a
 * plain Array 2 whatever its length (docs/FOOTPRINT.md "Round 19b", "Round 20").
 */
import test from 'ava';
import { XsWorker } from '../../host-sim/xsnap/worker.js';
import { bundleFixture, loadAndBase, xsProbe } from '../xs/fixtures/slot-probe.js';

/**
 * Bound, XS slots. Main 1c9a4c7: a Broadcast that took broadcasts from two sources 12 (its
 * newest numbers an Int32Array of every node id, 256 entries: the view and its buffer, and 1 KB
 * of chunks). Round 20: a plain Array grown to the largest source heard: 7; the bound fails on
 * main.
 */
const BROADCAST_MAX = 8;

test(`a Broadcast that heard two sources holds at most ${BROADCAST_MAX} XS slots`, async (t) => {
  const w = new XsWorker({ name: 'net-broadcast-slots', stdout: 'ignore' });
  const probe = xsProbe(w);
  const { step, text } = probe;
  try {
    const base = await loadAndBase(w, probe, await bundleFixture(new URL('./fixtures/xs-broadcast-main.js', import.meta.url)));
    const made = (await step('make')) - base;
    const heard = (await step('hear')) - base;
    // Two Broadcasts kept (setup's, make's), three broadcasts delivered (setup's, two sources'), the repeat rejected.
    t.is(await text('check()'), '2 3');
    t.log(`a Broadcast ${made}, after two sources ${made + heard}`);
    t.true(made + heard <= BROADCAST_MAX, `a Broadcast that heard two sources ${made + heard} slots`);
  } finally {
    await w.kill();
  }
});
