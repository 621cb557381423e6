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

/**
 * Bound, XS slots over the stub checkpoint's own pending promise, while Laplace under FT waits
 * in its blocking checkpoint after iteration 10 (the footprint scenario's rounds): the run's
 * frame and object, its homes and the last views included. Main b152785: 106, the checkpoint's
 * promise observed through `.catch` with a closure over `k` and the run (a derived promise, its
 * reaction and the closure held through the round). Round 18: 71, laplaceOnDsm's own `await`
 * catches (run.refused); the bound fails on main.
 */
const LAPLACE_CKPT_MAX = 80;

test(`Laplace under FT holds at most ${LAPLACE_CKPT_MAX} XS slots while it waits in a blocking checkpoint`, async (t) => {
  const w = new XsWorker({ name: 'app-frames-ckpt', stdout: 'ignore' });
  const { text, step } = xsProbe(w);
  try {
    await w.evaluate(await bundle());
    await w.evaluate('globalThis.none = () => undefined');
    await step('setup');
    const base = await step('none');
    const pending = (await step('pending')) - base;
    const held = (await step('laplaceCkpt')) - base - pending;
    t.is(await text('checkpoints()'), '1', 'Laplace waits in its first checkpoint');
    t.log(`a pending promise ${pending}, Laplace waiting in a checkpoint ${held}`);
    t.true(held <= LAPLACE_CKPT_MAX, `Laplace waiting in a checkpoint: ${held} slots`);
  } finally {
    await w.kill();
  }
});
