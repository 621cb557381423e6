/**
 * Timers left to fire with nothing to do (docs/PERFORMANCE.md, "Round 6"): on a board each is a
 * turn of the event loop of its own (a board step in the simulator's CPU model, ~700 XS units
 * of board entry). A hop link owes an ack for every frame it takes and arms its delayed-ack
 * deadline; when the ack rides on a frame going back (a ping-pong), the deadline's timer is
 * cleared, not left to fire. The test fails if the timer is only forgotten (Deadline.cancel).
 */
import test from 'ava';
import { TestNetwork } from './harness.js';
import { RAW, intact, numbered, numberOf } from './traffic.js';

/**
 * Node 2 echoes every RAW frame; node 1 sends `rounds` frames, the next when the echo is back.
 * Each answer goes a moment after the frame was taken (a zero-delay timer of the shared loop,
 * not of the nodes' counted clocks), as an application's reply does: after the receive
 * returned, so the hop link has armed its ack deadline by then.
 */
function pingPong(net: TestNetwork, rounds: number): number[] {
  const echoed: number[] = [];
  const later = (fn: () => void): void => void net.loop.setTimer(0, fn);
  net.net(2).register(RAW, RAW, (f) => {
    const payload = f.payload.slice();
    later(() => void net.net(2).send({ type: RAW, dst: 1, srcPort: 2, dstPort: 1, payload }));
  });
  let i = 0;
  const next = (): void => {
    if (i < rounds && net.net(1).send({ type: RAW, dst: 2, srcPort: 1, dstPort: 1, payload: numbered(i, 24) })) i++;
  };
  net.net(1).register(RAW, RAW, (f) => {
    if (intact(f.payload)) echoed.push(numberOf(f.payload));
    later(next);
  });
  next();
  return echoed;
}

for (const kind of ['stream', 'datagram'] as const) {
  test(`${kind}: a ping-pong whose frames carry the hop acks leaves no ack timer to fire`, (t) => {
    const net = new TestNetwork({ seed: 21, record: false });
    net.addNodes([1, 2]);
    // Round trips of 2 ms, well inside the 5 ms ack delay: every ack can ride on the echo.
    net.connect(1, 2, kind, { latencyMs: 1 });
    let fired = 0;
    let counting = false;
    for (const id of [1, 2]) {
      const clock = net.nodes.get(id)!.clock;
      const set = clock.setTimer.bind(clock);
      clock.setTimer = (ms, fire, arg) => set(ms, () => {
        if (counting) fired++;
        fire(arg!);
      });
    }
    net.start();
    t.true(net.runUntil(() => net.converged(), 5_000), 'converged');
    const rounds = 200;
    counting = true;
    const t0 = net.now;
    const echoed = pingPong(net, rounds);
    t.true(net.runUntil(() => echoed.length === rounds, 10_000), `all echoed (${echoed.length})`);
    counting = false;
    const ms = net.now - t0;
    // What is left are the periodic and lazily re-armed deadlines (HELLO, hop and end-to-end
    // retransmission, end-to-end ack): 60 here. With the ack deadline only forgotten
    // (Deadline.cancel), its timer fires with nothing to do about every other round trip on
    // each node: 193.
    t.true(fired < rounds / 2, `${fired} timers fired in ${rounds} round trips (${ms.toFixed(0)} ms)`);
    t.is(net.net(1).stats().retransmits + net.net(2).stats().retransmits, 0);
  });
}
