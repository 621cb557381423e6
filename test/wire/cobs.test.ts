import test from 'ava';
import fc from 'fast-check';
import { CobsDeframer, cobsDecode, cobsDecodeInPlace, cobsEncode, cobsEncodedLength } from '../../src/wire/cobs.js';
import { CobsSource } from '../../src/wire/cobs-source.js';

function encode(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(cobsEncodedLength(data.length));
  return out.subarray(0, cobsEncode(data, out));
}

/** Byte arrays rich in zeros and long non-zero runs (the COBS edge cases). */
const arbData = fc.oneof(
  fc.uint8Array({ maxLength: 700 }),
  fc.array(fc.constantFrom(0, 1, 0xff), { maxLength: 300 }).map((a) => Uint8Array.from(a)),
  fc.integer({ min: 250, max: 600 }).map((n) => Uint8Array.from({ length: n }, (_, i) => (i % 255) + 1)),
);

test('encoded form has no zero but its delimiter and respects the length bound', (t) => {
  fc.assert(
    fc.property(arbData, (data) => {
      const enc = encode(data);
      if (enc.length > cobsEncodedLength(data.length)) return false;
      if (enc[enc.length - 1] !== 0) return false;
      return enc.subarray(0, enc.length - 1).every((b) => b !== 0);
    }),
    { seed: 3, numRuns: 300 },
  );
  t.pass();
});

test('round trip through cobsDecode', (t) => {
  fc.assert(
    fc.property(arbData, (data) => {
      const enc = encode(data);
      const out = new Uint8Array(data.length);
      const n = cobsDecode(enc, out, 0, enc.length - 1);
      return n === data.length && Buffer.from(out).equals(Buffer.from(data));
    }),
    { seed: 4, numRuns: 300 },
  );
  t.pass();
});

test('edge cases: empty, one zero, 254 and 255 non-zero bytes', (t) => {
  t.deepEqual(Array.from(encode(new Uint8Array(0))), [1, 0]);
  t.deepEqual(Array.from(encode(Uint8Array.of(0))), [1, 1, 0]);
  const run254 = encode(new Uint8Array(254).fill(7));
  t.is(run254[0], 0xff);
  t.is(run254.length, 257);
  const run255 = encode(new Uint8Array(255).fill(7));
  t.deepEqual(Array.from(run255.subarray(255)), [2, 7, 0]);
});

test('a 254-byte run decodes with or without the trailing 01 code', (t) => {
  const run = new Uint8Array(254).fill(7);
  const got: number[] = [];
  const d = new CobsDeframer(300, { deframed: (f) => got.push(f.length) });
  const without = new Uint8Array(256);
  without[0] = 0xff;
  without.set(run, 1);
  d.push(without); // ends in the 0x00 delimiter
  d.push(encode(run)); // ends in 01 00
  t.deepEqual(got, [254, 254]);
  const out = new Uint8Array(254);
  t.is(cobsDecode(without, out, 0, 255), 254);
});

test('cobsDecode rejects malformed input', (t) => {
  const out = new Uint8Array(10);
  t.is(cobsDecode(Uint8Array.of(5, 1, 2), out), -1, 'truncated run');
  t.is(cobsDecode(Uint8Array.of(3, 0, 2), out), -1, 'zero inside');
  t.is(cobsDecode(Uint8Array.of(12, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1), out), -1, 'does not fit');
});

test('the deframer recovers frames from arbitrary chunking of a stream', (t) => {
  fc.assert(
    fc.property(
      fc.array(arbData.filter((d) => d.length > 0), { minLength: 1, maxLength: 8 }),
      fc.array(fc.integer({ min: 1, max: 97 }), { minLength: 1, maxLength: 20 }),
      (frames, cuts) => {
        const stream = Buffer.concat(frames.map((f) => encode(f)));
        const got: Buffer[] = [];
        const d = new CobsDeframer(1000, { deframed: (f) => got.push(Buffer.from(f)) });
        let pos = 0;
        for (let i = 0; pos < stream.length; i++) {
          const n = cuts[i % cuts.length];
          d.push(stream.subarray(pos, pos + n));
          pos += n;
        }
        return (
          got.length === frames.length &&
          got.every((g, i) => g.equals(Buffer.from(frames[i]))) &&
          d.frames === frames.length && d.overruns === 0 && d.garbage === 0
        );
      },
    ),
    { seed: 5, numRuns: 200 },
  );
  t.pass();
});

