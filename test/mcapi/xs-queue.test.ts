/**
 * The endpoint queue's take on XS (docs/PERFORMANCE.md "Round 19: the receive path"): a
 * receiver of a ping-pong takes each message as the only one queued, on the path of its answer.
 * `EndpointState.shift` empties the array then (no `shift` call for the data and another for
 * its priority); deeper queues take the pair with one splice. Metered with the fixture's bundle.
 */
import test from 'ava';
import { XsWorker } from '../../host-sim/xsnap/worker.js';
import { EndpointState } from '../../src/mcapi/state.js';
import { Endpoint } from '../../src/mcapi/handles.js';
import { bundleFixture, xsProbe } from '../xs/fixtures/slot-probe.js';

/** XS units of taking the only queued message (the fixture's bundle): 102 with two `shift` calls (main 0df1b0e), 72 now. */
const TAKE_MAX = 90;

test(`on XS the only queued message is taken in at most ${TAKE_MAX} units`, async (t) => {
  const w = new XsWorker({ name: 'mcapi-queue', stdout: 'ignore' });
  const { text } = xsProbe(w);
  try {
    await w.evaluate(await bundleFixture(new URL('./fixtures/xs-queue-main.js', import.meta.url)));
    const units: number[] = [];
    for (let i = 0; i < 4; i++) {
      await w.evaluate('put()');
      const base = (await w.evaluate('nop()')).meter.compute;
      units.push((await w.evaluate('take()')).meter.compute - base);
    }
    t.is(await text('left()'), '0', 'every message taken, the queue empty');
    t.log(`XS units per take: ${units.join(', ')}`);
    t.true(Math.min(...units) <= TAKE_MAX, `${Math.min(...units)} units`);
  } finally {
    await w.kill();
  }
});

test('a deeper queue gives its messages in priority order, then arrival order', (t) => {
  const st = new EndpointState(new Endpoint(1, 1, 40, 1), { maxPayload: 1024, priority: 0, recvBuffers: 8, timeoutMs: 0, failOnLimit: false, ackDelayMs: 0 });
  const m = (v: number): Uint8Array => new Uint8Array([v]);
  for (const [v, prio] of [[1, 1], [2, 0], [3, 1], [4, 0], [5, 2]] as const) {
    st.enqueue(m(v), prio);
    st.queued++;
    st.queuedBytes++;
  }
  const order: number[] = [];
  while (st.queued > 0) order.push(st.shift()[0]!);
  t.deepEqual(order, [2, 4, 1, 3, 5]);
  t.is(st.queue!.length, 0);
  t.is(st.queuedBytes, 0);
  t.throws(() => st.shift(), { message: /empty queue/ });
});
