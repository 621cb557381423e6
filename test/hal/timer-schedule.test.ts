/**
 * The Moddable Hal's timers behind one Moddable Timer (hal/moddable/timer-schedule.ts, docs/FOOTPRINT.md
 * "Round 10: conformance slots"): due order, equal times in the order set, removal, growth past
 * the initial room, and no object per timer.
 */
import test from 'ava';
import fc from 'fast-check';
import { TimerSchedule } from '../../hal/moddable/timer-schedule.js';

test('timers come out in due order, equal times in the order they were set; removed ones never', (t) => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ at: fc.integer({ min: 0, max: 50 }), drop: fc.boolean() }), { maxLength: 70 }),
      fc.integer({ min: 0, max: 60 }),
      (timers, now) => {
        const s = new TimerSchedule();
        const fired: number[] = [];
        const fire = (arg: unknown): void => void fired.push(arg as number);
        const ids = timers.map((x, k) => s.add(x.at, fire, k));
        timers.forEach((x, k) => {
          if (x.drop) t.true(s.remove(ids[k]!));
        });
        t.is(s.size, timers.filter((x) => !x.drop).length);
        // Model: stable sort by due time, the dropped left out.
        const expected = timers.map((x, k) => ({ ...x, k })).filter((x) => !x.drop).sort((a, b) => a.at - b.at || a.k - b.k);
        const dueNow = expected.filter((x) => x.at <= now).map((x) => x.k);
        for (;;) {
          const f = s.take(now);
          if (f === null) break;
          const arg = s.takenArg;
          s.takenArg = undefined;
          f(arg);
        }
        t.deepEqual(fired, dueNow);
        const rest = expected.filter((x) => x.at > now);
        t.is(s.size, rest.length);
        t.is(s.earliest(), rest.length > 0 ? rest[0]!.at : -1);
        for (const k of ids) s.remove(k);
        t.is(s.size, 0);
      },
    ),
  );
});

test('ids are never reused; a fired or removed id removes nothing; clear forgets all', (t) => {
  const s = new TimerSchedule();
  const noop = (): void => undefined;
  const a = s.add(10, noop, undefined);
  const b = s.add(5, noop, undefined);
  t.not(a, b);
  t.true(a > 0 && b > 0, '0 is the id a halted Hal returns: no timer has it');
  t.is(s.take(4), null);
  t.is(s.take(5), noop);
  t.false(s.remove(b), 'fired already');
  t.true(s.remove(a));
  t.false(s.remove(a));
  const c = s.add(1, noop, undefined);
  t.true(c > a && c > b);
  s.clear();
  t.is(s.size, 0);
  t.is(s.earliest(), -1);
});

test('no object per pending timer: the schedule keeps four arrays, whatever the number of timers', (t) => {
  const s = new TimerSchedule();
  const shape = (): string[] => Object.keys(s).sort();
  const before = shape();
  for (let i = 0; i < 100; i++) s.add(i % 7, () => undefined, { i });
  t.deepEqual(shape(), before);
  const arrays = Object.values(s).filter((v) => Array.isArray(v) || ArrayBuffer.isView(v));
  t.is(arrays.length, 4);
});