test('the deframer bounds its buffer, counts overruns and garbage, and resynchronises', (t) => {
  const got: number[][] = [];
  const d = new CobsDeframer(8, { deframed: (f) => got.push(Array.from(f)) });
  d.push(encode(new Uint8Array(9).fill(1))); // one byte too long
  t.is(d.overruns, 1);
  d.push(Uint8Array.of(5, 1, 2, 0)); // run of 4 cut by the delimiter after 2
  t.is(d.garbage, 1);
  d.push(Uint8Array.of(0, 0, 0)); // idle delimiters
  d.push(encode(Uint8Array.of(1, 0, 2)));
  t.deepEqual(got, [[1, 0, 2]]);
  t.is(d.frames, 1);
  // a frame of exactly the limit passes
  d.push(encode(new Uint8Array(8).fill(3)));
  t.is(got.length, 2);
  t.throws(() => new CobsDeframer(0, { deframed: () => {} }), { message: /maxFrame/ });
});

test('the deframer never throws on random garbage', (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 2000 }), (junk) => {
      const d = new CobsDeframer(64, { deframed: () => {} });
      d.push(junk);
      return d.frames + d.overruns + d.garbage <= junk.length;
    }),
    { seed: 6, numRuns: 200 },
  );
  t.pass();
});

/** The byte-at-a-time encoder and deframer the run-wise ones replaced: the reference they must match. */
function referenceEncode(src: Uint8Array): number[] {
  const out: number[] = [0];
  let codePos = 0;
  let code = 1;
  for (const b of src) {
    if (b === 0) {
      out[codePos] = code;
      codePos = out.length;
      out.push(0);
      code = 1;
    } else {
      out.push(b);
      code++;
      if (code === 0xff) {
        out[codePos] = code;
        codePos = out.length;
        out.push(0);
        code = 1;
      }
    }
  }
  out[codePos] = code;
  out.push(0);
  return out;
}

class ReferenceDeframer {
  frames: number[][] = [];
  overruns = 0;
  garbage = 0;
  private buf: number[] = [];
  private left = 0;
  private pendingZero = false;
  private started = false;
  private discarding = false;
  constructor(private readonly max: number) {}
  push(chunk: Uint8Array): void {
    for (const b of chunk) {
      if (b === 0) {
        if (this.discarding) {
          // counted already
        } else if (this.left !== 0) {
          this.garbage++;
        } else if (this.started) {
          this.frames.push(this.buf);
        }
        this.buf = [];
        this.left = 0;
        this.pendingZero = false;
        this.started = false;
        this.discarding = false;
        continue;
      }
      if (this.discarding) continue;
      this.started = true;
      if (this.left === 0) {
        if (this.pendingZero) {
          if (this.buf.length >= this.max) {
            this.overruns++;
            this.discarding = true;
            continue;
          }
          this.buf.push(0);
        }
        this.left = b - 1;
        this.pendingZero = b !== 0xff;
      } else {
        if (this.buf.length >= this.max) {
          this.overruns++;
          this.discarding = true;
          continue;
        }
        this.buf.push(b);
        this.left--;
      }
    }
  }
}

/** Doubles, mostly 0.0 (a Laplace halo row): long zero runs cut by short non-zero ones. */
const arbHalo = fc
  .array(fc.oneof(fc.constant(0), fc.constant(0), fc.constant(0), fc.double({ noNaN: true })), { maxLength: 80 })
  .map((a) => new Uint8Array(Float64Array.from(a).buffer));

/** Long zero-free stretches, zero-rich stretches, long zero runs, and plain random bytes, joined. */
const arbMixed = fc
  .array(
    fc.oneof(
      fc.integer({ min: 1, max: 700 }).map((n) => Uint8Array.from({ length: n }, (_, i) => ((i * 37) % 255) + 1)),
      fc.array(fc.constantFrom(0, 0, 1, 0xff), { maxLength: 40 }).map((a) => Uint8Array.from(a)),
      fc.uint8Array({ maxLength: 200, size: 'max' }),
      fc.integer({ min: 1, max: 600 }).map((n) => new Uint8Array(n)),
      arbHalo,
    ),
    { maxLength: 5 },
  )
  .map((parts) => Uint8Array.from(parts.flatMap((p) => [...p])));

