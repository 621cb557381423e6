/**
 * The XS slots an endpoint and a waiting request hold, counted in a real XS machine: the
 * conformance cases `endpoint: the endpoint table is bounded (ENDP_LIMIT)` (15 endpoints made in
 * one synchronous loop) and `request: the request table is bounded (REQUEST_LIMIT)` (31 waiting
 * receives) are where board 0 grew its slot heap (docs/FOOTPRINT.md "Round 13: conformance
 * slots", "Round 13b: endpoint and request slots").
 */
import test from 'ava';
import { XsWorker } from '../../host-sim/xsnap/worker.js';
import { bundleFixture, xsProbe } from '../xs/fixtures/slot-probe.js';

const bundle = (): Promise<string> => bundleFixture(new URL('./fixtures/xs-tables-main.js', import.meta.url));

const ENDPOINTS = 12;
const REQUESTS = 24;
/**
 * Slots per endpoint, at most (the handle the app keeps included). Before Round 13b: 31 (its
 * state 19, the queue and waiter arrays 4, the handle 5, the core's Map entry 3); after it 15 (its
 * state 7: port, handle, attrs, queued, queuedBytes, scope).
 */
const PER_ENDPOINT_MAX = 16;
/** Slots per waiting msgRecvI, at most (6: 5 own properties; the half for what the lists around it grow by). Before Round 13b: 10 (9 own properties). */
const PER_REQUEST_MAX = 6.5;

test(`an endpoint holds at most ${PER_ENDPOINT_MAX} XS slots and a waiting receive at most ${PER_REQUEST_MAX}`, async (t) => {
  const w = new XsWorker({ name: 'mcapi-tables', stdout: 'ignore' });
  const { text, live } = xsProbe(w);
  try {
    await w.evaluate(await bundle());
    await w.evaluate('setup()');
    // Warm up: what the first endpoint or receive builds once is not per item.
    await w.evaluate('makeEndpoints(1); recvN(1)');
    const e0 = await live();
    await w.evaluate(`makeEndpoints(${ENDPOINTS})`);
    const e1 = await live();
    await w.evaluate(`recvN(${REQUESTS})`);
    const r1 = await live();
    t.is(await text('counts()'), `${ENDPOINTS + 1} ${REQUESTS + 1}`);
    const perEndpoint = (e1 - e0) / ENDPOINTS;
    const perRequest = (r1 - e1) / REQUESTS;
    t.log(`${ENDPOINTS} endpoints: ${e1 - e0} slots, ${perEndpoint.toFixed(1)} each; ${REQUESTS} waiting receives: ${r1 - e1} slots, ${perRequest.toFixed(1)} each`);
    t.true(perEndpoint <= PER_ENDPOINT_MAX, `${perEndpoint.toFixed(1)} slots per endpoint`);
    t.true(perRequest <= PER_REQUEST_MAX, `${perRequest.toFixed(1)} slots per waiting receive`);
  } finally {
    await w.kill();
  }
});
