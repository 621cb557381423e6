/**
 * The XS slots of a board's standing network state, counted in a real XS machine (gc() +
 * currentHeapCount around each step; fixtures/xs-slots-main.ts): the layer's and a link's
 * counters, a NetLayer with one link, the Moddable Hal's timer schedule. A typed array is 7 XS
 * slots (the view and its ArrayBuffer), a plain Array 2 whatever its length (docs/FOOTPRINT.md
 * "Round 19b").
 */
import test from 'ava';
import { XsWorker } from '../../host-sim/xsnap/worker.js';
import { bundleFixture, loadAndBase, xsProbe } from '../xs/fixtures/slot-probe.js';

/**
 * Bounds, XS slots. Main a677b9c (before Round 19b): the layer's and a link's counters 14 (two
 * Float64Arrays), a NetLayer with one link 366 (its counters, the link's counters and the
 * transmit ring's numbers: three Float64Arrays), a timer schedule with three timers 35 (due
 * times and ids: two Float64Arrays). Round 19b: plain Arrays, 5 slots fewer each; every bound
 * fails on main. Round 20: a one-link NetLayer 351 -> 346 (the bulk class's frame types as eight
 * words in a plain Array, not a 256-byte Uint8Array); the bound fails on main 1c9a4c7 (351).
 */
const COUNTERS_MAX = 5;
const LAYER_MAX = 348;
const SCHEDULE_MAX = 28;

test(`the net counters hold at most ${COUNTERS_MAX} XS slots, a one-link NetLayer ${LAYER_MAX}, a timer schedule ${SCHEDULE_MAX}`, async (t) => {
  const w = new XsWorker({ name: 'net-slots', stdout: 'ignore' });
  const probe = xsProbe(w);
  const { step, text } = probe;
  try {
    const base = await loadAndBase(w, probe, await bundleFixture(new URL('./fixtures/xs-slots-main.js', import.meta.url)));
    const counters = (await step('counters')) - base;
    const layer = (await step('layer')) - base;
    const schedule = (await step('schedule')) - base;
    t.is(await text('check()'), '9 3');
    t.log(`the counters ${counters}, a one-link NetLayer ${layer}, a timer schedule with three timers ${schedule}`);
    t.true(counters <= COUNTERS_MAX, `the counters ${counters} slots`);
    t.true(layer <= LAYER_MAX, `a one-link NetLayer ${layer} slots`);
    t.true(schedule <= SCHEDULE_MAX, `a timer schedule ${schedule} slots`);
  } finally {
    await w.kill();
  }
});