test('run-wise encoding equals the byte-at-a-time reference, at any alignment', (t) => {
  fc.assert(
    fc.property(arbMixed, fc.nat(7), fc.nat(5), (data, shift, outShift) => {
      const backing = new Uint8Array(data.length + shift);
      backing.set(data, shift);
      const src = backing.subarray(shift);
      const out = new Uint8Array(cobsEncodedLength(data.length) + outShift);
      const n = cobsEncode(src, out, outShift);
      return Buffer.from(out.subarray(outShift, outShift + n)).equals(Buffer.from(referenceEncode(data)));
    }),
    { seed: 11, numRuns: 400 },
  );
  t.pass();
});

test('the run-wise deframer matches the reference on any stream, chunking and limit (garbage included)', (t) => {
  fc.assert(
    fc.property(
      fc.array(fc.oneof(arbMixed.map((d) => Uint8Array.from(referenceEncode(d))), fc.uint8Array({ maxLength: 300, size: 'max' })), { maxLength: 6 }),
      fc.array(fc.integer({ min: 1, max: 600 }), { minLength: 1, maxLength: 10 }),
      fc.integer({ min: 1, max: 800 }),
      (pieces, cuts, max) => {
        const stream = Uint8Array.from(pieces.flatMap((p) => [...p]));
        const got: number[][] = [];
        const d = new CobsDeframer(max, { deframed: (f) => got.push([...f]) });
        const ref = new ReferenceDeframer(max);
        let pos = 0;
        for (let i = 0; pos < stream.length; i++) {
          const n = cuts[i % cuts.length]!;
          const chunk = stream.subarray(pos, pos + n);
          d.push(chunk);
          ref.push(chunk);
          pos += n;
        }
        t.deepEqual(got, ref.frames);
        return d.frames === ref.frames.length && d.overruns === ref.overruns && d.garbage === ref.garbage;
      },
    ),
    { seed: 12, numRuns: 400 },
  );
});

test('cobsDecode inverts the reference encoding and rejects an output one byte short', (t) => {
  fc.assert(
    fc.property(arbMixed, fc.nat(7), (data, shift) => {
      const enc = referenceEncode(data);
      const backing = new Uint8Array(enc.length + shift);
      backing.set(enc, shift);
      const out = new Uint8Array(data.length);
      const n = cobsDecode(backing, out, shift, backing.length - 1);
      if (n !== data.length || !Buffer.from(out).equals(Buffer.from(data))) return false;
      return data.length === 0 || cobsDecode(backing, new Uint8Array(data.length - 1), shift, backing.length - 1) === -1;
    }),
    { seed: 13, numRuns: 400 },
  );
  t.pass();
});

test('all-zero frames of every length around the word and block sizes', (t) => {
  for (let n = 0; n <= 520; n++) {
    const data = new Uint8Array(n);
    const enc = encode(data);
    t.deepEqual(Array.from(enc), referenceEncode(data), `encode ${n}`);
    const out = new Uint8Array(n);
    t.is(cobsDecode(enc, out, 0, enc.length - 1), n, `decode ${n}`);
    const got: number[] = [];
    const d = new CobsDeframer(Math.max(1, n), { deframed: (f) => got.push(f.length + f.reduce((a, b) => a + b, 0)) });
    d.push(enc);
    t.deepEqual(got, n === 0 ? [0] : [n], `deframe ${n}`);
  }
});

test('cobsDecodeInPlace gives the bytes and refusals of cobsDecode on any block without a zero', (t) => {
  // The native deframer decodes a block kept across reads in its own buffer (Round 8): the
  // decoded bytes move down (by set, or by the board's native copy, a memmove: Round 21) and
  // must equal the reference's.
  let copies = 0;
  const memmove = {
    copy(src: Uint8Array, start: number, end: number, dst: Uint8Array, at: number): void {
      copies++;
      dst.copyWithin(at, start, end); // the same buffer here, at offset 0
    },
  };
  const blocks = fc.oneof(
    fc.uint8Array({ maxLength: 1200 }).map((d) => {
      const enc = new Uint8Array(cobsEncodedLength(d.length));
      const n = cobsEncode(d, enc);
      return enc.subarray(0, n - 1); // without the delimiter
    }),
    fc.uint8Array({ minLength: 1, maxLength: 600 }).map((b) => b.map((x) => (x === 0 ? 1 : x))),
  );
  fc.assert(
    fc.property(blocks, (block) => {
      const out = new Uint8Array(block.length + 1);
      const want = cobsDecode(block, out);
      const buf = block.slice();
      const n = cobsDecodeInPlace(buf, buf.length);
      const moved = block.slice();
      const m = cobsDecodeInPlace(moved, moved.length, memmove);
      if (want < 0) return n < 0 && m < 0;
      return n === want && m === want && Buffer.from(buf.subarray(0, n)).equals(Buffer.from(out.subarray(0, want))) &&
        Buffer.from(moved.subarray(0, m)).equals(Buffer.from(out.subarray(0, want)));
    }),
    { seed: 23, numRuns: 500 },
  );
  t.true(copies > 0, 'runs moved by the native copy');
  t.is(cobsDecodeInPlace(new Uint8Array([3, 1]), 2), -1, 'a truncated run');
  t.is(cobsDecodeInPlace(new Uint8Array([0, 1]), 2), -1, 'a zero code');
  t.is(cobsDecodeInPlace(new Uint8Array([3, 1]), 2, memmove), -1, 'a truncated run, native copy');
  t.is(cobsDecodeInPlace(new Uint8Array([0, 1]), 2, memmove), -1, 'a zero code, native copy');
  t.pass();
});

