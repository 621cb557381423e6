import test from 'ava';
import fc from 'fast-check';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { Crc32 } from '../../src/wire/crc32.js';

test('check value of "123456789" is 0xCBF43926', (t) => {
  const bytes = Uint8Array.from('123456789', (c) => c.charCodeAt(0));
  t.is(new Crc32().compute(bytes), 0xcbf43926);
});

test('empty input gives 0', (t) => {
  t.is(new Crc32().compute(new Uint8Array(0)), 0);
});

test('agrees with zlib on random data and sub-ranges', (t) => {
  const crc = new Crc32();
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), fc.nat(), fc.nat(), (data, a, b) => {
      const start = data.length === 0 ? 0 : a % (data.length + 1);
      const end = start + (data.length === 0 ? 0 : b % (data.length - start + 1));
      return crc.compute(data, start, end) === zlibCrc32(data.subarray(start, end));
    }),
    { seed: 0x5eed, numRuns: 300 },
  );
  t.pass();
});

test('slicing-by-8 agrees with the one-table loop and zlib at every alignment of a view', (t) => {
  const sliced = new Crc32();
  const bytewise = new Crc32(1);
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 0, maxLength: 300 }), fc.nat(7), (data, shift) => {
      // A view starting `shift` bytes into its buffer, as frames cut out of a batch are.
      const backing = new Uint8Array(data.length + shift);
      backing.set(data, shift);
      const view = backing.subarray(shift);
      const want = zlibCrc32(data);
      return sliced.compute(view) === want && bytewise.compute(view) === want && sliced.compute(view, 1) === zlibCrc32(data.subarray(1));
    }),
    { seed: 0x5eed8, numRuns: 400 },
  );
  t.throws(() => new Crc32(4 as 8), { instanceOf: RangeError, message: /slices/ });
});
