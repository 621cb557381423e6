/**
 * End-to-end delivery (docs/PROTOCOL.md §8): frames lost with a link that went down arrive
 * once it is back, exactly once and in order; a destination that restarted or stays silent
 * turns what was held for it into a definite failure (NetHost.undeliverable), never a silent loss.
 */
import test, { type ExecutionContext } from 'ava';
import { Endpoint, McapiNode, Status } from '../../src/mcapi/index.js';
import { TestNetwork } from './harness.js';
import { isRange, receivedFrom, startSender } from './traffic.js';

test('a link that goes down with frames queued on it: every frame still arrives, once, in order', (t) => {
  const net = new TestNetwork({ seed: 5, net: { helloMs: 100 } });
  net.addNodes([1, 2, 3]);
  net.connect(1, 2, 'stream', { bytesPerMs: 92.16 });
  const cut = net.connect(2, 3, 'stream', { bytesPerMs: 92.16 });
  net.start();
  t.true(net.runUntil(() => net.converged(), 5_000));
  startSender(net, 1, 3, 200, { size: () => 200 });
  net.run(30);
  cut.up = false; // silent for longer than deadMs (400 ms): the link goes down, its queue is dropped
  net.run(1_500);
  t.true(net.net(2).stats().linkDropped > 0, 'frames were dropped with the link');
  cut.up = true;
  t.true(net.runUntil(() => receivedFrom(net, 3, 1).length >= 200, 30_000));
  net.run(2_000);
  t.true(isRange(receivedFrom(net, 3, 1), 200), 'all 200, in order, none twice');
  t.true(net.net(1).stats().e2eResent > 0, 'the source resent them');
  t.is(net.net(1).unacknowledged(), 0);
  t.is(net.net(1).stats().e2eAbandoned, 0);
});

test('a destination that restarts: what it never acknowledged is reported undeliverable; later frames flow', (t) => {
  const net = new TestNetwork({ seed: 6, net: { helloMs: 100 } });
  net.addNodes([1, 2]);
  net.connect(1, 2, 'stream', { bytesPerMs: 92.16 });
  net.start();
  t.true(net.runUntil(() => net.converged(), 5_000));
  const lost: [number, number][] = [];
  net.node(1).onUndeliverable = (node, frames) => lost.push([node, frames]);
  const send = (v: number): boolean => net.net(1).send({ type: 0x10, dst: 2, srcPort: 1, dstPort: 1, payload: Uint8Array.of(0, 0, 0, v) });
  for (let i = 0; i < 3; i++) t.true(send(i));
  t.true(net.runUntil(() => net.net(1).unacknowledged() === 0, 2_000), 'acknowledged end to end');
  for (let i = 3; i < 6; i++) t.true(send(i));
  net.kill(2); // before they arrive
  net.run(100);
  net.restart(2);
  t.true(net.runUntil(() => lost.length > 0, 10_000));
  t.deepEqual(lost, [[2, 3]], 'the three frames the old incarnation never acknowledged');
  t.is(net.net(1).stats().e2eResets, 1);
  t.is(net.node(2).received.length, 0, 'the new incarnation got none of them');
  t.true(send(9));
  t.true(net.runUntil(() => net.node(2).received.length === 1, 5_000), 'a new stream starts');
  t.is(net.node(2).received[0]!.payload[3], 9);
});

test('a destination that stays silent: held frames fail after e2eGiveUpMs', (t) => {
  const net = new TestNetwork({ seed: 7, net: { helloMs: 100, e2eGiveUpMs: 3_000 } });
  net.addNodes([1, 2]);
  net.connect(1, 2, 'stream', { bytesPerMs: 92.16 });
  net.start();
  t.true(net.runUntil(() => net.converged(), 5_000));
  const lost: [number, number][] = [];
  net.node(1).onUndeliverable = (node, frames) => lost.push([node, frames]);
  net.kill(2);
  for (let i = 0; i < 4; i++) t.true(net.net(1).send({ type: 0x10, dst: 2, srcPort: 1, dstPort: 1, payload: Uint8Array.of(i) }));
  net.run(2_000);
  t.deepEqual(lost, [], 'not before the limit');
  net.run(2_000);
  t.deepEqual(lost, [[2, 4]]);
  t.is(net.net(1).stats().e2eGivenUp, 1);
  t.is(net.net(1).unacknowledged(), 0, 'nothing held any more');
});

