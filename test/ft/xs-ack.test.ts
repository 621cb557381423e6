/**
 * What a checkpoint stream's CKPT_ACK makes on a board, counted in a real XS machine
 * (test/ft/fixtures/xs-ack-main.ts): a buddy sends one in the receive job of every frame of its
 * ward's delta, and the sender takes one in the job that pumps its next frame. Both jobs are
 * where Laplace's checkpoint rounds peak on lin boards (a collection tight inside frame 0's
 * CKPT_ACK send: docs/FOOTPRINT.md "Round 21: the ward's delta", "Round 22: the round peaks"):
 * what a step makes is live while the net builds a frame.
 */
import test from 'ava';
import { XsWorker } from '../../host-sim/xsnap/worker.js';
import { bundleFixture, loadAndBase, xsProbe } from '../xs/fixtures/slot-probe.js';

/**
 * Bounds, XS slots (each step's figure includes the ~4 slots of the evaluation itself). Main
 * 7099533: an ack sent makes 33 (its fields' record, its payload array, the net's send record,
 * then the frame the hop link holds, 7), an ack taken 37 (its decoded record, the search's
 * closure and environment, the pump's array iterator). Round 22: 13 and 5 (the ack written into
 * the frame the net makes, Net.sendBuilt; read in place, the stream found by a loop, the pump's
 * streams by index); both bounds fail on main.
 */
const SEND_MAX = 18;
const TAKE_MAX = 12;

test(`a CKPT_ACK sent makes at most ${SEND_MAX} XS slots, one taken ${TAKE_MAX}`, async (t) => {
  const w = new XsWorker({ name: 'ft-ack', stdout: 'ignore' });
  const probe = xsProbe(w);
  try {
    const base = await loadAndBase(w, probe, await bundleFixture(new URL('./fixtures/xs-ack-main.js', import.meta.url)));
    const made = async (step: string): Promise<number[]> => {
      const before = (await w.evaluate('gc();')).meter.currentHeapCount;
      // No collection in the step: what it leaves counted includes what it made and dropped.
      const r = await w.evaluate(`${step}()`);
      const held = await probe.live();
      return [r.meter.currentHeapCount - before - base, held - before - base];
    };
    const before = await probe.text('check()');
    const [taken, takenHeld] = await made('ack');
    const [sent, sentHeld] = await made('sendAck');
    const [frames, streams, unacked] = (await probe.text('check()')).split(' ').map(Number);
    t.is(before.split(' ')[0], String(frames), 'the ack freed no window room: no frame pumped');
    t.is(streams, 1);
    t.is(unacked, frames! + 1, 'the ack sent is held by the hop link with the stream frames');
    t.log(`an ack taken made ${taken} slots (held ${takenHeld}), an ack sent made ${sent} (held ${sentHeld})`);
    t.true(sent <= SEND_MAX, `an ack sent made ${sent} slots`);
    t.true(taken <= TAKE_MAX, `an ack taken made ${taken} slots`);
  } finally {
    await w.kill();
  }
});
