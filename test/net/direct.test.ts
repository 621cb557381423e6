/**
 * One sequence space on a one-hop route (src/net/e2e.ts, docs/PROTOCOL.md §8 "Direct streams"):
 * a stream whose route is the one link to its destination is acknowledged by that link alone;
 * when the link goes down, its peer restarts or the route moves, the frames the link still
 * holds go back to end-to-end go-back-N with their numbers. Every test checks that nothing is
 * lost or duplicated: each frame arrives once, in order, or the sender is told it never will.
 */
import test from 'ava';
import fc from 'fast-check';
import type { SimLink, Wire } from './harness.js';
import { TestNetwork } from './harness.js';
import { isRange, receivedFrom, startSender } from './traffic.js';

const RING = [1, 2, 3, 4];

function ring(seed: number): { net: TestNetwork; direct: Wire } {
  const net = new TestNetwork({ seed, net: { helloMs: 100 } });
  net.addNodes(RING);
  net.ring(RING, 'stream', { latencyMs: 2, bytesPerMs: 50 });
  net.start();
  const direct = net.wiresBetween(1, 2)[0]!;
  return { net, direct };
}

/** Node `id`'s end of `w`. */
function endOf(w: Wire, id: number): SimLink {
  return w.a.owner.id === id ? w.a : w.b;
}

test('a direct stream is acknowledged by the hop link alone: no end-to-end ack, nothing held by e2e', (t) => {
  const { net } = ring(41);
  t.true(net.runUntil(() => net.converged(), 5_000));
  t.deepEqual(net.net(1).nextHop(2)?.node, 2);
  const acksBefore = net.net(2).stats().e2eAcksOut;
  startSender(net, 1, 2, 40);
  t.true(net.runUntil(() => receivedFrom(net, 2, 1).length === 40 && net.net(1).unacknowledged() === 0, 5_000));
  net.run(1_000);
  t.true(isRange(receivedFrom(net, 2, 1), 40));
  t.is(net.net(2).stats().e2eAcksOut, acksBefore, 'node 2 owed node 1 no end-to-end ack');
  t.is(net.net(1).stats().e2eResent, 0);
  // Two hops away (1 - 2 - 3 or 1 - 4 - 3) the stream is acknowledged end to end as before.
  startSender(net, 1, 3, 10);
  t.true(net.runUntil(() => receivedFrom(net, 3, 1).length === 10 && net.net(1).unacknowledged() === 0, 5_000));
  t.true(net.net(3).stats().e2eAcksOut > 0, 'node 3 acknowledged end to end');
});

test('a link dropped between the hop ack and the next frame: the next frames arrive exactly once over the ring', (t) => {
  const { net, direct } = ring(42);
  t.true(net.runUntil(() => net.converged(), 5_000));
  startSender(net, 1, 2, 20, { port: 1 });
  // Every frame taken and acknowledged by the link (nothing unacknowledged, nothing held by e2e).
  t.true(net.runUntil(() => receivedFrom(net, 2, 1, 1).length === 20 && net.net(1).unacknowledged() === 0, 5_000));
  direct.up = false; // silent from now on; the link is declared down only after deadMs
  const next = startSender(net, 1, 2, 30, { port: 2 });
  net.run(5);
  t.true(next.sent > 0, 'the next frames went on the direct link, which is dead');
  t.true(net.net(1).unacknowledged() > 0, 'and are counted unacknowledged while the link holds them');
  t.true(net.runUntil(() => receivedFrom(net, 2, 1, 2).length === 30, 30_000), 'they arrive over the ring');
  net.run(2_000);
  t.true(isRange(receivedFrom(net, 2, 1, 1), 20), 'the first 20 once, in order');
  t.true(isRange(receivedFrom(net, 2, 1, 2), 30), 'the next 30 once, in order');
  t.true(net.net(1).stats().linkDropped > 0, 'the link dropped frames when it went down');
  t.true(net.net(1).stats().e2eResent > 0, 'e2e resent what the link had held');
  t.true(net.net(4).stats().forwarded > 0 && net.net(3).stats().forwarded > 0, 'round the other way');
  t.is(net.net(1).stats().e2eAbandoned, 0);
  t.is(net.net(1).unacknowledged(), 0);
});

test('a frame held on a direct stream whose link goes down arrives exactly once over the new route', (t) => {
  const { net, direct } = ring(43);
  t.true(net.runUntil(() => net.converged(), 5_000));
  direct.up = false; // the frame leaves on the link and is never delivered
  t.true(net.net(1).send({ type: 0x70, dst: 2, srcPort: 1, dstPort: 1, payload: Uint8Array.of(0, 0, 0, 0, 7) }));
  t.is(net.net(1).unacknowledged(), 1, 'held, by the hop link only');
  t.true(net.runUntil(() => net.node(2).received.length > 0, 10_000));
  net.run(2_000);
  t.is(receivedFrom(net, 2, 1).length, 1, 'arrived once');
  t.is(net.node(2).received[0]!.payload[4], 7);
  t.is(net.net(1).nextHop(2)?.node, 4, 'over the ring');
  t.is(net.net(1).unacknowledged(), 0, 'and acknowledged end to end');
});

