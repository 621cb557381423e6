/**
 * Images, deltas and the data stream: a delta built on one side, cut into frames, parsed on
 * the other side and committed gives exactly the new state; the bytes on the wire stay
 * within 5% of the changed bytes plus small headers.
 */
import test from 'ava';
import fc from 'fast-check';
import { Image, RUN_SEG, SEG_FLAGS, SEG_ZERO, buildPending, runBytes, runNum, segNum } from '../../src/ft/image.js';
import { ZERO_CHUNK, diffSpans, nonZeroSpans } from '../../src/ft/spans.js';
import { ByteWriter } from '../../src/ft/bytes.js';
import { DATA_HEADER, FLAG_LAST, RX_EXPECTED, StreamReceiver, StreamSender, readDataHeader, sourceOfImage, sourceOfPending, S_FRAMES } from '../../src/ft/stream.js';
import { Pending } from '../../src/ft/image.js';
import type { Segment } from '../../src/ft/types.js';
import { resolveFtOptions } from '../../src/ft/options.js';

/** The index of `p`'s first run in segment `seg`. */
function runOfSeg(p: Pending, seg: number): number {
  for (let k = 0; k < p.runCount; k++) if (runNum(p.runs, k, RUN_SEG) === seg) return k;
  return -1;
}

const CAP = 4200;

/** Send `img`'s pending (or its full image) through a sender and a receiver into `dst`. */
function transfer(src: Image, dst: Image, replica: boolean, cap = CAP): { bytes: number; frames: number } {
  const w = new ByteWriter(cap);
  const p = src.pending;
  const source = replica || p === null ? sourceOfImage(src) : sourceOfPending(p);
  const round = replica || p === null ? src.gen : p.round;
  const base = replica || p === null ? 0 : p.base;
  const s = new StreamSender(9, src.rank, round, base, replica, source, 4, 0);
  const rx = new StreamReceiver(new Pending(round, base, replica, 0));
  let bytes = 0;
  while (!s.complete) {
    while (s.wants()) {
      const payload = s.build(w, cap).slice();
      if (payload.length > cap) throw new Error(`frame of ${payload.length} bytes`);
      const h = readDataHeader(payload);
      if (h === null || h.seq !== rx.v[RX_EXPECTED]) throw new Error('bad header');
      const status = rx.apply(dst, payload, (h.flags & FLAG_LAST) !== 0, 1 << 30);
      if (status !== 'ok') throw new Error(`receiver said ${status}`);
      s.sent(payload.length);
      bytes += payload.length;
    }
    s.onAck(rx.v[RX_EXPECTED], 0);
  }
  if (!rx.complete) throw new Error('receiver not complete');
  if (replica) {
    dst.install(rx.pending.tableNames(), Array.from({ length: rx.pending.segCount }, (_, i) => rx.pending.whole(i) ?? new Uint8Array(0)), round, rx.pending.progress);
  } else {
    dst.pending = rx.pending;
    dst.commit();
  }
  return { bytes, frames: s.ring[S_FRAMES]! };
}

function same(img: Image, segs: readonly Segment[]): boolean {
  if (img.names.length !== segs.length) return false;
  return segs.every((s, i) => img.names[i] === s.name && Buffer.from(img.data[i]!).equals(Buffer.from(s.bytes)));
}

const segArb = fc.record({
  name: fc.constantFrom('app', 'dsm/a/0', 'dsm/a/1', 'dsm/b/0', 'x'),
  bytes: fc.uint8Array({ maxLength: 3000 }),
});

