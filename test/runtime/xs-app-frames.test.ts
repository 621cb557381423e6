/**
 * The XS slots an app run holds in suspended frames while a DSM call waits, counted in a real XS
 * machine (gc() + currentHeapCount around each step; test/runtime/fixtures/xs-app-frames-main.ts):
 * an async function suspended at an `await` is ~43 XS slots in xsnap whatever its locals, live at
 * every peak of the board for as long as it waits (docs/FOOTPRINT.md "Round 17b: the app's frames").
 */
import test from 'ava';
import { XsWorker } from '../../host-sim/xsnap/worker.js';
import { bundleFixture, loadAndBase, xsProbe } from '../xs/fixtures/slot-probe.js';

const bundle = (): Promise<string> => bundleFixture(new URL('./fixtures/xs-app-frames-main.js', import.meta.url));

/**
 * What fixture step `name` holds over a bare pending promise of its own (the empty step's
 * slots subtracted, loadAndBase), and `check`'s text after it.
 */
async function heldBy(worker: string, name: string, check: string): Promise<{ pending: number; held: number; checked: string }> {
  const w = new XsWorker({ name: worker, stdout: 'ignore' });
  const probe = xsProbe(w);
  const { text, step } = probe;
  try {
    const base = await loadAndBase(w, probe, await bundle());
    const pending = (await step('pending')) - base;
    const held = (await step(name)) - base - pending;
    return { pending, held, checked: await text(check) };
  } finally {
    await w.kill();
  }
}

/**
 * Bound, XS slots over the stub DSM call's own pending promise (the run's object, the home
 * ranges and laplaceOnDsm's promise included). Main 81f1071 (before Round 17b): 111, two
 * suspended frames (Laplace's async `main` awaiting laplaceOnDsm, laplaceOnDsm awaiting the
 * alloc) and a closure for `onIter`. Round 17b: 63, `main` returns laplaceOnDsm's promise.
 */
const LAPLACE_FRAMES_MAX = 75;

test(`Laplace's main holds at most ${LAPLACE_FRAMES_MAX} XS slots in suspended frames while a DSM call waits`, async (t) => {
  const { pending, held, checked } = await heldBy('app-frames', 'laplace', 'allocs()');
  t.is(checked, '1', 'Laplace waits in its first alloc');
  t.log(`a pending promise ${pending}, Laplace's frames ${held}`);
  t.true(held <= LAPLACE_FRAMES_MAX, `Laplace's frames: ${held} slots`);
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
  const { pending, held, checked } = await heldBy('app-frames-ckpt', 'laplaceCkpt', 'checkpoints()');
  t.is(checked, '1', 'Laplace waits in its first checkpoint');
  t.log(`a pending promise ${pending}, Laplace waiting in a checkpoint ${held}`);
  t.true(held <= LAPLACE_CKPT_MAX, `Laplace waiting in a checkpoint: ${held} slots`);
});

test('Laplace under FT goes on past a checkpoint refused as ABORTED and ends on any other refusal', async (t) => {
  const w = new XsWorker({ name: 'app-frames-refused', stdout: 'ignore' });
  const { text } = xsProbe(w);
  try {
    await w.evaluate(await bundle());
    await w.evaluate('laplaceRefused("ABORTED")');
    t.is(await text('outcome()'), 'running 2', 'the first checkpoint not taken, the second waited for');
    await w.evaluate('laplaceRefused("BAD_ARG")');
    t.is(await text('outcome()'), 'rejected BAD_ARG 1', 'the run ends with the refusal');
  } finally {
    await w.kill();
  }
});