test('a frame taken on a direct stream whose hop ack is lost with the link: resent over the ring, dropped as a duplicate, taken once', (t) => {
  const { net, direct } = ring(44);
  t.true(net.runUntil(() => net.converged(), 5_000));
  // Node 1 hears nothing more on the direct link (no hop ack, no HELLO), node 2 hears it all.
  const mine = endOf(direct, 1);
  const receiver = mine.receiver;
  mine.receiver = null;
  t.true(net.net(1).send({ type: 0x70, dst: 2, srcPort: 1, dstPort: 1, payload: Uint8Array.of(0, 0, 0, 0, 9) }));
  t.true(net.runUntil(() => net.node(2).received.length === 1, 1_000), 'node 2 took it over the direct link');
  t.true(net.runUntil(() => net.net(1).unacknowledged() === 0, 30_000), 'acknowledged end to end in the end');
  net.run(2_000);
  t.is(receivedFrom(net, 2, 1).length, 1, 'taken once');
  t.true(net.net(1).stats().e2eResent > 0, 'node 1 resent it over the ring');
  t.true(net.net(2).stats().e2eDuplicates > 0, 'node 2 dropped the resent copy');
  // The link heals: the stream goes direct again, acknowledged by the link alone.
  mine.receiver = receiver;
  t.true(net.runUntil(() => net.net(1).nextHop(2)?.node === 2 && net.net(2).nextHop(1)?.node === 1, 10_000));
  net.run(1_000);
  const acks = net.net(2).stats().e2eAcksOut;
  startSender(net, 1, 2, 10, { port: 2 });
  t.true(net.runUntil(() => receivedFrom(net, 2, 1, 2).length === 10 && net.net(1).unacknowledged() === 0, 5_000));
  net.run(1_000);
  t.true(isRange(receivedFrom(net, 2, 1, 2), 10));
  t.is(net.net(2).stats().e2eAcksOut, acks, 'direct again: no end-to-end ack');
});

test('reroute over a ring with frames in flight, and back: every frame once, in order', (t) => {
  const { net, direct } = ring(45);
  t.true(net.runUntil(() => net.converged(), 5_000));
  const sender = startSender(net, 1, 2, 400, { size: () => 200, retryMs: 5 });
  t.true(net.runUntil(() => receivedFrom(net, 2, 1).length >= 60, 10_000));
  t.true(net.net(1).unacknowledged() > 0, 'frames in flight on the direct link');
  direct.up = false;
  t.true(net.runUntil(() => receivedFrom(net, 2, 1).length >= 200, 60_000), 'rerouted');
  t.is(net.net(1).nextHop(2)?.node, 4);
  direct.up = true; // back while frames are in flight the long way: they must not be overtaken
  t.true(net.runUntil(() => sender.sent === 400 && receivedFrom(net, 2, 1).length >= 400, 60_000));
  net.run(3_000);
  t.true(isRange(receivedFrom(net, 2, 1), 400), 'all 400 once, in order');
  t.is(net.net(1).nextHop(2)?.node, 2, 'the direct link again');
  t.true(net.net(1).stats().e2eResent > 0);
  t.true(net.net(3).stats().forwarded > 0);
  t.is(net.net(1).stats().e2eAbandoned, 0);
  t.is(net.net(1).unacknowledged(), 0);
  const acks = net.net(2).stats().e2eAcksOut;
  startSender(net, 1, 2, 10, { port: 2 });
  t.true(net.runUntil(() => receivedFrom(net, 2, 1, 2).length === 10 && net.net(1).unacknowledged() === 0, 5_000));
  net.run(1_000);
  t.is(net.net(2).stats().e2eAcksOut, acks, 'direct again: no end-to-end ack');
});

test('a peer reboot mid-stream: the old incarnation took a prefix, the rest is reported or taken by the new one, once, in order', (t) => {
  const net = new TestNetwork({ seed: 46, net: { helloMs: 100 } });
  net.addNodes([1, 2]);
  net.connect(1, 2, 'stream', { latencyMs: 2, bytesPerMs: 50 });
  net.start();
  t.true(net.runUntil(() => net.converged(), 5_000));
  let reported = 0;
  net.node(1).onUndeliverable = (node, frames) => {
    t.is(node, 2);
    reported += frames;
  };
  const sender = startSender(net, 1, 2, 300, { size: () => 100, retryMs: 5 });
  t.true(net.runUntil(() => receivedFrom(net, 2, 1).length >= 80, 10_000));
  net.run(3); // frames in flight
  t.true(net.net(1).unacknowledged() > 0);
  const old = receivedFrom(net, 2, 1);
  net.kill(2);
  net.run(50);
  net.restart(2);
  t.true(net.runUntil(() => sender.sent === 300 && receivedFrom(net, 2, 1).includes(299), 60_000));
  net.run(3_000);
  const renewed = receivedFrom(net, 2, 1);
  t.true(isRange(old, old.length), 'the old incarnation took 0 .. a-1 once, in order');
  t.true(renewed.length > 0);
  const first = renewed[0]!;
  t.true(renewed.every((x, i) => x === first + i), 'the new one took first .. 299 once, in order');
  t.true(reported > 0, 'what the old incarnation did not acknowledge was reported');
  t.true(first - reported >= 0 && first - reported <= old.length, `nothing silently lost: reported ${first - reported} .. ${first - 1}, old took 0 .. ${old.length - 1}`);
  t.is(net.net(1).stats().e2eResets, 1);
  t.is(net.net(1).unacknowledged(), 0);
});