test('diffSpans finds every difference and nothing else', (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 0, maxLength: 600 }), fc.array(fc.nat(), { maxLength: 40 }), fc.nat(16), fc.nat(3), (a, edits, gap, shift) => {
      const base = new Uint8Array(a.length + shift).subarray(shift);
      base.set(a);
      const b = base.slice();
      for (const e of edits) if (b.length > 0) b[e % b.length] ^= 0x5a;
      const covered = new Uint8Array(b.length);
      let prevEnd = -1;
      diffSpans(base, b, gap, (s, e) => {
        if (s <= prevEnd || e <= s) throw new Error('spans out of order');
        prevEnd = e;
        covered.fill(1, s, e);
        if (base[s] === b[s] || base[e - 1] === b[e - 1]) throw new Error('span edge does not differ');
      });
      for (let i = 0; i < b.length; i++) if (base[i] !== b[i] && covered[i] !== 1) return false;
      return true;
    }),
    { seed: 11, numRuns: 300 },
  );
  t.pass();
});

/** Byte-by-byte statement of what diffSpans must emit. */
function referenceSpans(a: Uint8Array, b: Uint8Array, gap: number): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < a.length; i++) {
    if (a[i] === b[i]) continue;
    const prev = out[out.length - 1];
    if (prev !== undefined && i - prev[1] <= gap) prev[1] = i + 1;
    else out.push([i, i + 1]);
  }
  return out;
}

test('diffSpans splits at equal stretches longer than a small gap even inside differing words', (t) => {
  const a = new Uint8Array(64);
  const b = new Uint8Array(64);
  b[15] = 1;
  b[16] = 1;
  b[23] = 1;
  const spans = (gap: number): number[][] => {
    const got: number[][] = [];
    diffSpans(a, b, gap, (s, e) => got.push([s, e]));
    return got;
  };
  t.deepEqual(spans(2), [[15, 17], [23, 24]]);
  t.deepEqual(spans(6), [[15, 24]]);
});

test('diffSpans emits exactly the byte-wise spans, merged across gaps of at most `gap` equal bytes (property)', (t) => {
  // Dense blocks of changes exercise the word-wise path through differing stretches.
  const edit = fc.tuple(fc.nat(), fc.integer({ min: 1, max: 90 }), fc.boolean());
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 0, maxLength: 700 }), fc.array(edit, { maxLength: 12 }), fc.nat(16), fc.nat(3), fc.nat(3), (a, edits, gap, sa, sb) => {
      const base = new Uint8Array(a.length + sa).subarray(sa);
      base.set(a);
      const b = new Uint8Array(a.length + sb).subarray(sb);
      b.set(a);
      for (const [at, len, sparse] of edits) {
        for (let k = 0; k < len && b.length > 0; k += sparse ? 3 : 1) {
          const p = (at + k) % b.length;
          b[p] = (b[p]! + 1 + (k % 7)) & 0xff;
        }
      }
      const got: [number, number][] = [];
      diffSpans(base, b, gap, (s, e) => got.push([s, e]));
      return JSON.stringify(got) === JSON.stringify(referenceSpans(base, b, gap));
    }),
    { seed: 12, numRuns: 400 },
  );
  t.pass();
});

test('a delta through frames rebuilds the new state exactly (property)', (t) => {
  fc.assert(
    fc.property(fc.uniqueArray(segArb, { selector: (s) => s.name, maxLength: 5 }), fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 60 }), fc.boolean(), (first, edits, resize) => {
      const owner = new Image(3);
      const buddy = new Image(3);
      owner.pending = buildPending(owner, first, 1, 10, 8);
      transfer(owner, buddy, false);
      owner.commit();
      if (!same(buddy, first) || !same(owner, first)) return false;
      // Second generation: some bytes changed, maybe one segment resized or dropped.
      const second = first.map((s) => ({ name: s.name, bytes: s.bytes.slice() }));
      for (const [pos, v] of edits) {
        const s = second[pos % Math.max(1, second.length)];
        if (s !== undefined && s.bytes.length > 0) s.bytes[pos % s.bytes.length] = v;
      }
      if (resize && second.length > 0) second[0] = { name: second[0]!.name, bytes: new Uint8Array(second[0]!.bytes.length + 7).fill(1) };
      if (resize && second.length > 2) second.pop();
      owner.pending = buildPending(owner, second, 2, 20, 8);
      transfer(owner, buddy, false);
      owner.commit();
      return same(buddy, second) && same(owner, second) && buddy.gen === 2 && buddy.progress === 20;
    }),
    { seed: 7, numRuns: 150 },
  );
  t.pass();
});

