/**
 * The receive of a frame from the neighbour on a direct stream (docs/PERFORMANCE.md "Round 18:
 * the receive path"): what a board does between the frame's bytes and the upper layer's
 * handler is on the critical path of every answer, so it is pinned here: the clock is read
 * once per frame (the hop link's ack deadline is armed with that reading), and on XS the
 * whole receive, input to handler with the ack deadline armed, stays under a metered bound.
 */
import test from 'ava';
import { XsWorker } from '../../host-sim/xsnap/worker.js';
import { bundleFixture, xsProbe } from '../xs/fixtures/slot-probe.js';
import { ping, pong, recvPair, take } from './fixtures/recv-pair.js';

test('a direct frame from the neighbour reads the clock once and arms the ack deadline with it', (t) => {
  const p = recvPair();
  for (let i = 0; i < 3; i++) {
    ping(p);
    const reads = p.c2.reads;
    const sets = p.c2.sets;
    const got = p.got[1];
    t.is(take(p), 1);
    t.is(p.got[1], got + 1, 'the handler took it');
    // Before round 18: 2 (the hop link's, and the deadline's own read to compute the timer's delay).
    t.is(p.c2.reads - reads, 1, 'one clock read for the frame');
    t.is(p.c2.sets - sets, 1, 'its ack deadline is one timer');
    pong(p);
  }
});

/**
 * XS units of node 2's receive of a 24-byte frame on a direct stream (the fixture's bundle, not
 * the firmware's: constants are not inlined): 2 104 before round 18 (main b152785), 1 991 after.
 */
const RECEIVE_MAX = 2_050;

test(`on XS a direct frame's receive, input to handler, costs at most ${RECEIVE_MAX} units`, async (t) => {
  const w = new XsWorker({ name: 'net-recv', stdout: 'ignore' });
  const { text } = xsProbe(w);
  try {
    await w.evaluate(await bundleFixture(new URL('./fixtures/xs-recv-main.js', import.meta.url)));
    await w.evaluate('setup()');
    const units: number[] = [];
    for (let i = 0; i < 4; i++) {
      await w.evaluate('ping()');
      const base = (await w.evaluate('nop()')).meter.compute;
      units.push((await w.evaluate('take()')).meter.compute - base);
      await w.evaluate('pong()');
    }
    t.is(await text('got()'), '5', 'every frame reached the handler');
    t.log(`XS units per receive: ${units.join(', ')}`);
    // The least of them: the test clock's own bookkeeping (a queue of cleared timers rebuilt)
    // lands in some receives, not the network layer's work.
    const least = Math.min(...units);
    t.true(least <= RECEIVE_MAX, `${least} units`);
  } finally {
    await w.kill();
  }
});
