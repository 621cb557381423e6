/**
 * What a checkpoint stream's frames cost a board while they are in flight, counted in a real
 * XS machine (test/ft/fixtures/xs-pump-main.ts): FT's pump sends a stream's window of ~4 KB
 * CKPT_DATA frames into a NetLayer whose link loses them, so they stay in the hop link's ring as
 * until acked. Board 0's heap peaks in a checkpoint round came from a ward's frame received while
 * its own stream's frames were in flight (docs/FOOTPRINT.md "Round 19b", "Round 20: checkpoint data framed in place").
 */
import test from 'ava';
import { XsWorker } from '../../host-sim/xsnap/worker.js';
import { bundleFixture, loadAndBase, xsProbe } from '../xs/fixtures/slot-probe.js';

/**
 * Bounds, per frame sent (four frames of ~4.2 KB on a datagram link, no native memcpy). Main
 * 1c9a4c7: 64 XS slots made a frame (the send's record, the payload's view of FT's scratch, a
 * view per run, the net's slice of the payload and the two buffers it joined them with), 19.8
 * held (the frame and its buffer in the hop link's ring; the stream's sender and record). Round
 * 20: 53.5 made, the payload written into the frame the net makes and holds (Net.sendBuilt); the
 * made bound fails on main. Held is unchanged: the frame in flight is the one copy either way.
 */
const MADE_PER_FRAME_MAX = 58;
const HELD_PER_FRAME_MAX = 20;

test(`a checkpoint stream's frame makes at most ${MADE_PER_FRAME_MAX} XS slots in the pump and holds ${HELD_PER_FRAME_MAX} in flight`, async (t) => {
  const w = new XsWorker({ name: 'ft-pump', stdout: 'ignore' });
  const probe = xsProbe(w);
  try {
    const base = await loadAndBase(w, probe, await bundleFixture(new URL('./fixtures/xs-pump-main.js', import.meta.url)));
    const before = (await w.evaluate('gc();')).meter.currentHeapCount;
    // No collection in the step: what it leaves counted includes what it made and dropped.
    const pumped = await w.evaluate('pump()');
    const made = pumped.meter.currentHeapCount - before - base;
    const held = (await probe.live()) - before - base;
    const [frames, streams] = (await probe.text('check()')).split(' ').map(Number);
    t.is(streams, 1);
    t.is(frames, 4, 'the window of four frames went out');
    const f = frames!;
    t.log(`${f} frames: ${made} slots made (${(made / f).toFixed(1)} a frame), ${held} held (${(held / f).toFixed(1)} a frame), ${pumped.meter.compute} units`);
    t.true(made / f <= MADE_PER_FRAME_MAX, `${made / f} slots made a frame`);
    t.true(held / f <= HELD_PER_FRAME_MAX, `${held / f} slots held a frame`);
  } finally {
    await w.kill();
  }
});
