/**
 * The shared virtual clock (host-sim/sim/event-queue.ts) that the net harness, the MCAPI
 * LoopNet, the DSM MemNet and the console tests run on: timers fire in (time, insertion)
 * order, clearing one never disturbs the others, and time moves only when the owner steps it.
 */
import test from 'ava';
import fc from 'fast-check';
import { VirtualClock } from '../../host-sim/sim/event-queue.js';

test('timers fire in time order, equal times in the order they were set', (t) => {
  const c = new VirtualClock();
  const out: string[] = [];
  c.setTimer(5, () => out.push('c'));
  c.setTimer(1, () => out.push('a'));
  c.setTimer(5, () => out.push('d'));
  c.setTimer(1, () => out.push('b'));
  c.schedule(3, () => out.push('x'));
  c.runUntilTime(10);
  t.deepEqual(out, ['a', 'b', 'x', 'c', 'd']);
  t.is(c.now(), 10);
  t.is(c.fired, 5);
  t.is(c.pending, 0);
});

test('a timer set while firing at the same time runs after those already due then', (t) => {
  const c = new VirtualClock();
  const out: string[] = [];
  c.setTimer(2, () => {
    out.push('a');
    c.setTimer(0, () => out.push('a0'));
  });
  c.setTimer(2, () => out.push('b'));
  c.runUntilTime(2);
  t.deepEqual(out, ['a', 'b', 'a0']);
});

test('cleared timers never fire and do not count; the rest keep their order', (t) => {
  const c = new VirtualClock();
  const out: number[] = [];
  const ids = [4, 1, 3, 1, 2].map((d, i) => c.setTimer(d, () => out.push(i)));
  c.clearTimer(ids[1]!);
  c.clearTimer(ids[1]!); // twice: harmless
  c.clearTimer(999); // unknown: harmless
  t.is(c.pending, 4);
  t.is(c.nextTime(), 1);
  c.clearTimer(ids[3]!);
  t.is(c.nextTime(), 2, 'the earliest live timer');
  c.runUntilTime(100);
  t.deepEqual(out, [4, 2, 0]);
  t.is(c.fired, 3);
  t.is(c.nextTime(), Infinity);
});

test('step fires one timer at most and only up to its limit; time never goes back', (t) => {
  const c = new VirtualClock(50);
  let n = 0;
  c.schedule(10, () => n++); // in the past: due now
  c.setTimer(-5, () => n++); // negative delay: due now
  c.setTimer(20, () => n++);
  t.true(c.step());
  t.is(c.now(), 50);
  t.true(c.step(50));
  t.false(c.step(60), 'the next one is at 70');
  t.is(c.now(), 50);
  c.advanceTo(40);
  t.is(c.now(), 50);
  t.true(c.step());
  t.is(c.now(), 70);
  t.false(c.step());
  t.is(n, 3);
});

test('runUntil stops when done holds, or at the limit with time standing there', (t) => {
  const c = new VirtualClock();
  let ticks = 0;
  const tick = (): void => {
    ticks++;
    c.setTimer(10, tick);
  };
  c.setTimer(10, tick);
  t.true(c.runUntil(() => ticks === 3, 1000));
  t.is(c.now(), 30);
  t.false(c.runUntil(() => false, 25));
  t.is(c.now(), 55);
  t.is(ticks, 5);
  c.advance(5);
  t.is(ticks, 6, 'advance fires what falls due, including at the end');
  t.is(c.now(), 60);
});

test('any mix of set, clear and step fires exactly the live timers in (time, insertion) order', (t) => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 20 }), fc.boolean()), { maxLength: 60 }), (ops) => {
      const c = new VirtualClock();
      const fired: number[] = [];
      const live: { at: number; i: number }[] = [];
      ops.forEach(([delay, clear], i) => {
        const id = c.setTimer(delay, () => fired.push(i));
        if (clear) c.clearTimer(id);
        else live.push({ at: delay, i });
      });
      c.runUntilTime(Infinity);
      live.sort((a, b) => a.at - b.at || a.i - b.i);
      t.deepEqual(fired, live.map((x) => x.i));
      t.is(c.pending, 0);
    }),
  );
});
