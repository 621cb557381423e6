import test from 'ava';
import { DecodeError, Reader, VARINT_MAX, Writer, varintSize } from '../../src/dsm/codec.js';
import fc from 'fast-check';
import { MAX_NAME, noticeMessageBytes } from '../../src/dsm/limits.js';
import {
  Msg,
  beginDiff,
  beginFetch,
  beginFetchData,
  concatFetchData,
  encodeFetch,
  encodeFetchRange,
  decodeMessage,
  encodeAlloc,
  encodeAllocAnswer,
  encodeBarrier,
  encodeBarrierFail,
  encodeBarrierPresent,
  encodeLockGrant,
  encodeLockRelease,
  encodeLockReq,
  encodeReq,
  encodeReqErr,
  type DsmMessage,
} from '../../src/dsm/messages.js';
import { RangeList } from '../../src/dsm/range-list.js';
import { MAX_HEADROOM } from '../../src/dsm/codec.js';

/** ArrayBuffer.prototype.concat as XS has it (V8 has none): this buffer's bytes, then each part's. */
/** XS's ArrayBuffer.prototype.concat in JavaScript (called as a method of the head buffer). */
function jsConcat(this: ArrayBuffer, ...parts: ArrayBuffer[]): ArrayBuffer {
  const all = [this, ...parts];
  const out = new Uint8Array(all.reduce((n, b) => n + b.byteLength, 0));
  let at = 0;
  for (const b of all) {
    out.set(new Uint8Array(b), at);
    at += b.byteLength;
  }
  return out.buffer;
}

test('FETCH_DATA joined from page slices (the XS home) is byte for byte the written one, with the headroom free', (t) => {
  for (const req of [0, 127, 128, 300_000]) {
    const pages = [new Uint8Array([1, 2, 3, 4]), new Uint8Array([5]), new Uint8Array(1000).fill(7)];
    const w = beginFetchData(req, 1005, varintSize(req));
    for (const p of pages) w.bytes(p);
    const joined = concatFetchData(req, pages.map((p) => p.slice().buffer), 1005, jsConcat);
    t.deepEqual([...joined], [...w.finish()], `req ${req}`);
    t.is(joined.byteOffset, MAX_HEADROOM, 'a transport may write its header just before the message');
    t.is(joined.buffer.byteLength, joined.byteOffset + joined.length);
  }
});

/** FETCH_DATA as decodeMessage read it through a Reader before round 12 (the reference for its Reader-free path). */
function fetchDataThroughReader(bytes: Uint8Array): { req: number; data: number[] } | string {
  try {
    const r = new Reader(bytes);
    r.u8();
    const req = r.varint();
    return { req, data: [...r.bytes(r.remaining)] };
  } catch (e) {
    return (e as Error).message;
  }
}

test('FETCH_DATA, read without a Reader, gives the fields and the errors a Reader gives, on any bytes', (t) => {
  const check = (bytes: Uint8Array): boolean => {
    const want = fetchDataThroughReader(bytes);
    let got: { req: number; data: number[] } | string;
    try {
      const m = decodeMessage(bytes, 64, 4);
      if (m.type !== Msg.FETCH_DATA) return false;
      // A view into the message, not a copy.
      if (m.data.buffer !== bytes.buffer || m.data.byteOffset + m.data.length !== bytes.byteOffset + bytes.length) return false;
      got = { req: m.req, data: [...m.data] };
    } catch (e) {
      if (!(e instanceof DecodeError)) return false;
      got = e.message;
    }
    t.deepEqual(got, want);
    return true;
  };
  // Encoded requests and data, and arbitrary bytes after the type (over-long, unfinished and
  // too-large varints among them).
  fc.assert(
    fc.property(fc.integer({ min: 0, max: VARINT_MAX }), fc.uint8Array({ maxLength: 40 }), (req, data) => {
      const w = beginFetchData(req, data.length, varintSize(req));
      return check(w.bytes(data).finish());
    }),
    { seed: 12, numRuns: 300 },
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 8 }), (rest) => check(new Uint8Array([Msg.FETCH_DATA, ...rest]))),
    { seed: 13, numRuns: 500 },
  );
  for (const rest of [[], [0x80], [0xff, 0xff, 0xff, 0xff, 0x0f], [0xff, 0xff, 0xff, 0xff, 0x1f], [0x80, 0x80, 0x80, 0x80, 0x80, 0x00]]) {
    t.true(check(new Uint8Array([Msg.FETCH_DATA, ...rest])), `05 ${rest.join(' ')}`);
  }
});

const MAX_RANGES = 64;
const BOARDS = 4;

function decode(bytes: Uint8Array): DsmMessage {
  return decodeMessage(bytes, MAX_RANGES, BOARDS);
}

function notices(...pairs: [number, number][]): RangeList {
  const l = new RangeList();
  for (const [s, e] of pairs) l.add(s, e);
  return l;
}

function pairs(l: RangeList): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < l.count; i++) out.push([l.start(i), l.end(i)]);
  return out;
}

