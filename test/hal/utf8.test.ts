import test from 'ava';
import fc from 'fast-check';
import { utf8Decode, utf8Encode, utf8Length } from '../../src/util/utf8.js';

test('encodes like TextEncoder, lone surrogates included (property)', (t) => {
  const enc = new TextEncoder();
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => {
      const want = enc.encode(s);
      return Buffer.from(utf8Encode(s)).equals(want) && utf8Length(s) === want.length;
    }),
    { seed: 7, numRuns: 500 },
  );
  t.pass();
});

test('decodes any bytes exactly like TextDecoder (property)', (t) => {
  const dec = new TextDecoder();
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (b) => utf8Decode(b) === dec.decode(b)),
    { seed: 8, numRuns: 3000 },
  );
  // Biased towards multi-byte lead and continuation bytes, where the error cases live.
  fc.assert(
    fc.property(fc.array(fc.constantFrom(0x41, 0x80, 0x9f, 0xa0, 0xbf, 0xc2, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff)), (arr) => {
      const b = new Uint8Array(arr);
      return utf8Decode(b) === dec.decode(b);
    }),
    { seed: 9, numRuns: 3000 },
  );
  t.pass();
});

test('round-trips text, and decodes a sub-range', (t) => {
  const s = 'héllo → 世界 🎉'.repeat(300);
  t.is(utf8Decode(utf8Encode(s)), s);
  const b = utf8Encode('ab世cd');
  t.is(utf8Decode(b, 2, 5), '世');
});