test('a peer reboot after every frame was acknowledged by the link: the next frames are reported or taken, never lost silently', (t) => {
  // The link resets with nothing to take back; a direct frame at seq 5 would be acknowledged by
  // the new incarnation's link and refused by its e2e (a stream it does not know): lost, unreported.
  const net = new TestNetwork({ seed: 47, net: { helloMs: 100 } });
  net.addNodes([1, 2]);
  net.connect(1, 2, 'datagram', { latencyMs: 1 });
  net.start();
  t.true(net.runUntil(() => net.converged(), 5_000));
  let reported = 0;
  net.node(1).onUndeliverable = (_node, frames) => void (reported += frames);
  startSender(net, 1, 2, 5, { port: 1 });
  t.true(net.runUntil(() => receivedFrom(net, 2, 1).length === 5 && net.net(1).unacknowledged() === 0, 5_000));
  net.kill(2);
  net.run(20);
  net.restart(2);
  // Node 1's link heard the new incarnation's session (a reset, nothing in it) and is up again.
  t.true(net.runUntil(() => net.net(1).linkStats()[0]!.downs >= 1 && net.net(1).linkStats()[0]!.up && net.net(1).nextHop(2) !== null, 10_000), 'the link is up again');
  t.is(net.net(1).stats().linkDropped, 0, 'nothing was in it');
  const next = startSender(net, 1, 2, 8, { port: 2, retryMs: 5 });
  t.true(net.runUntil(() => next.sent === 8 && net.net(1).unacknowledged() === 0, 30_000));
  net.run(2_000);
  const got = receivedFrom(net, 2, 1, 2);
  t.true(got.every((x, i) => i === 0 || x === got[i - 1]! + 1), 'in order, once');
  t.is(got.length + reported, 8, `every frame taken (${got.length}) or reported (${reported})`);
  t.true(reported > 0, 'the first went to a stream the new incarnation did not know: reported');
});

test('fast-check: cuts, heals and deaf ends of the direct link on a ring, with traffic to a neighbour and two hops away: every frame once, in order', (t) => {
  const action = fc.oneof(
    fc.record({ kind: fc.constant('run' as const), ms: fc.integer({ min: 1, max: 400 }) }),
    fc.record({ kind: fc.constant('cut' as const), ms: fc.integer({ min: 0, max: 30 }) }),
    fc.record({ kind: fc.constant('heal' as const), ms: fc.integer({ min: 0, max: 30 }) }),
    fc.record({ kind: fc.constant('deaf' as const), ms: fc.integer({ min: 0, max: 30 }) }),
  );
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.array(action, { minLength: 1, maxLength: 12 }), (seed, actions) => {
      const { net, direct } = ring(seed);
      if (!net.runUntil(() => net.converged(), 5_000)) return false;
      const mine = endOf(direct, 1);
      const receiver = mine.receiver;
      const toTwo = startSender(net, 1, 2, 120, { size: (i) => 20 + (i % 150), retryMs: 3, port: 1 });
      const toThree = startSender(net, 1, 3, 60, { retryMs: 3, port: 2 });
      const back = startSender(net, 2, 1, 60, { retryMs: 3, port: 3 });
      for (const a of actions) {
        if (a.kind === 'cut') direct.up = false;
        else if (a.kind === 'heal') {
          direct.up = true;
          mine.receiver = receiver;
        } else if (a.kind === 'deaf') mine.receiver = null;
        net.run(a.ms);
      }
      direct.up = true;
      mine.receiver = receiver;
      const done = (): boolean => toTwo.sent === 120 && toThree.sent === 60 && back.sent === 60 &&
        receivedFrom(net, 2, 1, 1).length >= 120 && receivedFrom(net, 3, 1, 2).length >= 60 && receivedFrom(net, 1, 2, 3).length >= 60;
      if (!net.runUntil(done, 120_000)) return false;
      net.run(3_000);
      return isRange(receivedFrom(net, 2, 1, 1), 120) && isRange(receivedFrom(net, 3, 1, 2), 60) && isRange(receivedFrom(net, 1, 2, 3), 60) &&
        net.net(1).stats().e2eAbandoned === 0 && net.net(2).stats().e2eAbandoned === 0 && net.net(1).unacknowledged() === 0;
    }),
    { seed: 1212, numRuns: 25 },
  );
  t.pass();
});