test('every encoder gives a message its typed decoder reads back field for field', (t) => {
  const n = notices([3, 9], [20, 21], [1000, 70000]);
  const m1 = decode(encodeBarrier(Msg.BARRIER_ARRIVE, 7, n));
  t.true(m1.type === Msg.BARRIER_ARRIVE && m1.epoch === 7);
  if (m1.type === Msg.BARRIER_ARRIVE) t.deepEqual(pairs(m1.notices), pairs(n));
  const m2 = decode(encodeBarrier(Msg.BARRIER_RELEASE, 300, new RangeList()));
  t.true(m2.type === Msg.BARRIER_RELEASE && m2.epoch === 300 && m2.notices.count === 0);
  t.deepEqual(decode(encodeBarrierFail(5, [1, 3])), { type: Msg.BARRIER_FAIL, epoch: 5, missing: [1, 3] });
  t.deepEqual(decode(encodeBarrierPresent(300)), { type: Msg.BARRIER_PRESENT, epoch: 300 });
  t.deepEqual([...encodeBarrierPresent(2)], [0x10, 2], 'BARRIER_PRESENT is type 0x10 and a varint epoch');
  t.throws(() => decode(new Uint8Array([0x10, 2, 0])), { message: /trailing|long|end/i });
  t.deepEqual(decode(encodeLockReq(2, 'door')), { type: Msg.LOCK_REQ, epoch: 2, name: 'door' });
  const rel = decode(encodeLockRelease(4, 'door', n));
  t.true(rel.type === Msg.LOCK_RELEASE && rel.epoch === 4 && rel.name === 'door');
  if (rel.type === Msg.LOCK_RELEASE) t.deepEqual(pairs(rel.notices), pairs(n));
  const grant = decode(encodeLockGrant('door', n));
  t.true(grant.type === Msg.LOCK_GRANT && grant.name === 'door');
  if (grant.type === Msg.LOCK_GRANT) t.deepEqual(pairs(grant.notices), pairs(n));
  t.deepEqual(decode(encodeReq(Msg.DIFF_ACK, 129)), { type: Msg.DIFF_ACK, req: 129 });
  t.deepEqual(decode(encodeReq(Msg.DIFF_HELD, 1)), { type: Msg.DIFF_HELD, req: 1 });
  t.deepEqual(decode(encodeReqErr(9, 'no such array')), { type: Msg.REQ_ERR, req: 9, text: 'no such array' });
  t.deepEqual(decode(encodeAllocAnswer(3, null)), { type: Msg.ALLOC_OK, seq: 3, error: null });
  t.deepEqual(decode(encodeAllocAnswer(3, 'boards disagree')), { type: Msg.ALLOC_ERR, seq: 3, error: 'boards disagree' });
  const spec = { name: 'grid', type: 'Float64' as const, length: 100, pageSize: 1024, granule: 8, home: { ranges: [[0, 50], [50, 100]] as [number, number][] }, push: false };
  const alloc = decode(encodeAlloc(1, spec));
  t.true(alloc.type === Msg.ALLOC && alloc.seq === 1);

  const fetch = beginFetch(17, 2).varint(10).varint(4).varint(6).varint(1).finish();
  t.deepEqual(decode(fetch), { type: Msg.FETCH, req: 17, array: 2, ranges: [10, 14, 20, 21] });
  const data = beginFetchData(17, 3, varintSize(17)).bytes(new Uint8Array([7, 8, 9])).finish();
  const fd = decode(data);
  t.true(fd.type === Msg.FETCH_DATA && fd.req === 17);
  if (fd.type === Msg.FETCH_DATA) t.deepEqual([...fd.data], [7, 8, 9]);
  const diff = beginDiff(5, 1, 64).varint(100).varint(2).bytes(new Uint8Array([1, 2])).varint(3).varint(1).bytes(new Uint8Array([9])).finish();
  const d = decode(diff);
  t.true(d.type === Msg.DIFF && d.req === 5 && d.array === 1);
  if (d.type === Msg.DIFF) {
    // (start, length, offset of the bytes in the message): the second run starts 3 after the first's end.
    t.deepEqual([d.runs[0], d.runs[1], d.runs[3], d.runs[4]], [100, 2, 105, 1]);
    t.deepEqual([...d.bytes.subarray(d.runs[2]!, d.runs[2]! + 2)], [1, 2]);
    t.deepEqual([...d.bytes.subarray(d.runs[5]!, d.runs[5]! + 1)], [9]);
  }
});

