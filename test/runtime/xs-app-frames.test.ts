/**
 * The XS slots an app run holds in suspended frames while a DSM call waits, counted in a real XS
 * machine (gc() + currentHeapCount around each step; test/runtime/fixtures/xs-app-frames-main.ts):
 * an async function suspended at an `await` is ~43 XS slots in xsnap whatever its locals, live at
 * every peak of the board for as long as it waits (docs/FOOTPRINT.md "Round 17b: the app's frames").
 */
import test from 'ava';
import { XsWorker } from '../../host-sim/xsnap/worker.js';
import { bundleFixture, xsProbe } from '../xs/fixtures/slot-probe.js';

const bundle = (): Promise<string> => bundleFixture(new URL('./fixtures/xs-app-frames-main.js', import.meta.url));

/**
 * Bound, XS slots over the stub DSM call's own pending promise (the run's object, the home
 * ranges and laplaceOnDsm's promise included). Main 81f1071 (before Round 17b): 111, two
 * suspended frames (Laplace's async `main` awaiting laplaceOnDsm, laplaceOnDsm awaiting the
 * alloc) and a closure for `onIter`. Round 17b: 63, `main` returns laplaceOnDsm's promise.
 */
const LAPLACE_FRAMES_MAX = 75;

test(`Laplace's main holds at most ${LAPLACE_FRAMES_MAX} XS slots in suspended frames while a DSM call waits`, async (t) => {
  const w = new XsWorker({ name: 'app-frames', stdout: 'ignore' });
  const { text, step } = xsProbe(w);
  // Each evaluate leaves the same few slots (its own step): measured by an empty one.
  try {
    await w.evaluate(await bundle());
    await w.evaluate('globalThis.none = () => undefined');
    await step('setup');
    const base = await step('none');
    const pending = (await step('pending')) - base;
    const laplace = (await step('laplace')) - base - pending;
    t.is(await text('allocs()'), '1', 'Laplace waits in its first alloc');
    t.log(`a pending promise ${pending}, Laplace's frames ${laplace}`);
    t.true(laplace <= LAPLACE_FRAMES_MAX, `Laplace's frames: ${laplace} slots`);
  } finally {
    await w.kill();
  }
});
