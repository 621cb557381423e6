import test from 'ava';
import fc from 'fast-check';
import { NetstringDecoder, NetstringError, encodeNetstring } from '../../host-sim/xsnap/netstring.js';

test('encodes prefix + body as one netstring', (t) => {
  t.is(encodeNetstring(0x3f, new Uint8Array([0x61, 0x62])).toString('latin1'), '3:?ab,');
  t.is(encodeNetstring(0x65, 'é').toString('utf8'), '3:eé,');
  t.is(encodeNetstring(null, '').toString('latin1'), '0:,');
});

test('decodes any split of a stream of messages (property)', (t) => {
  fc.assert(
    fc.property(
      fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 8 }),
      fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 20 }),
      (messages, cuts) => {
        const stream = Buffer.concat(messages.map((m) => encodeNetstring(null, m)));
        const got: number[][] = [];
        const d = new NetstringDecoder((m) => got.push([...m]));
        let pos = 0;
        let k = 0;
        while (pos < stream.length) {
          const n = cuts[k++ % cuts.length]!;
          d.push(stream.subarray(pos, pos + n));
          pos += n;
        }
        t.deepEqual(got, messages.map((m) => [...m]));
      },
    ),
    { seed: 42, numRuns: 200 },
  );
});

test('rejects malformed streams', (t) => {
  const d = () => new NetstringDecoder(() => {});
  t.throws(() => d().push(Buffer.from('3:abc;')), { instanceOf: NetstringError });
  t.throws(() => d().push(Buffer.from('x:')), { instanceOf: NetstringError });
  t.throws(() => d().push(Buffer.from(':abc')), { instanceOf: NetstringError });
  t.throws(() => d().push(Buffer.from('1234567890:')), { instanceOf: NetstringError });
  t.throws(() => new NetstringDecoder(() => {}, 10).push(Buffer.from('11:')), { instanceOf: NetstringError });
});