test('a full copy (replica) of an image through small frames', (t) => {
  const segs: Segment[] = [
    { name: 'app', bytes: new Uint8Array([0, 1, 2]) },
    { name: 'dsm/u/0', bytes: new Uint8Array(10_000).map((_, i) => i * 7) },
    { name: 'dsm/empty', bytes: new Uint8Array(0) },
  ];
  const src = new Image(2);
  src.pending = buildPending(src, segs, 5, 50, 8);
  src.commit();
  const dst = new Image(2);
  const r = transfer(src, dst, true, 300);
  t.true(same(dst, segs));
  t.is(dst.gen, 5);
  t.is(dst.progress, 50);
  t.true(r.frames > 30, 'many small frames');
});

test('incremental: bytes on the wire stay within 5% of the changed bytes plus headers', (t) => {
  const size = 64 * 1024;
  const owner = new Image(0);
  const buddy = new Image(0);
  const state = new Uint8Array(size).map((_, i) => (i * 31) & 0xff);
  owner.pending = buildPending(owner, [{ name: 'dsm/s', bytes: state }], 1, 1, 8);
  const full = transfer(owner, buddy, false);
  owner.commit();
  t.true(full.bytes <= size * 1.05 + 200, `first checkpoint is the full image: ${full.bytes}`);
  // Contiguous change of 10%, scattered single-byte changes every 300 bytes, and 256-byte blocks.
  // [name, edit, within 5% (false: isolated bytes, where each costs a run header)]
  const cases: [string, (s: Uint8Array) => void, boolean][] = [
    ['contiguous', (s) => s.fill(7, 1000, 1000 + size / 10), true],
    ['256-byte blocks', (s) => { for (let i = 0; i < size; i += 2048) s.fill(3, i, i + 256); }, true],
    ['scattered bytes', (s) => { for (let i = 0; i < size; i += 300) s[i] ^= 0xff; }, false],
  ];
  let gen = 2;
  for (const [name, edit, tight] of cases) {
    edit(state);
    owner.pending = buildPending(owner, [{ name: 'dsm/s', bytes: state }], gen, gen, 8);
    const changed = owner.pending.changed;
    const runs = owner.pending.runCount;
    const r = transfer(owner, buddy, false);
    owner.commit();
    gen++;
    t.true(Buffer.from(buddy.data[0]!).equals(Buffer.from(state)), name);
    // Headers: 12 per frame, 11 meta, a SEG record, 9 per run.
    const headers = 12 * r.frames + 11 + 7 + 5 + 9 * (runs + r.frames);
    if (tight) t.true(r.bytes <= 1.05 * changed + 64 + 12 * r.frames, `${name}: ${r.bytes} bytes for ${changed} changed`);
    t.true(r.bytes <= changed + headers, `${name}: overhead is the headers`);
    t.log(`${name}: changed ${changed}, sent ${r.bytes} in ${r.frames} frames (${((r.bytes / changed - 1) * 100).toFixed(1)}% over)`);
  }
});

