import test from 'ava';
import { TestNetwork } from './harness.js';
import type { WireModel } from './harness.js';
import { isRange, numberOf, receivedFrom, startSender, strictlyIncreasing } from './traffic.js';

const FIVE = [1, 2, 3, 4, 5];

test('line of 5: everyone converges and a frame 4 hops away is forwarded by every node between', (t) => {
  const net = new TestNetwork({ seed: 21 });
  net.addNodes(FIVE);
  net.line(FIVE, 'stream', { latencyMs: 2 });
  net.start();
  t.true(net.runUntil(() => net.converged(), 5_000));
  t.deepEqual(net.net(3).nodes(), FIVE);
  t.true(net.net(1).converged(5));
  t.true(net.net(1).converged([2, 5]));
  t.false(net.net(1).converged([6]));
  startSender(net, 1, 5, 50);
  startSender(net, 5, 2, 30);
  t.true(net.runUntil(() => net.node(5).received.length === 50 && net.node(2).received.length === 30, 10_000));
  t.true(isRange(receivedFrom(net, 5, 1), 50));
  t.true(isRange(receivedFrom(net, 2, 5), 30));
  for (const mid of [2, 3, 4]) t.true(net.net(mid).stats().forwarded >= 50, `node ${mid} forwarded`);
  const f = net.node(5).received[0];
  t.is(f.src, 1);
  t.is(f.dst, 5);
  t.is(f.srcPort, 1);
  t.is(f.dstPort, 1);
});

test('ring of 5 over datagrams: shortest paths, two hops away', (t) => {
  const net = new TestNetwork({ seed: 22 });
  net.addNodes(FIVE);
  net.ring(FIVE, 'datagram', { latencyMs: 1, jitterMs: 2 });
  net.start();
  t.true(net.runUntil(() => net.converged(), 5_000));
  t.deepEqual(net.net(1).nextHop(3), { node: 2, link: 0 });
  t.deepEqual(net.net(1).nextHop(4), { node: 5, link: 1 });
  t.is(net.net(1).nextHop(1), null);
  startSender(net, 1, 3, 40); // 1-2-3 (2 hops) beats 1-5-4-3
  startSender(net, 1, 4, 40); // 1-5-4 beats 1-2-3-4
  t.true(net.runUntil(() => net.node(3).received.length === 40 && net.node(4).received.length === 40, 10_000));
  t.true(isRange(receivedFrom(net, 3, 1), 40));
  t.true(isRange(receivedFrom(net, 4, 1), 40));
  t.true(net.net(2).stats().forwarded >= 40);
  t.true(net.net(5).stats().forwarded >= 40);
  t.is(net.net(3).stats().forwarded, 0);
  t.is(net.net(4).stats().forwarded, 0);
});

test('tie-break: of two equal paths the lowest neighbour id wins, then the lowest link index', (t) => {
  const net = new TestNetwork({ seed: 23 });
  net.addNodes([1, 2, 3, 4]);
  net.ring([1, 4, 3, 2], 'stream'); // links of 1: index 0 -> 4, index 1 -> 2
  net.connect(1, 2, 'stream'); // a second, parallel link 1-2 (index 2 on node 1)
  net.start();
  t.true(net.runUntil(() => net.converged(), 5_000));
  net.run(500);
  startSender(net, 1, 3, 20); // via 2 (id 2 < 4), on link index 1 (< 2)
  t.true(net.runUntil(() => net.node(3).received.length === 20, 5_000));
  t.true(net.net(2).stats().forwarded >= 20);
  t.is(net.net(4).stats().forwarded, 0);
  const before = net.net(1).linkStats();
  t.is(before[1].peer, 2);
  t.is(before[2].peer, 2);
  // The lowest-index link to 2 carried the data; the parallel one only control frames.
  t.true(before[1].bytesOut > before[2].bytesOut + 20 * 20);
  // Take the first 1-2 link away: traffic moves to the parallel one, routes unchanged.
  net.wiresBetween(1, 2)[0].up = false;
  t.true(net.runUntil(() => !net.net(1).linkStats()[1].up, 5_000));
  const mid = net.net(1).linkStats()[2].bytesOut;
  startSender(net, 1, 3, 20, { port: 2 });
  t.true(net.runUntil(() => receivedFrom(net, 3, 1, 2).length === 20, 5_000));
  t.true(net.net(1).linkStats()[2].bytesOut > mid + 20 * 20);
  t.is(net.net(4).stats().forwarded, 0);
});