test('a message that is short, too long, empty where it must not be, or over its bounds is a DecodeError', (t) => {
  const bad = (bytes: Uint8Array, why: string): void => {
    t.throws(() => decode(bytes), { instanceOf: DecodeError }, why);
  };
  const plus = (m: Uint8Array, ...extra: number[]): Uint8Array => new Writer().bytes(m).bytes(new Uint8Array(extra)).finish();
  bad(new Uint8Array(0), 'empty');
  bad(new Uint8Array([0x7f]), 'unknown type');
  for (const m of [
    encodeReq(Msg.DIFF_ACK, 1),
    encodeReq(Msg.DIFF_HELD, 1),
    encodeReqErr(1, 'x'),
    encodeBarrier(Msg.BARRIER_ARRIVE, 1, notices([1, 2])),
    encodeBarrierFail(1, [2]),
    encodeLockReq(1, 'a'),
    encodeLockRelease(1, 'a', notices([1, 2])),
    encodeLockGrant('a', notices([1, 2])),
    encodeAllocAnswer(1, null),
    encodeAllocAnswer(1, 'no'),
  ]) {
    t.notThrows(() => decode(m));
    bad(plus(m, 0), `trailing byte after type ${m[0]}`);
    bad(m.subarray(0, m.length - 1), `type ${m[0]} cut short`);
  }
  bad(beginFetch(1, 0).varint(4).varint(0).finish(), 'empty fetch range');
  bad(beginDiff(1, 0, 64).varint(4).varint(0).finish(), 'empty diff run');
  bad(beginDiff(1, 0, 64).varint(4).varint(3).bytes(new Uint8Array(2)).finish(), 'diff run longer than the message');
  bad(encodeBarrierFail(1, [0, 1, 2, 3, 0]), 'more missing ranks than boards');
  const many = new RangeList();
  for (let i = 0; i <= MAX_RANGES; i++) many.add(2 * i, 2 * i + 1);
  bad(encodeBarrier(Msg.BARRIER_RELEASE, 1, many), 'more notice ranges than maxNoticeRanges');
  bad(encodeLockReq(1, 'x'.repeat(MAX_NAME + 1)), 'name over MAX_NAME');
});

test('the largest notice message (LOCK_RELEASE) is within noticeMessageBytes: 42 + 10 x ranges', (t) => {
  t.is(noticeMessageBytes(0), 42);
  t.is(noticeMessageBytes(64), 682);
  // Every varint at 5 bytes: starts and lengths from 2^28 up (7 such ranges fit below VARINT_MAX).
  const big = 2 ** 28;
  const list = new RangeList();
  for (let i = 0; i < 7; i++) list.add(big + 2 * big * i, 2 * big * (i + 1));
  t.true(list.end(list.count - 1) <= VARINT_MAX);
  const m = encodeLockRelease(VARINT_MAX, 'n'.repeat(MAX_NAME), list);
  // The bound allows 3 bytes for the count; 7 takes one.
  t.is(m.length, noticeMessageBytes(7) - 3 + varintSize(7));
  t.true(m.length <= noticeMessageBytes(7));
});

test('encodeFetch and encodeFetchRange write what beginFetch and its pairs write; FETCH decodes as over a Reader', (t) => {
  const value = fc.oneof(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 20_000 }), fc.integer({ min: 0, max: VARINT_MAX }));
  fc.assert(
    fc.property(value, fc.integer({ min: 0, max: 300 }), fc.array(fc.tuple(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 1, max: 20_000 })), { minLength: 1, maxLength: 5 }), (req, array, pairs) => {
      const w = beginFetch(req, array);
      const ranges: number[] = [];
      let prev = 0;
      for (const [d, n] of pairs) {
        w.varint(d).varint(n);
        ranges.push(prev + d, prev + d + n);
        prev += d + n;
      }
      const want = [...w.finish()];
      const got = encodeFetch(req, array, ranges);
      t.deepEqual([...got], want);
      t.true(got.byteOffset >= MAX_HEADROOM, 'headroom free before the message');
      if (pairs.length === 1) t.deepEqual([...encodeFetchRange(req, array, ranges[0]!, ranges[1]! - ranges[0]!)], want);
      t.deepEqual(decode(got), { type: Msg.FETCH, req, array, ranges });
      return true;
    }),
    { seed: 17, numRuns: 500 },
  );
  // Any bytes after the FETCH type: the same message or the same DecodeError as readRuns over a Reader.
  const overReader = (bytes: Uint8Array): unknown => {
    const r = new Reader(bytes);
    r.u8();
    const req = r.varint();
    const array = r.varint();
    const ranges: number[] = [];
    let prev = 0;
    while (r.offset < bytes.length) {
      const s = prev + r.varint();
      const n = r.varint();
      if (n === 0) throw new DecodeError('empty range');
      ranges.push(s, s + n);
      prev = s + n;
    }
    return { type: Msg.FETCH, req, array, ranges };
  };
  const outcome = (f: () => unknown): unknown => {
    try {
      return f();
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      return `DecodeError: ${e.message}`;
    }
  };
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0, 0x80, 0xff, 0x7f, 1)), { maxLength: 14 }), (tail) => {
      const bytes = new Uint8Array([Msg.FETCH, ...tail]);
      t.deepEqual(outcome(() => decode(bytes)), outcome(() => overReader(bytes)));
      return true;
    }),
    { seed: 18, numRuns: 2000 },
  );
});