test('a new segment travels as its non-zero spans: a first checkpoint of a mostly-zero state sends what was written', (t) => {
  // A Laplace band before the heat reaches it: zeros but for a few rows (here 3 spans).
  const size = 128 * 1024;
  const state = new Uint8Array(size);
  state.fill(0x3f, 0, 2064);
  state.fill(7, ZERO_CHUNK - 5, ZERO_CHUNK + 5);
  state[size - 1] = 1;
  const owner = new Image(0);
  const buddy = new Image(0);
  owner.pending = buildPending(owner, [{ name: 'app', bytes: new Uint8Array([1, 2]) }, { name: 'dsm/s', bytes: state }, { name: 'empty', bytes: new Uint8Array(0) }], 1, 1, 8);
  t.is(owner.pending.changed, 2 + 2064 + 10 + 1, 'only the non-zero bytes are data');
  t.is(segNum(owner.pending.table, 1, SEG_FLAGS), SEG_ZERO, 'the new segment is zero-based, not whole');
  const r = transfer(owner, buddy, false);
  owner.commit();
  t.true(r.bytes < 2200, `${r.bytes} bytes on the wire for ${size} B of state`);
  const segs = [{ name: 'app', bytes: new Uint8Array([1, 2]) }, { name: 'dsm/s', bytes: state }, { name: 'empty', bytes: new Uint8Array(0) }];
  t.true(same(buddy, segs), 'the buddy holds the state');
  t.true(same(owner, segs), 'the owner holds the state');
  // Resized: zero-based again, and later deltas patch it as before.
  const grown = new Uint8Array(size + 8);
  grown.set(state);
  grown[size + 3] = 9;
  owner.pending = buildPending(owner, [{ name: 'dsm/s', bytes: grown }], 2, 2, 8);
  t.is(segNum(owner.pending.table, 0, SEG_FLAGS), SEG_ZERO);
  transfer(owner, buddy, false);
  owner.commit();
  t.true(same(buddy, [{ name: 'dsm/s', bytes: grown }]));
  grown[100] = 5;
  owner.pending = buildPending(owner, [{ name: 'dsm/s', bytes: grown }], 3, 3, 8);
  t.is(segNum(owner.pending.table, 0, SEG_FLAGS) & SEG_ZERO, 0);
  t.is(owner.pending.changed, 1);
  transfer(owner, buddy, false);
  t.true(same(buddy, [{ name: 'dsm/s', bytes: grown }]));
});

test('nonZeroSpans covers every non-zero byte and no zero run longer than the gap, across chunk edges', (t) => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(20000), fc.integer({ min: 1, max: 255 })), { maxLength: 60 }), fc.integer({ min: 1, max: 20000 }), fc.integer({ min: 0, max: 16 }), fc.integer({ min: 4, max: 64 }), (marks, len, gap, chunk) => {
      const b = new Uint8Array(len);
      for (const [i, v] of marks) if (i < len) b[i] = v;
      const spans: [number, number][] = [];
      nonZeroSpans(b, new Uint8Array(chunk), gap, undefined, (s, e) => spans.push([s, e]));
      const covered = new Uint8Array(len);
      let prev = -1;
      for (const [s, e] of spans) {
        if (!(s >= 0 && e > s && e <= len && s > prev)) return false;
        if (b[s] === 0 || b[e - 1] === 0) return false;
        if (prev >= 0 && s - prev <= gap) return false;
        covered.fill(1, s, e);
        prev = e;
      }
      for (let i = 0; i < len; i++) if (b[i] !== 0 && covered[i] !== 1) return false;
      return true;
    }),
    { seed: 12, numRuns: 300 },
  );
  t.pass();
});

test('a zero-based segment may not exceed the receiver budget and its spans stay within it', (t) => {
  const owner = new Image(2);
  const state = new Uint8Array(5000);
  state[4000] = 1;
  owner.pending = buildPending(owner, [{ name: 'n', bytes: state }], 1, 0, 8);
  const s = new StreamSender(2, 2, 1, 0, false, sourceOfPending(owner.pending), 4, 0);
  const payload = s.build(new ByteWriter(CAP), CAP).slice();
  t.is(new StreamReceiver(new Pending(1, 0, false, 0)).apply(new Image(2), payload, true, 4999), 'nomem', 'the receiver holds the whole segment');
  const rx = new StreamReceiver(new Pending(1, 0, false, 0));
  t.is(rx.apply(new Image(2), payload, true, 5000), 'ok');
  t.is(rx.pending.whole(0)![4000], 1);
  t.is(rx.pending.whole(0)!.reduce((a, b) => a + b, 0), 1);
});

