import { createHash } from 'node:crypto';
import test from 'ava';
import fc from 'fast-check';
import { Sha256, sha256Hex } from '../../src/util/sha256.js';

const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

test('FIPS 180-2 / NIST vectors', (t) => {
  t.is(sha256Hex(new Uint8Array(0)), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  t.is(sha256Hex(ascii('abc')), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  t.is(
    sha256Hex(ascii('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')),
    '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
  );
  t.is(
    sha256Hex(ascii('abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu')),
    'cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1',
  );
  const million = new Uint8Array(1_000_000).fill(0x61);
  t.is(sha256Hex(million), 'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0');
});

test('lengths around the padding boundary (55, 56, 63, 64, 65 bytes)', (t) => {
  for (const n of [55, 56, 63, 64, 65, 119, 120, 128]) {
    const data = Uint8Array.from({ length: n }, (_, i) => (i * 31 + 7) & 0xff);
    t.is(sha256Hex(data), createHash('sha256').update(data).digest('hex'), `length ${n}`);
  }
});

test('incremental updates in any split equal the one-shot digest', (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 600 }), fc.array(fc.nat(700), { maxLength: 6 }), (data, cuts) => {
      const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
      const h = new Sha256();
      let prev = 0;
      for (const p of points) {
        h.update(data.subarray(prev, p));
        prev = p;
      }
      h.update(data.subarray(prev));
      return h.digestHex() === createHash('sha256').update(data).digest('hex');
    }),
    { seed: 1234, numRuns: 300 },
  );
  t.pass();
});

test('a digest computed in pieces on fresh instances through saveState/loadState is the digest of the whole', (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 700 }), fc.array(fc.nat(700), { maxLength: 6 }), (data, cuts) => {
      const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
      const state = new Uint8Array(Sha256.STATE_BYTES);
      let prev = 0;
      let sha = new Sha256();
      for (const p of [...points, data.length]) {
        sha.update(data.subarray(prev, p));
        sha.saveState(state);
        sha = new Sha256().loadState(state.slice());
        prev = p;
      }
      return sha.digestHex() === sha256Hex(data);
    }),
    { seed: 4321, numRuns: 200 },
  );
  const bad = new Uint8Array(Sha256.STATE_BYTES);
  bad[40] = 3; // a fill that does not match the length
  t.throws(() => new Sha256().loadState(bad), { message: /not a saved state/ });
});
