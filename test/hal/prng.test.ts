import test from 'ava';
import { Prng } from '../../src/util/prng.js';

test('same seed, same sequence; different seeds differ', (t) => {
  const a = new Prng(42);
  const b = new Prng(42);
  const c = new Prng(43);
  const sa = Array.from({ length: 100 }, () => a.nextUint32());
  t.deepEqual(sa, Array.from({ length: 100 }, () => b.nextUint32()));
  t.notDeepEqual(sa, Array.from({ length: 100 }, () => c.nextUint32()));
});

test('golden values pin the algorithm (the XS and Lua ports must produce these)', (t) => {
  const p = new Prng(1);
  t.deepEqual(
    [p.nextUint32(), p.nextUint32(), p.nextUint32(), new Prng(0).nextUint32(), new Prng(0xffffffff).nextUint32()],
    [1828152527, 3394835397, 2967886022, 4205396811, 1413747962],
  );
});

test('random() is in [0, 1) and roughly uniform; below(n) is in range', (t) => {
  const p = new Prng(9);
  const buckets = new Array<number>(10).fill(0);
  for (let i = 0; i < 20000; i++) {
    const x = p.random();
    t.true(x >= 0 && x < 1);
    buckets[Math.floor(x * 10)]!++;
  }
  for (const n of buckets) t.true(n > 1700 && n < 2300, `bucket ${n}`);
  for (let i = 0; i < 1000; i++) {
    const k = p.below(7);
    t.true(Number.isInteger(k) && k >= 0 && k < 7);
  }
});