test('ring of 5: a node dies, traffic reroutes the long way round, in order and without duplicates', (t) => {
  const net = new TestNetwork({ seed: 24 });
  net.addNodes(FIVE);
  net.ring(FIVE, 'stream', { latencyMs: 2, bytesPerMs: 50 });
  net.start();
  t.true(net.runUntil(() => net.converged(), 5_000));
  const sender = startSender(net, 1, 3, 600, { retryMs: 5 });
  t.true(net.runUntil(() => net.node(3).received.length >= 100, 10_000));
  t.true(net.net(2).stats().forwarded > 0);
  net.kill(2);
  t.true(net.runUntil(() => net.converged(), 10_000), 'routing noticed');
  t.deepEqual(net.net(1).nodes(), [1, 3, 4, 5]);
  t.false(net.net(1).reachable(2));
  t.true(net.runUntil(() => sender.sent === 600, 60_000), 'the sender got through');
  const last = (): number => {
    const got = receivedFrom(net, 3, 1);
    return got.length === 0 ? -1 : got[got.length - 1];
  };
  t.true(net.runUntil(() => last() === 599, 30_000), 'the last frame arrived');
  const got = receivedFrom(net, 3, 1);
  t.true(strictlyIncreasing(got), 'in order, no duplicates');
  // Lost: what node 1 had queued towards 2 (counted), what sat in node 2 (window, transit
  // queue, held frames), and any forwarder overflow (counted).
  const o = net.net(1).options;
  const overflow = [3, 4, 5].reduce((a, n) => a + net.net(n).stats().unroutable, 0);
  const bound = net.net(1).stats().linkDropped + (2 * o.window + 2 * o.maxQueue) + overflow;
  t.true(600 - got.length <= bound, `lost ${600 - got.length}, bound ${bound}`);
  t.true(net.net(1).stats().linkDropped <= o.window + o.maxQueue);
  t.true(net.net(5).stats().forwarded > 0 && net.net(4).stats().forwarded > 0, 'went round the other way');
  const l = net.net(1).linkStats().find((s) => s.peer === 2);
  t.truthy(l);
  t.false(l?.up);
  t.true((l?.downs ?? 0) >= 1);
});

test('a restarted node rejoins: sessions reset, its LSA numbering continues above the old one', (t) => {
  const net = new TestNetwork({ seed: 25, net: { deadMs: 60_000, lsaRefreshMs: 500 } });
  net.addNodes(FIVE);
  net.ring(FIVE, 'stream', { latencyMs: 1 });
  net.start();
  t.true(net.runUntil(() => net.converged(), 5_000));
  net.run(2_200); // a few refreshes: the old incarnation's numbers are well above a fresh start's
  const seqOf = (at: number, node: number): number => net.net(at).linkState().find((e) => e.node === node)?.seq ?? -1;
  const oldSeq = seqOf(1, 3);
  t.true(oldSeq >= 6);
  net.kill(3);
  net.run(100); // faster than deadMs: the neighbours have not noticed
  net.restart(3);
  t.true(net.runUntil(() => net.converged(), 5_000));
  net.run(500);
  t.deepEqual(net.net(3).nodes(), FIVE);
  t.true(seqOf(3, 3) > oldSeq, 'the new incarnation numbers above the old advertisements');
  t.is(seqOf(1, 3), seqOf(3, 3), 'and the others took its latest');
  t.deepEqual(net.net(1).linkState().find((e) => e.node === 3)?.neighbours, [2, 4]);
  startSender(net, 3, 1, 20);
  startSender(net, 1, 3, 20);
  t.true(net.runUntil(() => net.node(1).received.length === 20 && net.node(3).received.length === 20, 5_000));
  t.true(isRange(receivedFrom(net, 1, 3), 20));
  t.true(isRange(receivedFrom(net, 3, 1), 20));
  // Its neighbours saw the new session: the link reset (down) and came back (up).
  const l2 = net.net(2).linkStats().find((s) => s.peer === 3);
  t.true((l2?.downs ?? 0) >= 1 && (l2?.ups ?? 0) >= 2);
});