test('receiver rejects malformed and inconsistent streams without throwing', (t) => {
  const base = new Image(1);
  base.pending = buildPending(base, [{ name: 'a', bytes: new Uint8Array(100) }], 1, 0, 8);
  base.commit();
  const w = new ByteWriter(CAP);
  const owner = new Image(1);
  owner.pending = buildPending(owner, [{ name: 'a', bytes: new Uint8Array(100) }], 1, 0, 8);
  owner.commit();
  owner.pending = buildPending(owner, [{ name: 'a', bytes: new Uint8Array(100).fill(9) }], 2, 0, 8);
  const s = new StreamSender(2, 1, 2, 1, false, sourceOfPending(owner.pending), 4, 0);
  const good = s.build(w, CAP).slice();
  // A buddy whose copy of `a` has another size cannot apply the patch: it asks for a full copy.
  const other = new Image(1);
  other.pending = buildPending(other, [{ name: 'a', bytes: new Uint8Array(50) }], 1, 0, 8);
  other.commit();
  t.is(new StreamReceiver(new Pending(2, 1, false, 0)).apply(other, good, true, 1 << 20), 'need-full');
  // Not enough memory.
  t.is(new StreamReceiver(new Pending(2, 1, false, 0)).apply(base, good, true, 10), 'nomem');
  // Random corruption of every byte after the header: never throws, and never 'ok' with a wrong result.
  fc.assert(
    fc.property(fc.nat(good.length - DATA_HEADER - 1), fc.integer({ min: 1, max: 255 }), (pos, x) => {
      const bad = good.slice();
      bad[DATA_HEADER + pos] ^= x;
      const img = new Image(1);
      img.install(['a'], [new Uint8Array(100)], 1, 0);
      const rx = new StreamReceiver(new Pending(2, 1, false, 0));
      const st = rx.apply(img, bad, true, 1 << 20);
      if (st !== 'ok') return true;
      img.pending = rx.pending;
      img.commit();
      // A flipped data byte is the only undetected case here; the frame CRC of the network catches it.
      return img.data[0]!.length === 100;
    }),
    { seed: 3, numRuns: 300 },
  );
  t.pass();
});

test('buildPending refuses duplicate and bad names with the name in the message', (t) => {
  const img = new Image(0);
  t.throws(() => buildPending(img, [{ name: 'a', bytes: new Uint8Array(1) }, { name: 'a', bytes: new Uint8Array(1) }], 1, 0, 8), { message: /segment a: captured twice/ });
  t.throws(() => buildPending(img, [{ name: '', bytes: new Uint8Array(1) }], 1, 0, 8), { message: /segment name ""/ });
  t.throws(() => buildPending(img, [{ name: 'x'.repeat(300), bytes: new Uint8Array(1) }], 1, 0, 8), { message: /expected 1\.\.200 bytes/ });
});

test('commit keeps a run that rewrites a whole segment as the segment (no copy), and never a lent one', (t) => {
  const live = new Uint8Array(2048).fill(1);
  const segs = (): Segment[] => [{ name: 'dsm/a/0', bytes: live.subarray(0, 1024) }, { name: 'dsm/a/1', bytes: live.subarray(1024) }];
  const img = new Image(0);
  img.pending = buildPending(img, segs(), 1, 1, 8);
  img.commit();
  live.fill(2, 0, 1024); // page 0 changes throughout, page 1 not at all
  live[1500] = 9;
  img.pending = buildPending(img, segs(), 2, 2, 8);
  const run = runBytes(img.pending.runs, runOfSeg(img.pending, 0));
  img.commit();
  t.is(img.data[0], run, 'the copied run became the segment');
  t.deepEqual([img.data[0]![0], img.data[0]![1023], img.data[1]![476], img.data[1]![0]], [2, 2, 9, 1]);
  live.fill(3, 0, 1024);
  t.is(img.data[0]![5], 2, 'the image does not share memory with the live state');
  // Lent: the run is a view of live memory, so commit copies it.
  const third = segs();
  img.pending = buildPending(img, third, 3, 3, 8, third);
  const lent = runBytes(img.pending.runs, runOfSeg(img.pending, 0));
  img.commit();
  t.not(img.data[0], lent);
  live.fill(4, 0, 1024);
  t.is(img.data[0]![5], 3);
});

