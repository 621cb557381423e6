// Round 9 (docs/FOOTPRINT.md "Round 9: conformance chunks"): a hop link's frames held beyond a
// gap are kept in an array with holes, not one filled with nulls: on XS every item is a slot in
// the array's chunk (8 x 32 B per link on lin), for a side that is empty unless a frame was lost.
import test from 'ava';
import { TestNetwork } from './harness.js';
import { isRange, receivedFrom, startSender } from './traffic.js';

function heldItems(net: TestNetwork, id: number): number {
  const links = (net.net(id) as unknown as { hops: { held: unknown[] }[] }).hops;
  return links.reduce((n, l) => n + Object.keys(l.held).length, 0);
}

test('a link holds no item for frames beyond a gap until one arrives, and none once the gap is filled', (t) => {
  const net = new TestNetwork({ seed: 4 });
  net.addNodes([1, 2]);
  const wire = net.connect(1, 2, 'stream', { latencyMs: 2, bytesPerMs: 92 });
  net.start();
  t.true(net.runUntil(() => net.converged(), 10_000));
  t.is(heldItems(net, 1), 0, 'an idle link: no items at all');
  t.is(heldItems(net, 2), 0);
  // Lose frames so that later ones are held beyond the gap, then let everything through.
  wire.model.loss = 0.2;
  startSender(net, 1, 2, 200);
  let sawHeld = false;
  const done = (): boolean => {
    if (heldItems(net, 2) > 0) sawHeld = true;
    return net.node(2).received.length >= 200;
  };
  t.true(net.runUntil(done, 120_000));
  t.true(isRange(receivedFrom(net, 2, 1), 200));
  t.true(sawHeld, 'frames were held beyond a gap');
  wire.model.loss = 0;
  net.run(2_000);
  t.is(heldItems(net, 2), 0, 'the gap filled: no items left');
});