test('broadcast reaches every other node exactly once, in order, without loops (ring with a chord)', (t) => {
  const net = new TestNetwork({ seed: 26 });
  net.addNodes([1, 2, 3, 4, 5, 6]);
  const m: WireModel = { latencyMs: 1, loss: 0.05 };
  net.ring([1, 2, 3, 4, 5, 6], 'stream', m);
  net.connect(2, 5, 'datagram', { ...m, jitterMs: 3 });
  net.start();
  t.true(net.runUntil(() => net.converged() && net.allLinksUp(), 5_000));
  startSender(net, 1, 255, 30, { type: 0x50 });
  startSender(net, 4, 255, 30, { type: 0x51 });
  const all = (): boolean =>
    [1, 2, 3, 4, 5, 6].every((n) => net.node(n).received.length === (n === 1 || n === 4 ? 30 : 60));
  t.true(net.runUntil(all, 20_000));
  net.run(1_000);
  for (const n of [2, 3, 5, 6]) {
    t.true(isRange(receivedFrom(net, n, 1), 30), `node ${n} from 1`);
    t.true(isRange(receivedFrom(net, n, 4), 30), `node ${n} from 4`);
  }
  t.deepEqual(receivedFrom(net, 1, 1), [], 'no echo of its own broadcast');
  t.true(isRange(receivedFrom(net, 1, 4), 30));
  t.true(isRange(receivedFrom(net, 4, 1), 30));
  t.is(net.node(2).received.find((f) => f.src === 1)?.dst, 255);
  const rejected = [1, 2, 3, 4, 5, 6].reduce((a, n) => a + net.net(n).stats().broadcastRejected, 0);
  t.is(rejected, 0, 'tree forwarding never offers a copy to a non-child');
});

test('a broadcast is queued on every tree link or on none (a refused one can be retried safely)', (t) => {
  const net = new TestNetwork({ seed: 29, net: { window: 2, maxQueue: 3 } });
  net.addNodes([1, 2, 3]);
  net.connect(1, 2, 'stream', { latencyMs: 1 });
  const slow = net.connect(1, 3, 'stream', { latencyMs: 1 });
  net.start();
  t.true(net.runUntil(() => net.converged(), 5_000));
  net.run(200);
  slow.model = { ...slow.model, latencyMs: 300 };
  let accepted = 0;
  let refused = 0;
  const tick = (): void => {
    if (net.net(1).send({ type: 0x60, dst: 255, srcPort: 0, dstPort: 0, payload: Uint8Array.of(accepted & 0xff, 0, 0, 0) })) accepted++;
    else refused++;
    if (accepted < 20) net.node(1).clock.setTimer(1, tick);
  };
  tick();
  t.true(net.runUntil(() => accepted === 20, 30_000));
  t.true(refused > 0, 'the slow link pushed back');
  t.true(net.runUntil(() => net.node(3).received.length === 20, 30_000));
  net.run(2_000);
  t.true(isRange(receivedFrom(net, 2, 1), 20), 'no copy went to the fast link alone');
  t.true(isRange(receivedFrom(net, 3, 1), 20));
});

test('a frame to an unreachable node is refused; one to itself is delivered later, not inside send()', (t) => {
  const net = new TestNetwork({ seed: 27 });
  net.addNodes([1, 2]);
  net.connect(1, 2);
  net.start();
  const n1 = net.net(1);
  t.false(n1.send({ type: 0x70, dst: 9, srcPort: 0, dstPort: 0, payload: new Uint8Array(1) }));
  t.is(n1.stats().unroutable, 1);
  const payload = Uint8Array.of(1, 2, 3, 4);
  t.true(n1.send({ type: 0x70, dst: 1, srcPort: 5, dstPort: 6, payload }));
  payload[0] = 99; // the layer took a copy
  t.is(net.node(1).received.length, 0, 'not delivered synchronously');
  net.run(1);
  t.is(net.node(1).received.length, 1);
  const f = net.node(1).received[0];
  t.deepEqual([f.src, f.dst, f.srcPort, f.dstPort, numberOf(f.payload)], [1, 1, 5, 6, 0x04030201]);
});

test('whenConverged resolves once the expected nodes are reachable; onTopology reports changes', async (t) => {
  const net = new TestNetwork({ seed: 28 });
  net.addNodes([1, 2, 3]);
  net.line([1, 2, 3]);
  const seen: number[][] = [];
  net.start();
  net.net(1).onTopology = (nodes) => seen.push([...nodes]);
  let resolved = false;
  const p = net.net(1).whenConverged([1, 2, 3]).then(() => {
    resolved = true;
  });
  t.false(resolved);
  net.runUntil(() => net.converged(), 5_000);
  await p;
  t.true(resolved);
  t.deepEqual(seen[seen.length - 1], [1, 2, 3]);
  await net.net(1).whenConverged(3); // already true: resolves at once
});
