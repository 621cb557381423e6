/**
 * A blocking connect that times out leaves both endpoints reusable (src/mcapi/connect.ts): the
 * handshake goes on without the connector, and what it commits after the timeout is closed again,
 * so the receive side's buffer reservation is released. Before, both sides stayed connected with
 * nobody holding a handle to close them, and every later connect to that node failed with
 * MCAPI_ERR_MEM_LIMIT (the conformance suite's cascade on starved lin boards).
 */
import test from 'ava';
import { EndpointAttr, EndpointStatus, McapiError, McapiFrame, Status } from '../../src/mcapi/index.js';
import type { McapiNode } from '../../src/mcapi/index.js';
import { makeNodes } from './loopnet.js';
import type { LoopHub } from './loopnet.js';

/** Rank 1 (node 2) connects its send endpoint 21 to node 1's receive endpoint 20. */
async function setup(): Promise<{ hub: LoopHub; a: McapiNode; b: McapiNode }> {
  const { hub, nodes: [a, b] } = makeNodes(2);
  a!.createEndpoint(20);
  b!.createEndpoint(21);
  return { hub, a: a!, b: b! };
}

async function timesOut(t: import('ava').ExecutionContext, p: Promise<unknown>): Promise<void> {
  const e = await t.throwsAsync(p);
  t.true(e instanceof McapiError && e.status === Status.MCAPI_TIMEOUT, `the connect timed out (got ${String(e)})`);
}

/** After a connect timed out: both endpoints plain, a new connect and a packet go through, both delete. */
async function reusable(t: import('ava').ExecutionContext, hub: LoopHub, a: McapiNode, b: McapiNode): Promise<void> {
  await hub.advance(500);
  const r = await hub.run(b.getEndpoint(1, 1, 20, 100));
  const s = await hub.run(b.getEndpoint(1, 2, 21, 100));
  t.is(a.getEndpointAttribute(r, EndpointAttr.STATUS), 0, 'the receive endpoint is not left connected');
  t.is(b.getEndpointAttribute(s, EndpointAttr.STATUS), 0, 'the send endpoint is not left connected');
  hub.extraLatency = null;
  await hub.run(b.pktConnect(s, r, 100));
  const [hs, hr] = await hub.run(Promise.all([b.pktSendOpen(s, 100), a.pktRecvOpen(r, 100)]));
  await hub.run(b.pktSend(hs, new Uint8Array([7, 8])));
  const got = await hub.run(a.pktRecv(hr));
  t.deepEqual([...got], [7, 8]);
  a.pktRelease(got);
  b.pktSendClose(hs);
  a.pktRecvClose(hr);
  await hub.advance(10);
  a.deleteEndpoint(r);
  b.deleteEndpoint(s);
  t.is(a.stats().endpoints + b.stats().endpoints, 0);
}

/** Node 2 connects 21 -> 20 with a 10 ms timeout while frames of `late` take 50 ms more; then checks reuse. */
async function lateFrameConnect(t: import('ava').ExecutionContext, late: number): Promise<void> {
  const { hub, a, b } = await setup();
  const r = await hub.run(b.getEndpoint(1, 1, 20, 100));
  const s = await hub.run(b.getEndpoint(1, 2, 21, 100));
  hub.extraLatency = (f) => (f.type === late ? 50 : 0);
  await timesOut(t, hub.run(b.pktConnect(s, r, 10)));
  await reusable(t, hub, a, b);
}

test('a connect that times out after the receive side committed is closed again on both sides', async (t) => {
  // The receive side's answer takes 50 ms: it commits (reserving its buffers) long before the
  // connector gives up at 10 ms, and the send side hears of it after.
  await lateFrameConnect(t, McapiFrame.CONNECT_REPLY);
});

test('a connect that times out before the receive side heard of it is refused there', async (t) => {
  await lateFrameConnect(t, McapiFrame.CONNECT_RECV);
});

test('a connect that times out before its CONNECT reached its own node does nothing', async (t) => {
  const { hub, a, b } = await setup();
  const r = await hub.run(b.getEndpoint(1, 1, 20, 100));
  const s = await hub.run(b.getEndpoint(1, 2, 21, 100));
  // 0 ms: the wait gives up at once, before the node's own loop delivers the CONNECT.
  await timesOut(t, b.pktConnect(s, r, 0));
  await reusable(t, hub, a, b);
});

test('the receive side of a timed-out connect takes a later connect within its buffer budget', async (t) => {
  // Two channels of default buffers do not fit maxChannelBufferBytes together: a reservation
  // left behind by the timed-out connect made the next one fail with MCAPI_ERR_MEM_LIMIT.
  const { hub, a, b } = await setup();
  a.createEndpoint(30);
  b.createEndpoint(31);
  const r = await hub.run(b.getEndpoint(1, 1, 20, 100));
  const s = await hub.run(b.getEndpoint(1, 2, 21, 100));
  hub.extraLatency = (f) => (f.type === McapiFrame.CONNECT_REPLY ? 50 : 0);
  await timesOut(t, hub.run(b.pktConnect(s, r, 10)));
  await hub.advance(500);
  hub.extraLatency = null;
  const r30 = await hub.run(b.getEndpoint(1, 1, 30, 100));
  const s31 = await hub.run(b.getEndpoint(1, 2, 31, 100));
  await hub.run(b.pktConnect(s31, r30, 100));
  t.is(a.getEndpointAttribute(r30, EndpointAttr.STATUS) & EndpointStatus.CONNECTED, EndpointStatus.CONNECTED, 'the later connect went through');
});
