/**
 * The XS slots an app's FT call holds while it waits for its timer, counted in a real XS machine
 * (gc() + currentHeapCount around each step; test/ft/fixtures/xs-calls-main.ts): a `yield`
 * (Laplace's final digest pauses at every slice) and a background `checkpoint` before its capture
 * runs in a turn of its own (docs/FOOTPRINT.md "Round 17: FT's waiting calls as records").
 */
import test from 'ava';
import { XsWorker } from '../../host-sim/xsnap/worker.js';
import { bundleFixture, loadAndBase, xsProbe } from '../xs/fixtures/slot-probe.js';

const bundle = (): Promise<string> => bundleFixture(new URL('./fixtures/xs-calls-main.js', import.meta.url));

/**
 * Bounds, XS slots. Main 0d2c9ac (before Round 17): a yield 35 (its promise, the executor's and
 * the timer's closures), a background checkpoint call 78 (its promise, a closure for its timer, a
 * second promise chained on the first with the closure over the call's arguments). Round 17: 7
 * and 7 (one record per call, the timer's argument; the capture settles the app's promise).
 */
const YIELD_MAX = 15;
const BACKGROUND_MAX = 20;

test(`a waiting yield holds at most ${YIELD_MAX} XS slots, a background checkpoint call before its capture ${BACKGROUND_MAX}`, async (t) => {
  const w = new XsWorker({ name: 'ft-calls', stdout: 'ignore' });
  const probe = xsProbe(w);
  const { text, step } = probe;
  try {
    const base = await loadAndBase(w, probe, await bundle());
    const yielded = (await step('yieldCall')) - base;
    const background = (await step('backgroundCall')) - base;
    // Both wait for their timers.
    t.is(await text('check()'), '2');
    t.log(`a yield ${yielded}, a background checkpoint call ${background}`);
    t.true(yielded <= YIELD_MAX, `a yield ${yielded} slots`);
    t.true(background <= BACKGROUND_MAX, `a background checkpoint call ${background} slots`);
  } finally {
    await w.kill();
  }
});
