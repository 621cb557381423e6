import test from 'ava';
import fc from 'fast-check';
import { Reader, Writer, DecodeError } from '../../src/dsm/codec.js';
import { RangeList } from '../../src/dsm/range-list.js';
import { StaleMap } from '../../src/dsm/stale-map.js';

const range = fc.tuple(fc.nat(300), fc.nat(40)).map(([s, n]) => [s, s + n] as const);

test('RangeList holds exactly the union of what was added (no cap)', (t) => {
  fc.assert(
    fc.property(fc.array(range, { maxLength: 40 }), (adds) => {
      const list = new RangeList();
      const model = new Set<number>();
      for (const [s, e] of adds) {
        list.add(s, e);
        for (let i = s; i < e; i++) model.add(i);
      }
      const got = new Set<number>();
      for (let i = 0; i < list.count; i++) {
        if (i > 0 && list.start(i) <= list.end(i - 1)) return false; // sorted, disjoint, not touching
        for (let x = list.start(i); x < list.end(i); x++) got.add(x);
      }
      return got.size === model.size && [...model].every((x) => got.has(x));
    }),
    { seed: 1, numRuns: 300 },
  );
  t.pass();
});

test('a capped RangeList keeps a superset within the cap', (t) => {
  fc.assert(
    fc.property(fc.array(range, { maxLength: 40 }), fc.integer({ min: 1, max: 5 }), (adds, cap) => {
      const list = new RangeList(cap);
      for (const [s, e] of adds) list.add(s, e);
      if (list.count > cap) return false;
      return adds.every(([s, e]) => s === e || (list.overlaps(s, e) && covered(list, s, e)));
    }),
    { seed: 2, numRuns: 300 },
  );
  t.pass();
});

function covered(list: RangeList, s: number, e: number): boolean {
  let n = 0;
  list.forEachIn(s, e, (a, b) => (n += b - a));
  return n === e - s;
}

test('StaleMap marks, clears and scans like a boolean array', (t) => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.boolean(), range), { maxLength: 30 }), ([...ops]) => {
      const size = 345;
      const map = new StaleMap(size);
      const model = new Array<boolean>(size).fill(false);
      for (const [set, [s0, e0]] of ops) {
        const s = Math.min(s0, size);
        const e = Math.min(e0, size);
        if (set) {
          const before = model.slice(s, e).filter((x) => !x).length;
          if (map.mark(s, e) !== before) return false;
        } else map.clear(s, e);
        for (let i = s; i < e; i++) model[i] = set;
      }
      for (let i = 0; i < size; i++) if (map.isStale(i) !== model[i]) return false;
      for (const from of [0, 31, 32, 100]) {
        for (const want of [true, false]) {
          const idx = model.findIndex((x, i) => i >= from && x === want);
          if (map.next(from, size, want) !== (idx < 0 ? size : idx)) return false;
        }
      }
      return true;
    }),
    { seed: 3, numRuns: 300 },
  );
  t.pass();
});

test('StaleMap over long ranges: mark, fill and clear by whole words, next bounded anywhere', (t) => {
  const wide = fc.tuple(fc.nat(2400), fc.nat(900)).map(([s, n]) => [s, s + n] as const);
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.constantFrom('mark', 'fill', 'clear'), wide), { maxLength: 25 }), fc.array(fc.tuple(fc.nat(2400), fc.nat(2400)), { minLength: 1, maxLength: 12 }), (ops, scans) => {
      const size = 2345;
      const map = new StaleMap(size);
      const model = new Array<boolean>(size).fill(false);
      for (const [op, [s0, e0]] of ops) {
        const s = Math.min(s0, size);
        const e = Math.min(e0, size);
        if (op === 'mark') {
          const before = model.slice(s, e).filter((x) => !x).length;
          if (map.mark(s, e) !== before) return false;
        } else if (op === 'fill') map.fill(s, e);
        else map.clear(s, e);
        for (let i = s; i < e; i++) model[i] = op !== 'clear';
      }
      for (let i = 0; i < size; i++) if (map.isStale(i) !== model[i]) return false;
      for (const [a, b] of scans) {
        const from = Math.min(a, size);
        const end = Math.min(Math.max(a, b), size);
        for (const want of [true, false]) {
          let idx = end;
          for (let i = from; i < end; i++) {
            if (model[i] === want) {
              idx = i;
              break;
            }
          }
          if (map.next(from, end, want) !== idx) return false;
        }
      }
      return true;
    }),
    { seed: 5, numRuns: 300 },
  );
  t.pass();
});

test('varints round-trip and bad input raises DecodeError', (t) => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 0xffffffff })), (vals) => {
      const w = new Writer(1);
      for (const v of vals) w.varint(v);
      const r = new Reader(w.finish());
      const ok = vals.every((v) => r.varint() === v);
      return ok && r.remaining === 0;
    }),
    { seed: 4 },
  );
  t.throws(() => new Reader(new Uint8Array([0x80])).varint(), { instanceOf: DecodeError });
  t.throws(() => new Reader(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x7f])).varint(), { instanceOf: DecodeError });
  t.throws(() => new Reader(new Uint8Array([2, 0x41, 0x0a])).ascii(32), { instanceOf: DecodeError });
  t.throws(() => new Writer().varint(-1), { instanceOf: RangeError });
});
