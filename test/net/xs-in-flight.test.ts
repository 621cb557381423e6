/**
 * What a bulk frame in flight holds on its sender, counted in a real XS machine
 * (fixtures/xs-in-flight-main.ts): a checkpoint stream's ~2.1 KB CKPT_DATA frame on a Moddable
 * serial link is held by the hop link until acked and, as a COBS source, by the target's
 * transmit queue until drained (docs/FOOTPRINT.md "Round 21: the frames in flight").
 */
import test from 'ava';
import { XsWorker } from '../../host-sim/xsnap/worker.js';
import { bundleFixture, loadAndBase, xsProbe } from '../xs/fixtures/slot-probe.js';

/**
 * Bound, XS slots a frame holds while it is unacknowledged and its source undrained (the
 * second frame: the first also makes the end-to-end stream's state, once per destination).
 * Main d585e90: 26, the frame (a Uint8Array and its buffer: 7) and its CobsSource (19: eleven
 * properties and a Uint8Array copy of the frame's 28 bytes of hop fields, CRC and MAC). Round
 * 21: 14, the source 7: the copied bytes as a string (kept in the property's own slot), its six
 * numbers in one plain Array (`left` a getter on the class); the bound fails on main.
 */
const HELD_PER_FRAME_MAX = 15;

test(`a bulk frame in flight on a serial link holds at most ${HELD_PER_FRAME_MAX} XS slots`, async (t) => {
  const w = new XsWorker({ name: 'net-in-flight', stdout: 'ignore' });
  const probe = xsProbe(w);
  try {
    const base = await loadAndBase(w, probe, await bundleFixture(new URL('./fixtures/xs-in-flight-main.js', import.meta.url)));
    const first = (await probe.step('send')) - base;
    const second = (await probe.step('send')) - base;
    const units = (await w.evaluate('send()')).meter.compute;
    t.is(await probe.text('check()'), '3 3', 'three frames queued as sources and unacknowledged');
    t.log(`held: the first frame ${first} XS slots, the second ${second}; the third's send ${units} XS units`);
    t.true(second <= HELD_PER_FRAME_MAX, `${second} slots held a frame`);
  } finally {
    await w.kill();
  }
});
