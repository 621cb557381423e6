import test from 'ava';
import fc from 'fast-check';
import { copyBytes, copyRun, findZero, ownBuffer } from '../../src/wire/bytes.js';

test('findZero agrees with indexOf on any range of any view, whatever its alignment', (t) => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 0, maxLength: 120, size: 'max' }).map((a) => a.map((b) => (b < 40 ? 1 + b : b > 250 ? 0 : b))),
      fc.nat(7),
      fc.nat(),
      fc.nat(),
      (data, shift, a, b) => {
        const backing = new Uint8Array(data.length + shift);
        backing.set(data, shift);
        const v = backing.subarray(shift);
        const from = data.length === 0 ? 0 : a % (data.length + 1);
        const to = from + (data.length === 0 ? 0 : b % (data.length - from + 1));
        const want = v.subarray(from, to).indexOf(0);
        return findZero(v, from, to) === (want < 0 ? -1 : from + want);
      },
    ),
    { seed: 21, numRuns: 1000 },
  );
  const long = new Uint8Array(1000).fill(9);
  t.is(findZero(long, 0, 1000), -1);
  for (const z of [0, 3, 4, 5, 511, 996, 999]) {
    long[z] = 0;
    t.is(findZero(long, 0, 1000), z);
    t.is(findZero(long, z + 1, 1000), -1);
    long[z] = 9;
  }
});

test('copyBytes and ownBuffer give the exact bytes in a buffer of their own; copyRun copies short and long runs', (t) => {
  const backing = Uint8Array.from({ length: 64 }, (_, i) => i);
  const view = backing.subarray(5, 40);
  const c = copyBytes(view);
  t.deepEqual([...c], [...view]);
  t.is(c.byteOffset, 0);
  t.is(c.buffer.byteLength, 35);
  c[0] = 99;
  t.is(backing[5], 5, 'a copy, not a view');
  const own = ownBuffer(view);
  t.deepEqual([...new Uint8Array(own)], [...view]);
  t.is(ownBuffer(c), c.buffer as ArrayBuffer, 'an array spanning its whole buffer gives that buffer');
  const dst = new Uint8Array(64);
  copyRun(backing, 2, 7, dst, 1);
  copyRun(backing, 10, 50, dst, 20);
  t.deepEqual([...dst.subarray(1, 6)], [2, 3, 4, 5, 6]);
  t.deepEqual([...dst.subarray(20, 60)], [...backing.subarray(10, 50)]);
});