/** Same segments by name and bytes, whatever their order (a carrying delta appends new ones). */
function sameByName(img: Image, segs: readonly Segment[]): boolean {
  if (img.names.length !== segs.length) return false;
  return segs.every((s) => {
    const j = img.find(s.name);
    return j >= 0 && Buffer.from(img.data[j]!).equals(Buffer.from(s.bytes));
  });
}

test('a carrying delta (only changed segments listed) rebuilds the new state exactly, owner and buddy alike (property)', (t) => {
  fc.assert(
    fc.property(
      fc.uniqueArray(segArb, { selector: (s) => s.name, maxLength: 5 }), fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 60 }),
      fc.constantFrom('none', 'resize', 'drop', 'add'),
      (first, edits, shape) => {
        const owner = new Image(3);
        const buddy = new Image(3);
        owner.pending = buildPending(owner, first, 1, 10, 8, undefined, undefined, true);
        transfer(owner, buddy, false);
        owner.commit();
        if (!sameByName(buddy, first) || !sameByName(owner, first)) return false;
        const second: Segment[] = first.map((s) => ({ name: s.name, bytes: s.bytes.slice() }));
        for (const [pos, v] of edits) {
          const s = second[pos % Math.max(1, second.length)];
          if (s !== undefined && s.bytes.length > 0) s.bytes[pos % s.bytes.length] = v;
        }
        if (shape === 'resize' && second.length > 0) second[0] = { name: second[0]!.name, bytes: new Uint8Array(second[0]!.bytes.length + 7).fill(1) };
        if (shape === 'drop' && second.length > 1) second.pop();
        if (shape === 'add') second.unshift({ name: 'new/seg', bytes: new Uint8Array(40).fill(3) });
        owner.pending = buildPending(owner, second, 2, 20, 8, undefined, undefined, true);
        const p = owner.pending;
        // Carrying only when every committed segment was captured again (a drop lists all).
        if (p.carry !== (shape !== 'drop' || second.length === first.length) && first.length > 0) return false;
        transfer(owner, buddy, false);
        owner.commit();
        // Both ends apply the same delta the same way: the same names in the same order.
        const sameOrder = owner.names.join() === buddy.names.join();
        return sameOrder && sameByName(buddy, second) && sameByName(owner, second) && buddy.gen === 2 && buddy.progress === 20 && owner.committedBytes === buddy.committedBytes;
      },
    ),
    { seed: 11, numRuns: 200 },
  );
  t.pass();
});

