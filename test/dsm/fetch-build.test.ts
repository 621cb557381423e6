/**
 * buildFetches (src/dsm/outgoing.ts), its one-request path and its general one: for any homes,
 * stale granules and range, the requests ask for exactly the stale granules of the range that
 * other boards home, each of its own home, each reply within one message, each request's bytes
 * the FETCH of its ranges (docs/PERFORMANCE.md "Round 17b: the page fetch").
 */
import test from 'ava';
import fc from 'fast-check';
import { varintSize } from '../../src/dsm/codec.js';
import { Msg, decodeMessage } from '../../src/dsm/messages.js';
import { buildFetches } from '../../src/dsm/outgoing.js';
import { ReadChecker, snapshotBudget } from '../../src/dsm/read-check.js';
import { SharedArrayState } from '../../src/dsm/shared-array.js';

const PAGE = 64;
const GRANULE = 8;
const GPP = PAGE / GRANULE;

test('buildFetches asks for exactly the stale granules other boards home, in messages that fit', (t) => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 6 }),
      fc.array(fc.boolean(), { minLength: 6 * GPP, maxLength: 6 * GPP }),
      fc.nat(),
      fc.nat(),
      fc.constantFrom(64, 80, 130, 4159),
      (homeList, staleBits, a, b, max) => {
        const homes = new Uint8Array(homeList);
        const bytes = homes.length * PAGE;
        const st = new SharedArrayState(3, 'a', 'Uint8', bytes, PAGE, GRANULE, 0, homes, 0, 64, new ReadChecker(snapshotBudget(1 << 16)));
        const stale = new Set<number>();
        for (let g = 0; g < homes.length * GPP; g++) {
          // Home pages are never stale.
          if (staleBits[g] && homes[Math.floor(g / GPP)] !== 0) {
            st.stale.mark(g, g + 1);
            stale.add(g);
          }
        }
        const b0 = a % bytes;
        const b1 = b0 + 1 + (b % (bytes - b0));
        let id = 200;
        const out = buildFetches(st, b0, b1, 0, max, { newId: () => id++ });
        const want: number[] = [];
        for (let g = Math.floor(b0 / GRANULE); g < Math.ceil(b1 / GRANULE); g++) if (stale.has(g)) want.push(g);
        const got: number[] = [];
        const reqs = new Set<number>();
        for (const o of out) {
          t.false(reqs.has(o.req), 'request ids are distinct');
          reqs.add(o.req);
          const info = o.info!;
          let n = 0;
          for (let i = 0; i < info.ranges.length; i += 2) {
            for (let g = info.ranges[i]!; g < info.ranges[i + 1]!; g++) {
              got.push(g);
              t.is(homes[Math.floor(g / GPP)], o.to, `granule ${g} asked of its home`);
            }
            n += info.ranges[i + 1]! - info.ranges[i]!;
          }
          t.is(info.bytes, n * GRANULE);
          t.true(1 + varintSize(o.req) + info.bytes <= max, 'the reply fits one message');
          t.true(o.bytes.length <= max, 'the request fits one message');
          t.deepEqual(decodeMessage(o.bytes, 64, 4), { type: Msg.FETCH, req: o.req, array: 3, ranges: info.ranges });
        }
        got.sort((x, y) => x - y);
        t.deepEqual(got, want);
        return true;
      },
    ),
    { seed: 1717, numRuns: 1500 },
  );
});

test('a whole stale page of another home is one request of one range', (t) => {
  const homes = new Uint8Array([1, 1, 0]);
  const st = new SharedArrayState(0, 'p', 'Uint8', 3 * 4096, 4096, 8, 0, homes, 0, 64, new ReadChecker(snapshotBudget(1 << 16)));
  st.stale.fill(0, 1024);
  const out = buildFetches(st, 4096, 8192, 0, 4159, { newId: () => 300 });
  t.is(out.length, 1);
  t.deepEqual(out[0]!.info!.ranges, [512, 1024]);
  t.is(out[0]!.to, 1);
  // FETCH, req 300 (2 bytes), array 0, start 512 (2), count 512 (2).
  t.deepEqual([...out[0]!.bytes], [Msg.FETCH, 0xac, 0x02, 0, 0x80, 0x04, 0x80, 0x04]);
  t.deepEqual(buildFetches(st, 8192, 3 * 4096, 0, 4159, { newId: () => 301 }), [], 'its own page: nothing');
});
