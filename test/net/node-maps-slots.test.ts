/**
 * The XS slots of the per-node maps a board holds all run, counted in a real XS machine (gc() +
 * currentHeapCount around each step; fixtures/xs-node-maps-main.ts): a Broadcast's newest number
 * per source and the routes' first hop per destination. A typed array is 7 XS slots (the view
 * and its ArrayBuffer), a plain Array 2 whatever its length (docs/FOOTPRINT.md "Round 19b",
 * "Round 20").
 */
import test from 'ava';
import { XsWorker } from '../../host-sim/xsnap/worker.js';
import { bundleFixture, loadAndBase, xsProbe } from '../xs/fixtures/slot-probe.js';

/**
 * Bounds, XS slots. Main 1c9a4c7: a Broadcast that took broadcasts from two sources 12, the
 * routes of a two-node domain 11 (each an Int16Array or Int32Array of all 256 node ids: the view
 * and its buffer, and 512 B or 1 KB of chunks). Round 20: plain Arrays as long as the largest
 * node id heard or reachable + 1: 7 and 7; each bound fails on main.
 */
const BROADCAST_MAX = 8;
const ROUTES_MAX = 8;

test(`a Broadcast that heard two sources holds at most ${BROADCAST_MAX} XS slots, a two-node domain's routes ${ROUTES_MAX}`, async (t) => {
  const w = new XsWorker({ name: 'net-node-maps-slots', stdout: 'ignore' });
  const probe = xsProbe(w);
  const { step, text } = probe;
  try {
    const base = await loadAndBase(w, probe, await bundleFixture(new URL('./fixtures/xs-node-maps-main.js', import.meta.url)));
    const made = (await step('make')) - base;
    const heard = (await step('hear')) - base;
    const routes = (await step('routes')) - base;
    // Two Broadcasts kept (setup's, make's), three broadcasts delivered (setup's, two sources'),
    // the repeat rejected; node 1 is node 0's neighbour, both reachable.
    t.is(await text('check()'), '2 3 1 0,1');
    t.log(`a Broadcast ${made}, after two sources ${made + heard}; a two-node domain's routes ${routes}`);
    t.true(made + heard <= BROADCAST_MAX, `a Broadcast that heard two sources ${made + heard} slots`);
    t.true(routes <= ROUTES_MAX, `a two-node domain's routes ${routes} slots`);
  } finally {
    await w.kill();
  }
});