test('a carrying delta lists only the changed segments; a round that changed nothing sends no SEG record and re-indexes nothing', (t) => {
  const pages = (fill: (i: number) => number): Segment[] =>
    Array.from({ length: 130 }, (_, i) => ({ name: `dsm/u/${i}`, bytes: new Uint8Array(512).fill(fill(i)) }));
  for (const carry of [false, true]) {
    const owner = new Image(2);
    const buddy = new Image(2);
    owner.pending = buildPending(owner, pages((i) => i & 0xff), 1, 1, 8, undefined, undefined, carry);
    transfer(owner, buddy, false);
    owner.commit();
    // Round 2: one page of 130 changed.
    const second = pages((i) => (i === 5 ? 99 : i & 0xff));
    owner.pending = buildPending(owner, second, 2, 2, 8, undefined, undefined, carry);
    t.is(owner.pending.carry, carry);
    t.is(owner.pending.segCount, carry ? 1 : 130);
    t.is(owner.pending.size, 130 * 512, 'the image size counts the carried segments');
    t.is(owner.pending.changed, 512);
    const r2 = transfer(owner, buddy, false);
    owner.commit();
    t.true(sameByName(buddy, second) && sameByName(owner, second));
    // 130 SEG records cost 7 + 8..10 bytes each: listing them all is ~2 KB more.
    if (carry) t.true(r2.bytes < 512 + 100, `${r2.bytes} B for one changed page`);
    else t.true(r2.bytes > 512 + 1800, `${r2.bytes} B listing every page`);
    // Round 3: nothing changed.
    const namesBefore = owner.names;
    const buddyNames = buddy.names;
    owner.pending = buildPending(owner, second, 3, 3, 8, undefined, undefined, carry);
    t.is(owner.pending.segCount, carry ? 0 : 130);
    const r3 = transfer(owner, buddy, false);
    owner.commit();
    t.is(owner.gen, 3);
    t.is(buddy.gen, 3);
    t.true(sameByName(buddy, second) && sameByName(owner, second));
    t.is(owner.names === namesBefore && buddy.names === buddyNames, carry, 'a carrying commit keeps the names (no re-index)');
    if (carry) t.is(r3.bytes, DATA_HEADER + 11);
  }
});

test('receiver refuses a carrying META in a replica stream and a carrying delta naming a segment twice', (t) => {
  const base = new Image(1);
  base.pending = buildPending(base, [{ name: 'a', bytes: new Uint8Array(100) }], 1, 0, 8);
  base.commit();
  const meta = (tag: number, segs: number): ByteWriter => {
    const w = new ByteWriter(512);
    w.u8(0).u8(1).u32(2).u32(1).u16(0);
    w.u8(tag).u32(0).u16(segs).u32(0);
    return w;
  };
  const replica = new StreamReceiver(new Pending(2, 0, true, 0));
  t.is(replica.apply(new Image(1), meta(4, 0).done(), true, 1 << 20), 'malformed');
  const seg = (w: ByteWriter, name: string): ByteWriter => w.u8(1).u8(2).u32(4).u8(name.length).bytes(new TextEncoder().encode(name));
  const dup = new StreamReceiver(new Pending(2, 1, false, 0));
  t.is(dup.apply(base, seg(seg(meta(4, 2), 'n'), 'n').done(), true, 1 << 20), 'malformed');
  // Distinct names are fine.
  const ok = new StreamReceiver(new Pending(2, 1, false, 0));
  t.is(ok.apply(base, seg(seg(meta(4, 2), 'n'), 'm').done(), true, 1 << 20), 'ok');
  t.true(ok.pending.carry);
});

test('with the default mergeGap a grid band changed in every row is one run, not a run per row', (t) => {
  // 8 rows of 66 doubles; every interior value changes, the two boundary columns do not: rows
  // are 16 equal bytes apart. A run is ~10-12 XS slots on each side while a round holds it
  // (docs/FOOTPRINT.md "Round 9: Laplace slots"); with the old default of 8 this was 8 runs.
  const xs = 66;
  const before = new Float64Array(8 * xs);
  const after = new Float64Array(8 * xs);
  for (let y = 0; y < 8; y++) for (let x = 1; x < xs - 1; x++) after[y * xs + x] = y + x / 100;
  const seg = (v: Float64Array): Segment[] => [{ name: 'dsm/u/0', bytes: new Uint8Array(v.buffer) }];
  const img = new Image(0);
  img.pending = buildPending(img, seg(before), 1, 1, resolveFtOptions({ boards: 2 }).mergeGap);
  img.commit();
  const p = buildPending(img, seg(after), 2, 2, resolveFtOptions({ boards: 2 }).mergeGap);
  t.is(p.runCount, 1);
  t.is(buildPending(img, seg(after), 2, 2, 8).runCount, 8, 'a gap of 8 cuts at every row');
});

