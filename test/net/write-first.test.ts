/**
 * The send path writes the frame first (docs/PERFORMANCE.md "Round 18: the send path"): a
 * board's UART or socket sends a frame when it is written, so the bookkeeping that nothing in
 * the frame needs comes after the HAL's write, not before it. Pinned by the order of the calls
 * a send makes into its HAL (the link's write, the clock's timers) and, for MCAPI, by what the
 * request table holds when the frame is written.
 */
import test from 'ava';
import { Endpoint, McapiNode } from '../../src/mcapi/index.js';
import { TestNetwork } from './harness.js';

const TYPE = 0x70;

/** Log node `id`'s HAL calls from now on: 'write' per frame written, 'set' / 'clear' per timer call. */
function logCalls(net: TestNetwork, id: number, log: string[]): void {
  const n = net.node(id);
  for (const link of n.links) {
    const write = link.write.bind(link);
    link.write = (bytes: Uint8Array): void => {
      log.push('write');
      write(bytes);
    };
  }
  const clock = n.clock;
  const set = clock.setTimer.bind(clock);
  const clear = clock.clearTimer.bind(clock);
  clock.setTimer = <A>(ms: number, fire: (arg: A) => void, arg?: A): number => {
    log.push('set');
    return set(ms, fire, arg);
  };
  clock.clearTimer = (timer: number): void => {
    log.push('clear');
    clear(timer);
  };
}

function converged(ids: number[], record = true): TestNetwork {
  // Without the harness's catch-all recorder where MCAPI registers its own frame types.
  const net = new TestNetwork({ seed: 18, record });
  net.addNodes(ids);
  net.line(ids, 'datagram');
  net.start();
  if (!net.runUntil(() => net.converged(), 5_000)) throw new Error('no convergence');
  return net;
}

test('a frame to a neighbour is written before its hop link clears the ack deadline the frame answers', (t) => {
  const net = converged([1, 2]);
  // Node 2's frame leaves node 1's hop link owing an ack, its deadline armed.
  t.true(net.net(2).send({ type: TYPE, dst: 1, srcPort: 1, dstPort: 1, payload: Uint8Array.of(1) }));
  t.true(net.runUntil(() => net.node(1).received.some((f) => f.type === TYPE), 100));
  const log: string[] = [];
  logCalls(net, 1, log);
  t.true(net.net(1).send({ type: TYPE, dst: 2, srcPort: 1, dstPort: 1, payload: Uint8Array.of(2) }));
  // The ack rode on the frame: its deadline's timer is cleared, after the write (main before round 18: clear, write).
  t.is(log[0], 'write', log.join(' '));
  t.true(log.includes('clear'), log.join(' '));
});

test('a frame of a stream that is not direct is written before e2e holds it and arms its resend deadline', (t) => {
  const net = converged([1, 2, 3]);
  const log: string[] = [];
  logCalls(net, 1, log);
  // Node 3 is two hops away: e2e keeps the frame and arms its resend timer (the first held frame).
  t.true(net.net(1).send({ type: TYPE, dst: 3, srcPort: 1, dstPort: 1, payload: Uint8Array.of(3) }));
  t.is(log[0], 'write', log.join(' '));
  t.true(log.includes('set'), log.join(' '));
  t.is(net.net(1).unacknowledged(), 1, 'held end to end');
  net.run(100);
  t.true(net.node(3).received.some((f) => f.type === TYPE));
  t.is(net.net(1).unacknowledged(), 0);
});

test("a message's frame is written before its request is made: the table holds it only after the write", (t) => {
  const net = converged([1, 2], false);
  const m = new McapiNode(net.net(1), net.node(1).clock);
  m.initialize(1, 1);
  const ep = m.createEndpoint(5);
  const link = net.node(1).links[0]!;
  const write = link.write.bind(link);
  const seen: [number, number][] = [];
  link.write = (bytes: Uint8Array): void => {
    const s = m.stats();
    seen.push([s.requests, s.msgSent]);
    write(bytes);
  };
  const before = m.stats();
  const req = m.msgSendI(ep, new Endpoint(1, 2, 6), Uint8Array.of(1, 2, 3));
  t.true(req.pending);
  t.deepEqual(seen, [[before.requests, before.msgSent]], 'nothing of the request when its frame was written');
  const after = m.stats();
  t.deepEqual([after.requests, after.msgSent], [before.requests + 1, before.msgSent + 1], 'booked once written');
});

test('a full request table still refuses a message before any frame goes', (t) => {
  const net = converged([1, 2], false);
  const m = new McapiNode(net.net(1), net.node(1).clock);
  m.initialize(1, 1);
  const ep = m.createEndpoint(5);
  const to = new Endpoint(1, 2, 6);
  const limit = m.stats().requestLimit;
  for (let i = m.stats().requests; i < limit; i++) m.msgRecvI(ep, new Uint8Array(8));
  const link = net.node(1).links[0]!;
  const written = link.written;
  t.throws(() => m.msgSendI(ep, to, Uint8Array.of(1)), { message: /MCAPI_ERR_REQUEST_LIMIT/ });
  t.is(link.written, written, 'no frame');
  t.is(m.stats().msgSent, 0);
});
