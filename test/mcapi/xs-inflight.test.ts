/**
 * The XS slots a message in flight holds on its sender, counted in a real XS machine (the
 * conformance scenario's worst board is the sender of 12 messages in flight, docs/FOOTPRINT.md
 * "Round 12: conformance slots"): MCAPI's one record per sent message, the network's one
 * copy of its frame, and the app's one-byte view it sends.
 */
import test from 'ava';
import { XsWorker } from '../../host-sim/xsnap/worker.js';
import { bundleFixture, xsProbe } from '../xs/fixtures/slot-probe.js';

const bundle = (): Promise<string> => bundleFixture(new URL('./fixtures/xs-inflight-main.js', import.meta.url));

/** Messages in flight, as in `msg: FIFO order within one priority`. */
const N = 12;
/**
 * Slots per message in flight, at most: the send's record (its request), the frame the network
 * holds for retransmission (a Uint8Array, 7) and the app's view (4). Before Round 12 it was ~39
 * (a Request 13, an OutMsg 12, a Map entry 3, the frame 7, the view 4); main d585e90 22.2. Round
 * 21: 20.2, the record without its `timer` (kept by the sender only for an endpoint with a
 * TIMEOUT) and `_cancel` (Core.abort asks the sender by the request's kind) fields; the bound
 * fails on main (docs/FOOTPRINT.md "Round 21: the round peaks").
 */
const PER_MESSAGE_MAX = 21;

test(`a message in flight holds at most ${PER_MESSAGE_MAX} XS slots on its sender`, async (t) => {
  const w = new XsWorker({ name: 'mcapi-inflight', stdout: 'ignore' });
  const { text, live } = xsProbe(w);
  try {
    await w.evaluate(await bundle());
    await w.evaluate('setup()');
    t.is(await text('globalThis.err ?? ""'), '');
    // Warm up: the first sends' lazily built state (queues, timers) is not per message.
    await w.evaluate('sendN(1)');
    const before = await live();
    await w.evaluate(`sendN(${N})`);
    const after = await live();
    t.is(await text('pendingCount()'), String(N + 1), 'every send is still in flight');
    const per = (after - before) / N;
    t.log(`${N} messages in flight: ${after - before} slots, ${per.toFixed(1)} per message`);
    t.true(per <= PER_MESSAGE_MAX, `${per.toFixed(1)} slots per message in flight`);
  } finally {
    await w.kill();
  }
});