test('a delta span that crosses many frames arrives as one run in one buffer (receive arena), and commits exactly', (t) => {
  // Laplace's band is one span of ~17 KB sent in ~2 KiB frames: each piece used to be a run,
  // an array and a buffer of its own on the buddy (~10 XS slots each while the round lasted).
  const before = new Uint8Array(20_000);
  const after = before.slice();
  for (let i = 1000; i < 19_000; i++) after[i] = (i * 7) & 0xff || 1;
  const owner = new Image(1);
  const buddy = new Image(1);
  owner.pending = buildPending(owner, [{ name: 'dsm/u/0', bytes: before }], 1, 1, 32);
  transfer(owner, buddy, false);
  owner.commit();
  owner.pending = buildPending(owner, [{ name: 'dsm/u/0', bytes: after }], 2, 2, 32);
  t.is(owner.pending.runCount, 1);
  const cap = 2100;
  const w = new ByteWriter(cap);
  const s = new StreamSender(9, 1, 2, 1, false, sourceOfPending(owner.pending), 64, 0);
  const rx = new StreamReceiver(new Pending(2, 1, false, 0));
  // The board's memcpy (a native on XS boards); without one the pieces are kept one by one (below).
  const native = { copy: (src: Uint8Array, start: number, end: number, dst: Uint8Array, at: number): void => dst.set(src.subarray(start, end), at) };
  let frames = 0;
  while (s.wants()) {
    const payload = s.build(w, cap).slice();
    const h = readDataHeader(payload);
    t.is(rx.apply(buddy, payload, h !== null && (h.flags & FLAG_LAST) !== 0, 1 << 20, native), 'ok');
    s.sent(payload.length);
    frames++;
  }
  t.true(frames >= 9, `the span crossed ${frames} frames`);
  t.true(rx.complete);
  t.is(rx.pending.runCount, 1, 'one run, not one per frame');
  const run = runBytes(rx.pending.runs, 0);
  t.is(run.length, 18_000);
  t.is(run.buffer.byteLength, 18_000, 'one buffer exactly the size of the announced data');
  t.is(rx.pending.bytes, 18_000);
  buddy.pending = rx.pending;
  buddy.commit();
  t.true(same(buddy, [{ name: 'dsm/u/0', bytes: after }]));

  // The rest over the budget when the first piece came (memory freed later): pieces are kept one by one.
  const small = new StreamReceiver(new Pending(2, 1, false, 0));
  const s2 = new StreamSender(9, 1, 2, 1, false, sourceOfPending(owner.pending), 64, 0);
  let pieces = 0;
  while (s2.wants()) {
    const payload = s2.build(w, cap).slice();
    const h = readDataHeader(payload);
    t.is(small.apply(buddy, payload, h !== null && (h.flags & FLAG_LAST) !== 0, pieces === 0 ? 5000 : 1 << 20, native), 'ok');
    s2.sent(payload.length);
    pieces++;
  }
  t.true(small.complete);
  t.is(small.pending.runCount, pieces, 'no arena over the budget: a run per frame');

  // Without a native memcpy (XS's TypedArray set costs ~2 units a byte): a run per frame.
  const plain = new StreamReceiver(new Pending(2, 1, false, 0));
  const s3 = new StreamSender(9, 1, 2, 1, false, sourceOfPending(owner.pending), 64, 0);
  while (s3.wants()) {
    const payload = s3.build(w, cap).slice();
    const h = readDataHeader(payload);
    t.is(plain.apply(buddy, payload, h !== null && (h.flags & FLAG_LAST) !== 0, 1 << 20), 'ok');
    s3.sent(payload.length);
  }
  t.is(plain.pending.runCount, frames);
});
