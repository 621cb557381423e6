import test from 'ava';
import { cobsDecode, cobsEncode, cobsEncodedLength, CobsDeframer } from '../../src/wire/cobs.js';
import { FLAG_NO_CRC, FrameCodec, emptyFrame } from '../../src/wire/frame.js';
import { FrameType } from '../../src/wire/frame-types.js';
import { bytesToHex, loadVectors, parseVectors } from './vectors.js';

const vectors = loadVectors();
const codec = new FrameCodec();

test('docs/PROTOCOL.md has at least 6 vectors, at least 2 with a COBS form', (t) => {
  t.true(vectors.length >= 6);
  t.true(vectors.filter((v) => v.cobs !== null).length >= 2);
  t.is(new Set(vectors.map((v) => v.name)).size, vectors.length, 'names are unique');
});

test('the vectors cover the network layer types and every upper range', (t) => {
  const types = new Set(vectors.map((v) => v.fields.type));
  for (const ty of [FrameType.LINK_ACK, FrameType.HELLO, FrameType.LSA, FrameType.E2E_ACK]) t.true(types.has(ty));
  const inRange = (lo: number, hi: number): boolean => vectors.some((v) => v.fields.type >= lo && v.fields.type <= hi);
  t.true(inRange(FrameType.MCAPI_FIRST, FrameType.MCAPI_LAST));
  t.true(inRange(FrameType.DSM_FIRST, FrameType.DSM_LAST));
  t.true(inRange(FrameType.FT_FIRST, FrameType.FT_LAST));
  t.true(inRange(FrameType.RAW_FIRST, FrameType.RAW_LAST));
});

test('one vector shows a NO_CRC datagram frame', (t) => {
  t.true(vectors.some((v) => (v.fields.flags & FLAG_NO_CRC) !== 0));
});

for (const v of vectors) {
  // NO_CRC is a link matter, not a field: such a vector is encoded with crc = false and its
  // decoded fields carry the other flags.
  const crc = (v.fields.flags & FLAG_NO_CRC) === 0;
  const fields = { ...v.fields, flags: v.fields.flags & ~FLAG_NO_CRC };
  test(`vector ${v.name}: encode(fields) == frame`, (t) => {
    t.is(bytesToHex(codec.encode(fields, undefined, 0, true, crc)), bytesToHex(v.frame));
    // and into a caller-supplied buffer at an offset
    const out = new Uint8Array(v.frame.length + 7).fill(0xee);
    const view = codec.encode(fields, out, 3, true, crc);
    t.is(bytesToHex(view), bytesToHex(v.frame));
    t.is(out[2], 0xee);
    t.is(out[3 + v.frame.length], 0xee);
  });

  test(`vector ${v.name}: decode(frame) == fields`, (t) => {
    const f = emptyFrame();
    t.is(codec.decode(v.frame, f), crc ? 'ok' : 'no-crc');
    t.is(codec.decode(v.frame, f, true, true), 'ok');
    const { payload, ...rest } = f;
    const { payload: want, ...wantRest } = fields;
    t.deepEqual(rest, wantRest);
    t.is(bytesToHex(payload), bytesToHex(want));
  });

  if (v.cobs !== null) {
    const cobs = v.cobs;
    test(`vector ${v.name}: COBS stream form both ways`, (t) => {
      const out = new Uint8Array(cobsEncodedLength(v.frame.length));
      const n = cobsEncode(v.frame, out);
      t.is(bytesToHex(out.subarray(0, n)), bytesToHex(cobs));
      const dec = new Uint8Array(v.frame.length);
      t.is(cobsDecode(cobs, dec, 0, cobs.length - 1), v.frame.length);
      t.is(bytesToHex(dec), bytesToHex(v.frame));
      const got: string[] = [];
      const d = new CobsDeframer(4232, { deframed: (fr) => got.push(bytesToHex(fr)) });
      d.push(cobs);
      t.deepEqual(got, [bytesToHex(v.frame)]);
    });
  }
}

test('the parser reads continuations, empty payloads and rejects junk', (t) => {
  const md = [
    'text', '```vector', 'name = x', 'flags = 0x1', 'type = 1', 'lseq = 0', 'lack = 0', 'domain = 0',
    'src = 0', 'dst = 0', 'ttl = 1', 'srcPort = 0', 'dstPort = 0', 'epoch = 0', 'payload = -',
    'frame = 01 02', '        03', 'cobs = ff', '```',
  ].join('\n');
  const [v] = parseVectors(md);
  t.is(bytesToHex(v.frame), '01 02 03');
  t.is(v.fields.payload.length, 0);
  t.throws(() => parseVectors(md.replace('ttl = 1', 'ttl = one')), { message: /ttl/ });
  t.throws(() => parseVectors(md.replace('frame = 01 02', 'frame = 0g')), { message: /hex/ });
  t.throws(() => parseVectors(md.replace('epoch = 0\n', '')), { message: /missing epoch/ });
});