/** NativeBytes a Moddable board gives CobsSource (findZero, copy), here in JS. */
const JS_NATIVES = {
  findZero: (b: Uint8Array, s: number, e: number): number => {
    for (let i = s; i < e; i++) if (b[i] === 0) return i;
    return -1;
  },
  copy: (src: Uint8Array, s: number, e: number, dst: Uint8Array, at: number): void => dst.set(src.subarray(s, e), at),
};

// Round 9 (docs/FOOTPRINT.md "Round 9: conformance chunks"): the encoding a port drains piece by
// piece must be the encoder's, byte for byte, whatever the pieces and the frame.
test('a CobsSource read in any pieces gives exactly cobsEncode\'s bytes, its length known at the start', (t) => {
  fc.assert(
    fc.property(
      arbMixed, fc.boolean(), fc.boolean(), fc.nat(24), fc.nat(24),
      fc.array(fc.integer({ min: 1, max: 600 }), { minLength: 1, maxLength: 8 }),
      (data, lead, natives, head, tail, pieces) => {
        const want = encode(data);
        const source = new CobsSource(data, lead, natives ? JS_NATIVES : {}, head, tail);
        const total = (lead ? 1 : 0) + want.length;
        if (source.left !== total) return false;
        const out = new Uint8Array(total);
        let at = 0;
        for (let k = 0; source.left > 0; k++) {
          const n = Math.min(source.left, pieces[k % pieces.length]!);
          source.read(out, at, n);
          at += n;
        }
        return at === total && (!lead || out[0] === 0) && Buffer.from(out.subarray(lead ? 1 : 0)).equals(Buffer.from(want));
      },
    ),
    { seed: 19, numRuns: 600 },
  );
  t.pass();
});

test('a CobsSource sends its head and tail as they were at the start, the body as it is read', (t) => {
  fc.assert(
    fc.property(arbMixed, fc.integer({ min: 0, max: 16 }), fc.integer({ min: 0, max: 20 }), fc.nat(200), (data, head, tail, first) => {
      if (data.length < head + tail) return true;
      const original = data.slice();
      const frame = data.slice();
      const source = new CobsSource(frame, false, {}, head, tail);
      const out = new Uint8Array(source.left);
      const n = Math.min(first, source.left);
      source.read(out, 0, n);
      // The link resends the frame: its hop fields and CRC/MAC change in place.
      for (let i = 0; i < head; i++) frame[i] = frame[i]! ^ 0xa5;
      for (let i = frame.length - tail; i < frame.length; i++) frame[i] = 0;
      source.read(out, n, source.left);
      return Buffer.from(out).equals(Buffer.from(encode(original)));
    }),
    { seed: 23, numRuns: 400 },
  );
  t.pass();
});

test('edge frames: empty, 254 and 255 non-zero bytes, all zeros, one byte at a time', (t) => {
  const cases = [new Uint8Array(0), new Uint8Array(254).fill(7), new Uint8Array(255).fill(7), new Uint8Array(508).fill(9), new Uint8Array(600), Uint8Array.of(0)];
  for (const data of cases) {
    const source = new CobsSource(data, true, JS_NATIVES, 16, 20);
    const out: number[] = [];
    const one = new Uint8Array(1);
    while (source.left > 0) {
      source.read(one, 0, 1);
      out.push(one[0]!);
    }
    t.deepEqual(out, [0, ...encode(data)], `${data.length} bytes`);
  }
  const s = new CobsSource(new Uint8Array(10), false, {});
  t.throws(() => s.read(new Uint8Array(100), 0, s.left + 1), { instanceOf: RangeError });
});