/** Two MCAPI nodes over one UART, node 1 wired to the network's undeliverable reports as a board is. */
function mcapiPair(t: ExecutionContext, seed: number): { net: TestNetwork; m1: McapiNode; m2: McapiNode } {
  const net = new TestNetwork({ seed, record: false, net: { helloMs: 100, e2eGiveUpMs: 3_000 } });
  net.addNodes([1, 2]);
  net.connect(1, 2, 'stream', { bytesPerMs: 92.16 });
  net.start();
  t.true(net.runUntil(() => net.converged(), 5_000));
  const m1 = new McapiNode(net.net(1), net.node(1).clock);
  const m2 = new McapiNode(net.net(2), net.node(2).clock);
  m1.initialize(1, 1);
  m2.initialize(1, 2);
  net.node(1).onUndeliverable = (node) => m1.peerUnreachable(node);
  return { net, m1, m2 };
}

test('an app without fault tolerance gets a status: a message send to a node that is gone ends with MCAPI_ERR_TRANSMISSION', (t) => {
  const { net, m1, m2 } = mcapiPair(t, 8);
  const from = m1.createEndpoint(5);
  m2.createEndpoint(6);
  net.kill(2);
  const req = m1.msgSendI(from, new Endpoint(1, 2, 6), Uint8Array.of(1, 2, 3));
  net.run(2_000);
  t.true(req.pending, 'still trying');
  net.run(3_000);
  t.is(req.status, Status.MCAPI_ERR_TRANSMISSION);
});

test('a packet channel to a node that is gone: the send waiting for a credit ends with MCAPI_ERR_TRANSMISSION, not never', (t) => {
  const { net, m1, m2 } = mcapiPair(t, 9);
  const tx = m1.createEndpoint(5);
  const rx = m2.createEndpoint(6);
  m1.pktConnectI(tx, new Endpoint(1, 2, 6));
  const txOpen = m1.pktSendOpenI(tx);
  const rxOpen = m2.pktRecvOpenI(rx);
  t.true(net.runUntil(() => !txOpen.pending && !rxOpen.pending, 5_000), 'the channel opens');
  t.is(txOpen.status, Status.MCAPI_SUCCESS);
  const h = txOpen.value;
  if (h === undefined) return t.fail('no send handle');
  net.kill(2);
  // Sends with a credit go out at once; the first one without waits for a credit that the dead
  // receiver will never return.
  let waiting = m1.pktSendI(h, Uint8Array.of(0));
  for (let i = 1; i < 64 && !waiting.pending; i++) waiting = m1.pktSendI(h, Uint8Array.of(i));
  t.true(waiting.pending, 'a send waits for a credit');
  net.run(2_000);
  t.true(waiting.pending, 'still waiting before the network gives the peer up');
  net.run(3_000);
  t.is(waiting.status, Status.MCAPI_ERR_TRANSMISSION);
});

test('an end-to-end ack owed after earlier ones rode on frames waits its full e2eAckDelayMs for a frame to ride on', (t) => {
  // The ack deadline is armed for the first ack owed and left armed when that ack rides on a
  // frame; without holdUntil it fired then and sent the ack of a frame taken 10 ms earlier
  // alone, though a frame going back was 20 ms away (docs/PERFORMANCE.md "Round 10").
  // Two hops (1 - 2 - 3): a one-hop stream is direct and owes no end-to-end ack at all.
  const net = new TestNetwork({ seed: 8, record: false, net: { helloMs: 1_000, e2eAckDelayMs: 50 } });
  net.addNodes([1, 2, 3]);
  net.line([1, 2, 3], 'datagram', { latencyMs: 1 });
  net.start();
  t.true(net.runUntil(() => net.converged(), 5_000));
  net.run(200); // the start-up's acks are out
  const send = (from: number, to: number): boolean => net.net(from).send({ type: 0x10, dst: to, srcPort: 1, dstPort: 1, payload: Uint8Array.of(from) });
  const acks = (): number => net.net(3).stats().e2eAcksOut;
  const before = acks();
  t.true(send(1, 3)); // taken by node 3 at ~2 ms: its ack is owed, the deadline armed for ~52 ms
  net.run(10);
  t.true(send(3, 1)); // the ack rides on this frame
  net.run(30);
  t.true(send(1, 3)); // taken at ~42 ms: owed until ~92 ms
  net.run(20); // ~60 ms: the deadline armed for the first frame has passed
  t.is(acks(), before, 'no ack went alone: the second is owed for 20 ms only');
  t.true(send(3, 1)); // it rides on this frame
  net.run(200);
  t.is(acks(), before, 'every ack rode on a frame');
  t.true(send(1, 3));
  net.run(200);
  t.is(acks(), before + 1, 'with nothing going back the ack goes alone after the delay');
  t.is(net.net(1).unacknowledged(), 0);
});
