/**
 * MCAPI's end-of-turn flush timer on the driven HAL, on XS (docs/PERFORMANCE.md "Round 20: the
 * receive path"): `Core.requestFlush` sets a zero-delay timer with an argument on every message
 * received, and `dropFlush` clears it when the answer carried the batch (a ping-pong's every
 * message). Clearing the last one waiting empties the HAL's arrays: on main they grew by an
 * entry a message until a zero-delay timer ran, and `clearTimer`'s search with them (+5 units a
 * message: 223, 228, 233, 238). Metered with the fixture's bundle.
 */
import test from 'ava';
import { XsWorker } from '../../host-sim/xsnap/worker.js';
import { bundleFixture, xsProbe } from '../xs/fixtures/slot-probe.js';

/** XS units of a zero-delay timer with an argument set then cleared (the fixture's bundle): 223 on main for the first, +5 a message after (the arrays grew); 253 now, every message. */
const SET_CLEAR_MAX = 255;

async function withWorker<T>(f: (w: XsWorker) => Promise<T>): Promise<T> {
  const w = new XsWorker({ name: 'mcapi-flush-timer', stdout: 'ignore' });
  try {
    await w.evaluate(await bundleFixture(new URL('./fixtures/xs-flush-timer-main.js', import.meta.url)));
    return await f(w);
  } finally {
    await w.kill();
  }
}

async function unitsOf(w: XsWorker, call: string): Promise<number[]> {
  const units: number[] = [];
  for (let i = 0; i < 4; i++) {
    const base = (await w.evaluate('nop()')).meter.compute;
    units.push((await w.evaluate(call)).meter.compute - base);
  }
  return units;
}

test(`on XS a flush timer set and cleared costs the same every turn, at most ${SET_CLEAR_MAX} units`, async (t) => {
  await withWorker(async (w) => {
    const units = await unitsOf(w, 'setClear()');
    t.log(`XS units per set + clear: ${units.join(', ')}`);
    t.is(await xsProbe(w).text('fired()'), '0 0 0', 'a cleared timer never runs');
    t.is(Math.max(...units), Math.min(...units), 'no growth from one message to the next');
    t.true(Math.max(...units) <= SET_CLEAR_MAX, `${Math.max(...units)} units`);
  });
});

test('on XS a flush timer run at the turn end gets its argument; a cleared one does not run', async (t) => {
  await withWorker(async (w) => {
    const units = await unitsOf(w, 'setRun()');
    t.is(Math.max(...units), Math.min(...units), 'no growth from one turn to the next');
    t.log(`XS units per set + run: ${units.join(', ')}`);
    const { text } = xsProbe(w);
    t.is(await text('fired()'), '4 0 0', 'each ran once, with the core it was given');
    t.is(await text('mixed()'), 'ok 5 10 0', 'the cleared one skipped, the others with their own argument or none');
  });
});
